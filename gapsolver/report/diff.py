"""What changed between two plans (`diff`, `whatif`)."""

from __future__ import annotations

from rich.table import Table

from gapsolver.report.common import Printer
from gapsolver.report.result import kpi
from gapsolver.schema.analysis import PlanDiff


def print_diff(difference: PlanDiff, console: Printer) -> None:
    """Tables of a plan difference (A → B)."""
    kpis = Table(
        title=f"Plan A ({difference.scenario_a}) → plan B ({difference.scenario_b})",
        title_justify="left",
    )
    for column in ("figure", "A", "B", "change"):
        kpis.add_column(column, justify="left" if column == "figure" else "right")
    for name, change in difference.kpis.items():
        kpis.add_row(
            name.replace("_", " ") + (" (USD)" if name == "cost" else ""),
            kpi(name, change.a),
            kpi(name, change.b),
            kpi(name, change.delta, signed=True),
        )
    console.print(kpis)
    for title, gaps in (
        ("Gaps opened", difference.gaps_opened),
        ("Gaps closed", difference.gaps_closed),
    ):
        if gaps:
            table = Table(title=title, title_justify="left")
            for column in ("requirement", "mission", "gap A", "gap B"):
                table.add_column(column, justify="right" if column.startswith("gap") else "left")
            for gap in gaps:
                table.add_row(gap.requirement, gap.mission, str(gap.gap_a), str(gap.gap_b))
            console.print(table)
    sections: tuple[tuple[str, list[list[str]], tuple[str, ...], tuple[str, ...]], ...] = (
        (
            "Assignments changed",
            [
                [c.pledge, c.state, c.requirement, str(c.units_a), str(c.units_b)]
                for c in difference.assignments_changed
            ],
            ("pledge", "state", "requirement"),
            ("units A", "units B"),
        ),
        (
            "Donations redirected",
            [
                [c.donation, c.recipient, str(c.items_a), str(c.items_b)]
                for c in difference.donations_redirected
            ],
            ("donation", "recipient"),
            ("items A", "items B"),
        ),
        (
            "Training seats changed",
            [
                [c.training, str(c.seats_a), str(c.seats_b)]
                for c in difference.training_seats_changed
            ],
            ("training",),
            ("seats A", "seats B"),
        ),
    )
    for title, rows, labels, values in sections:
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for column in labels:
            table.add_column(column)
        for column in values:
            table.add_column(column, justify="right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
