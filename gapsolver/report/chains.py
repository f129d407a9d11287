"""The partnership chains that enable conditional pledges (`graph --chains`, `explain`)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from gapsolver.analysis.chains import Chain
from gapsolver.report.common import Printer


def print_chains(chains: list[Chain], console: Printer) -> None:
    """One row per conditional pledge: the chain the plan used, or why none."""
    table = Table(title="Enabling chains of conditional pledges", title_justify="left")
    for column in ("pledge", "needs", "units", "chain / why not"):
        table.add_column(column, justify="right" if column == "units" else "left")
    for chain in chains:
        if chain.used:
            donors = ", ".join(f"{d.donor} ({d.items} items)" for d in chain.donations)
            trainers = ", ".join(f"{t.trainer} ({t.seats} seats)" for t in chain.trainings)
            missions = ", ".join(sorted({d.mission for d in chain.deployments}))
            parts = [
                p
                for p in (
                    donors and f"{donors} →",
                    f"{chain.state}",
                    trainers and f"trained by {trainers}",
                    f"→ {missions}",
                )
                if p
            ]
            text = Text(" ".join(parts), style="green")
        else:
            reason = {} if chain.reason is None else chain.reason.model_dump()
            kind = reason.pop("type", "?")
            details = "; ".join(
                f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in reason.items()
            )
            text = Text(f"{kind}" + (f" ({details})" if details else ""), style="yellow")
        table.add_row(chain.pledge, chain.needs, str(chain.units), text)
    console.print(table)
