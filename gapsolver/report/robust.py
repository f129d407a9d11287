"""The weighted gap's distribution over sampled scenarios (`robust`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text

from gapsolver.report.common import PRIORITY_STYLE, Printer
from gapsolver.schema.analysis import RequirementRisk, RobustReport


def print_robust(report: RobustReport, console: Printer, top: int = 15) -> None:
    """`gapsolver robust`: the distribution, then the requirements most often short."""
    uncertain = report.uncertain_elements
    if report.note:
        console.print(f"{report.scenario}: {report.note}.", highlight=False)
    console.print(
        f"{report.scenario}: {report.samples} samples, seed {report.seed}; "
        f"uncertain: {uncertain.pledges} pledges, {uncertain.donations} donations, "
        f"{uncertain.trainings} trainings",
        highlight=False,
    )
    table = Table(title="Optimal plan across samples", title_justify="left")
    table.add_column("figure")
    for column in ("all materialize", "mean", "p5", "p50", "p95", "worst"):
        table.add_column(column, justify="right")
    for label, nominal, dist in (
        ("weighted gap", report.nominal.weighted_gap, report.weighted_gap),
        ("unfilled units", report.nominal.gap_units, report.gap_units),
    ):
        table.add_row(
            label,
            f"{nominal:g}",
            f"{dist.mean:.1f}",
            f"{dist.p5:g}",
            f"{dist.p50:g}",
            f"{dist.p95:g}",
            f"{dist.worst:g}",
        )
    console.print(table)
    at_risk = most_often_short(report.requirements, top)
    if at_risk is not None:
        console.print(at_risk)


def most_often_short(requirements: Sequence[RequirementRisk], top: int) -> Table | None:
    """The ``top`` requirements short in some sample (``requirements`` come most often short
    first), as a table; None when none is ever short (`robust`, `robust --plan`)."""
    at_risk = [row for row in requirements if row.short_in > 0][:top]
    if not at_risk:
        return None
    table = Table(title="Requirements most often short", title_justify="left")
    for column in (
        "requirement",
        "priority",
        "quantity",
        "gap if all materialize",
        "short in",
        "mean gap",
    ):
        table.add_column(
            column, justify="left" if column in ("requirement", "priority") else "right"
        )
    for row in at_risk:
        table.add_row(
            row.requirement,
            Text(row.priority.value, style=PRIORITY_STYLE[row.priority.value]),
            str(row.quantity),
            str(row.nominal_gap),
            f"{row.short_in:.0%}",
            f"{row.mean_gap:.2f}",
        )
    return table
