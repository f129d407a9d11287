"""Strategies side by side (`compare`)."""

from __future__ import annotations

from rich.table import Table

from gapsolver.report.common import Printer
from gapsolver.schema import Priority
from gapsolver.schema.analysis import Comparison


def print_compare(comparison: Comparison, console: Printer) -> None:
    """`gapsolver compare`: one row per scenario and strategy, then the summary."""
    rows = comparison.rows
    table = Table(title="Strategies per scenario", title_justify="left")
    columns = [
        "scenario",
        "strategy",
        "weighted gap",
        "unfilled crit/high/normal",
        "cost (USD)",
        "women share",
        "time (s)",
    ]
    with_ratio = comparison.against_optimal
    if with_ratio:
        columns.insert(3, "× optimal")
    for column in columns:
        table.add_column(column, justify="left" if column in ("scenario", "strategy") else "right")
    for row in rows:
        cells = [
            row.scenario,
            row.strategy,
            f"{row.weighted_gap:g}",
            " / ".join(str(row.gap_of(priority)) for priority in Priority),
            f"{row.cost:,.0f}",
            "n/a" if row.women_share is None else f"{row.women_share:.1%}",
            f"{row.solve_time:.3f}",
        ]
        if with_ratio:
            ratio = row.ratio_to_optimal
            cells.insert(3, "∞" if ratio is None else f"{ratio:.2f}")
        table.add_row(*cells)
    console.print(table)
    table = Table(title="Summary per strategy", title_justify="left")
    summary = comparison.summary
    columns = [
        "strategy",
        "scenarios",
        "mean weighted gap",
        "unfilled crit/high/normal",
        "mean cost (USD)",
        "mean time (s)",
    ]
    if with_ratio:
        columns += ["mean × optimal", "worst × optimal", "optimal in"]
    for column in columns:
        table.add_column(column, justify="left" if column == "strategy" else "right")
    for entry in summary:
        cells = [
            entry.strategy,
            str(entry.scenarios),
            f"{entry.mean_weighted_gap:g}",
            " / ".join(str(entry.gap_of(priority)) for priority in Priority),
            f"{entry.mean_cost:,.0f}",
            f"{entry.mean_solve_time:.3f}",
        ]
        if with_ratio:
            cells += [
                "n/a"
                if entry.mean_ratio_to_optimal is None
                else f"{entry.mean_ratio_to_optimal:.2f}",
                "∞"
                if entry.worst_ratio_to_optimal is None
                else f"{entry.worst_ratio_to_optimal:.2f}",
                str(entry.optimal_in),
            ]
        table.add_row(*cells)
    console.print(table)
