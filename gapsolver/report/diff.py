"""What changed between two plans (`diff`, `whatif`)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from gapsolver.report.common import Printer
from gapsolver.report.result import (
    kpi,
)


def print_diff(difference: dict[str, Any], console: Printer) -> None:
    """Tables of a plan difference (A → B)."""
    kpis = Table(
        title=f"Plan A ({difference['scenario_a']}) → plan B ({difference['scenario_b']})",
        title_justify="left",
    )
    for column in ("figure", "A", "B", "change"):
        kpis.add_column(column, justify="left" if column == "figure" else "right")
    for name, row in difference["kpis"].items():
        kpis.add_row(
            name.replace("_", " ") + (" (USD)" if name == "cost" else ""),
            kpi(name, row["a"]),
            kpi(name, row["b"]),
            kpi(name, row["delta"], signed=True),
        )
    console.print(kpis)
    for key, title in (("gaps_opened", "Gaps opened"), ("gaps_closed", "Gaps closed")):
        rows = difference[key]
        if rows:
            table = Table(title=title, title_justify="left")
            for column in ("requirement", "mission", "gap A", "gap B"):
                table.add_column(column, justify="right" if column.startswith("gap") else "left")
            for row in rows:
                table.add_row(
                    row["requirement"], row["mission"], str(row["gap_a"]), str(row["gap_b"])
                )
            console.print(table)
    sections = (
        (
            "assignments_changed",
            "Assignments changed",
            ("pledge", "state", "requirement"),
            ("units_a", "units_b"),
        ),
        (
            "donations_redirected",
            "Donations redirected",
            ("donation", "recipient"),
            ("items_a", "items_b"),
        ),
        ("training_seats_changed", "Training seats changed", ("training",), ("seats_a", "seats_b")),
    )
    for key, title, labels, values in sections:
        rows = difference[key]
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for column in labels:
            table.add_column(column)
        for column in values:
            table.add_column(
                column.replace("_", " ").replace(" a", " A").replace(" b", " B"), justify="right"
            )
        for row in rows:
            table.add_row(*(str(row[c]) for c in labels), *(str(row[c]) for c in values))
        console.print(table)
