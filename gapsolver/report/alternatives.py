"""`gapsolver alternatives`: the plans side by side, what sets each apart, and how far apart they are."""

from __future__ import annotations

from rich.table import Table

from gapsolver.report.common import Printer
from gapsolver.report.result import kpi
from gapsolver.schema.alternatives import Alternatives


def _names(values: list[str], limit: int = 6) -> str:
    if not values:
        return "—"
    shown = ", ".join(values[:limit])
    return shown + (f" (+{len(values) - limit})" if len(values) > limit else "")


def print_alternatives(found: Alternatives, console: Printer) -> None:
    """The plans side by side, then their pairwise distances."""
    within = (
        "the optimum" if found.slack == 0 else f"{found.slack:.1%} of the optimum ({found.bound:g})"
    )
    console.print(
        f"{found.scenario}: {len(found.plans)} of {found.asked} plans within {within}, "
        f"different in {found.diversify}"
        + (f"; kept as in plan 1: {', '.join(found.kept)}" if found.kept else "")
        + (f"; no other distinct plan exists within {within}" if found.exhausted else "")
        + ("; the time limit stopped the search" if found.timed_out else ""),
        highlight=False,
    )
    table = Table(title="Plans side by side", title_justify="left")
    table.add_column("figure")
    for plan in found.plans:
        table.add_column(f"plan {plan.index}", justify="right")
    rows: list[tuple[str, list[str]]] = [
        ("weighted gap", [kpi("weighted_gap", p.result.weighted_gap) for p in found.plans]),
        ("unfilled units", [str(p.result.gap_units) for p in found.plans]),
        ("allocated units", [str(p.result.allocated_units) for p in found.plans]),
        ("cost (USD)", [kpi("cost", p.result.cost) for p in found.plans]),
        ("women share", [kpi("women_share", p.result.women_share) for p in found.plans]),
        ("suitability", [kpi("suitability", p.result.suitability) for p in found.plans]),
        ("overlap with earlier plans", [f"{p.overlap:g}" for p in found.plans]),
        ("units moved from plan 1", [str(p.differences.units_moved) for p in found.plans]),
        ("states added", [_names(p.differences.states_added) for p in found.plans]),
        ("states dropped", [_names(p.differences.states_dropped) for p in found.plans]),
        ("donated items to (added)", [_names(p.differences.gifts_added) for p in found.plans]),
        ("donated items to (dropped)", [_names(p.differences.gifts_dropped) for p in found.plans]),
        ("missions changed", [_names(p.differences.missions_changed) for p in found.plans]),
    ]
    for label, cells in rows:
        table.add_row(label, *cells)
    console.print(table)
    distances = Table(title="Distances (units placed differently)", title_justify="left")
    distances.add_column("")
    for plan in found.plans:
        distances.add_column(f"plan {plan.index}", justify="right")
    for plan, row in zip(found.plans, found.distances, strict=True):
        distances.add_row(f"plan {plan.index}", *(str(value) for value in row))
    console.print(distances)
