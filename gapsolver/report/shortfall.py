"""The pledging shopping list (`shortfall`)."""

from __future__ import annotations

from rich.table import Table

from gapsolver.analysis.shortfall import Shortfall
from gapsolver.report.common import Printer


def print_shortfall(report: Shortfall, console: Printer) -> None:
    """`gapsolver shortfall`: the pledges to ask for, and the partnership alternative."""
    scope = "critical gaps" if report.scope == "critical" else "gaps"
    if not report.targets:
        console.print(f"No {scope} to close: the optimal plan fills them all.", highlight=False)
        return
    units = sum(target.gap for target in report.targets)
    console.print(
        f"{report.scenario}: {len(report.targets)} requirements with {scope}, "
        f"{units} units short (weighted gap {report.base.weighted_gap:g}).",
        highlight=False,
    )
    pledges, partnerships = report.pledges, report.partnerships
    assert pledges is not None and partnerships is not None  # there are targets
    table = Table(
        title=f"Pledges to ask for: {pledges.units} units, about {pledges.estimated_cost:,.0f} USD",
        title_justify="left",
    )
    for column in (
        "mission",
        "capability",
        "readiness ≥",
        "arrive by",
        "language",
        "units",
        "est. cost (USD)",
        "fills",
    ):
        table.add_column(
            column, justify="right" if column in ("units", "est. cost (USD)") else "left"
        )
    capped = any(group.min_contributors > 1 for group in pledges.groups)
    if capped:
        table.add_column("contributors ≥", justify="right")
    for group in pledges.groups:
        table.add_row(
            group.mission,
            group.capability,
            group.min_readiness,
            group.needed_by or "—",
            group.require_language or "—",
            str(group.units),
            f"{group.estimated_cost:,.0f}",
            ", ".join(group.requirements),
            *([str(group.min_contributors)] if capped else []),
        )
    if pledges.groups:
        console.print(table)
    for row in pledges.unclosed:
        noun = "unit" if row.units == 1 else "units"
        budget = pledges.budget
        assert budget is not None  # only a budget leaves units unclosed
        console.print(
            f"{row.units} {noun} of {row.requirement} cannot be closed within the budget "
            f"({budget.budget:,.0f} USD; {budget.spent_with_list:,.0f} spent with the list)",
            highlight=False,
        )
    if not partnerships.closed:
        console.print(
            "Partnerships instead: no more donated items or training seats would close any of "
            "these gaps (no conditional pledge could use them).",
            highlight=False,
        )
        return
    console.print(
        f"Partnerships instead close {partnerships.units_closed} of the {units} units "
        "(" + ", ".join(f"{row.requirement} {row.units}" for row in partnerships.closed) + "):",
        highlight=False,
    )
    table = Table(show_header=True)
    for column in ("give", "to", "amount", "for"):
        table.add_column(column, justify="right" if column == "amount" else "left")
    for given in partnerships.items:
        fills = ", ".join(f"{f.requirement} ({f.units})" for f in given.fills)
        table.add_row(f"donated {given.item}", given.recipient, str(given.items), fills)
    for funded in partnerships.seats:
        table.add_row(
            f"training seats, {funded.capability} ({funded.lead_time_days} days)",
            funded.state,
            str(funded.seats),
            funded.requirement,
        )
    console.print(table)
