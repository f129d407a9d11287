"""What a plan depends on (`graph --critical`) and the chains that enable conditional pledges."""

from __future__ import annotations

from rich.table import Table

from gapsolver.report.common import Printer
from gapsolver.schema.analysis import DependenceReport, SingleContributor


def print_dependence(report: DependenceReport, console: Printer, top: int = 15) -> None:
    """The withdrawals that cost something, single points of failure, and concentration per mission."""
    costly = [w for w in report.withdrawals if w.weighted_gap_increase > 0]
    table = Table(
        title=f"Withdrawals that widen the gap (base weighted gap {report.base_weighted_gap:g}; "
        f"{report.re_solves} re-solves, {len(report.withdrawals) - report.re_solves} unused elements "
        "known to cost 0)",
        title_justify="left",
    )
    for column in ("kind", "id", "weighted gap +", "units short +"):
        table.add_column(column, justify="right" if "+" in column else "left")
    for withdrawal in costly[:top]:
        table.add_row(
            withdrawal.kind,
            withdrawal.id,
            f"{withdrawal.weighted_gap_increase:g}",
            str(withdrawal.gap_units_increase),
        )
    if len(costly) > top:
        table.caption = f"… and {len(costly) - top} more with a positive increase (see the JSON)"
    console.print(table)
    if report.single_points_of_failure:
        failures = Table(title="Single points of failure", title_justify="left")
        failures.add_column("kind")
        failures.add_column("what")
        failures.add_column("depends on")
        for item in report.single_points_of_failure:
            if isinstance(item, SingleContributor):
                failures.add_row(
                    "one contributor", item.requirement, f"{item.state} ({item.units} units)"
                )
            else:
                failures.add_row("one donor", item.recipient, item.donor)
        console.print(failures)
    concentration = Table(
        title="Contributor concentration per mission (HHI, 0–10,000)", title_justify="left"
    )
    for column in ("mission", "units", "states", "HHI", "largest", "share"):
        concentration.add_column(
            column, justify="left" if column in ("mission", "largest") else "right"
        )
    for row in report.concentration:
        concentration.add_row(
            row.mission,
            str(row.units),
            str(row.states),
            f"{row.hhi:,.0f}",
            row.largest,
            f"{row.largest_share:.0%}",
        )
    console.print(concentration)
