"""A solve's result as tables: requirements and their reasons, partnerships, stages, totals, the
allocation."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from gapsolver.report.common import PRIORITY_STYLE, Printer
from gapsolver.report.reasons import reason_summary
from gapsolver.schema import Priority
from gapsolver.schema.result import DonationUse, Result, StageReport, StageStatus


def requirements_table(result: Result) -> Group:
    tables = []
    by_mission = sorted(result.requirements, key=lambda requirement: requirement.mission)
    for mission, group in groupby(by_mission, key=lambda requirement: requirement.mission):
        rows = list(group)
        table = Table(title=f"{mission}", title_justify="left", expand=False)
        table.add_column("requirement")
        table.add_column("capability")
        table.add_column("priority")
        table.add_column("quantity", justify="right")
        table.add_column("allocated", justify="right")
        table.add_column("gap", justify="right")
        if any(requirement.reasons for requirement in rows):
            table.add_column("why short")
        for requirement in rows:
            gap = Text(str(requirement.gap), style="bold red" if requirement.gap else "green")
            table.add_row(
                requirement.id,
                requirement.capability,
                Text(requirement.priority.value, style=PRIORITY_STYLE[requirement.priority.value]),
                str(requirement.quantity),
                str(requirement.allocated),
                gap,
                *(
                    ["\n".join(reason_summary(reason) for reason in requirement.reasons)]
                    if len(table.columns) > 6
                    else []
                ),
            )
        tables.append(table)
    return Group(*tables)


def donation_fills(use: DonationUse) -> str:
    """The requirements a donation's items fill, with the units: ``R1 (2), R4 (1)``."""
    return ", ".join(f"{fill['requirement']} ({fill['units']})" for fill in use.requirements)


def partnerships_table(result: Result) -> Group:
    parts = []
    if result.donations:
        table = Table(title="Donated equipment used", title_justify="left")
        for column in ("donation", "donor", "item", "recipient", "items", "fills"):
            table.add_column(column, justify="right" if column == "items" else "left")
        for use in result.donations:
            fills = donation_fills(use)
            table.add_row(use.donation, use.donor, use.item, use.recipient, str(use.items), fills)
        parts.append(table)
    if result.donation_impact:
        table = Table(
            title="What each donation closes (optimal plan with and without it)",
            title_justify="left",
        )
        for column in ("donation", "weighted gap without", "weighted gap closed", "units closed"):
            table.add_column(column, justify="left" if column == "donation" else "right")
        for row in result.donation_impact:
            table.add_row(
                row.donation,
                f"{row.weighted_gap_without:g}",
                f"{row.weighted_gap_closed:g}",
                str(row.gap_units_closed),
            )
        parts.append(table)
    used = [training for training in result.trainings if training.seats_used]
    if used:
        table = Table(title="Training seats used", title_justify="left")
        for column in ("training", "trainer", "capability", "seats used", "capacity"):
            table.add_column(
                column, justify="right" if column in ("seats used", "capacity") else "left"
            )
        for training in used:
            table.add_row(
                training.training,
                training.trainer,
                training.capability,
                str(training.seats_used),
                str(training.capacity),
            )
        parts.append(table)
    return Group(*parts)


def stage_text(stage: StageReport) -> str:
    """What one ranked objective's solve proved: optimal (and how), or its best value, bound and
    gap, or that it did not run."""
    if stage.status is StageStatus.optimal:
        within = "" if not stage.mip_gap else f" within {stage.mip_gap:.2%}"
        return f"proven optimal{within} ({stage.method})"
    if stage.status is StageStatus.not_run:
        return "not run (time limit reached first)"
    parts = [f"not proven ({stage.method})"]
    if stage.value is not None:
        parts.append(f"best {stage.value:,.6g}")
    parts.append("no bound" if stage.bound is None else f"bound {stage.bound:,.6g}")
    if stage.mip_gap is not None:
        parts.append(f"gap {stage.mip_gap:.2%}")
    return ", ".join(parts)


def summary_rows(result: Result) -> list[tuple[str, str]]:
    """The plan's headline figures and what each stage proved, as (figure, value) lines."""
    quantity = sum(requirement.quantity for requirement in result.requirements)
    by_priority = [
        sum(r.gap for r in result.requirements if r.priority is priority) for priority in Priority
    ]
    rows = [
        ("status", result.status.value),
        ("strategy", result.strategy),
        ("weighted gap", f"{result.weighted_gap:g}"),
        ("units required / allocated", f"{quantity} / {result.allocated_units}"),
        (
            f"unfilled units ({' / '.join(Priority)})",
            f"{result.gap_units} ({' / '.join(str(units) for units in by_priority)})",
        ),
        ("cost (USD)", f"{result.cost:,.0f}"),
        (
            "women share (committed units)",
            "n/a" if result.women_share is None else f"{result.women_share:.1%}",
        ),
        ("suitability", f"{result.suitability:.3f}"),
    ]
    if result.strategy == "optimal":
        for stage in result.stages:
            label = stage.objective.replace("_", " ")
            rows.append((f"{label} stage", stage_text(stage)))
        rows.append(("solver / time", f"{result.solver} / {result.solve_time:.2f} s"))
    elif result.strategy == "sequential":
        proven = sum(stage.status is StageStatus.optimal for stage in result.stages)
        rows.append(
            (
                "mission solves",
                f"{proven} of {len(result.stages)} stages proven (a plan, not the joint optimum)",
            )
        )
        rows.append(("solver / time", f"{result.solver} / {result.solve_time:.2f} s"))
    else:
        rows.append(("optimality", "not sought (the greedy baseline)"))
        rows.append(("time", f"{result.solve_time:.2f} s"))
    return rows


def totals_table(result: Result) -> Table:
    table = Table(title="Totals", title_justify="left", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for figure, value in summary_rows(result):
        table.add_row(figure, value)
    return table


ALLOCATION_COLUMNS = (
    "mission",
    "requirement",
    "state",
    "pledge",
    "units",
    "ready",
    "training",
    "donated equipment",
)


def allocation_rows(result: Result) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Who serves what, one row per assignment (units a number): mission, requirement, state,
    pledge, units, ready date, training seat, and the donated equipment it uses."""
    donated: dict[tuple[str, str, str], list[str]] = {}
    for use in result.donations:
        for filled in use.requirements:
            donated.setdefault((use.recipient, use.item, filled["requirement"]), []).append(
                f"{use.donation} ({use.donor}, {use.items} {use.item})"
            )
    rows = [
        (
            assignment.mission,
            assignment.requirement,
            assignment.state,
            assignment.pledge,
            assignment.units,
            assignment.ready,
            assignment.training or "",
            "; ".join(
                donated.get((assignment.state, assignment.equipment, assignment.requirement), [])
            )
            if assignment.equipment
            else "",
        )
        for assignment in sorted(
            result.assignments, key=lambda a: (a.mission, a.requirement, a.state, a.pledge)
        )
    ]
    return list(ALLOCATION_COLUMNS), rows


def allocation_table(result: Result) -> Table:
    """Who serves what: each assignment with the training seat and donated equipment it uses."""
    table = Table(title="Allocation", title_justify="left")
    header, rows = allocation_rows(result)
    for column in header:
        table.add_column(column, justify="right" if column == "units" else "left")
    for row in rows:
        table.add_row(*(str(value) for value in row))
    return table


def print_result(result: Result, console: Printer) -> None:
    console.print(requirements_table(result))
    if result.assignments:
        console.print(allocation_table(result))
    console.print(partnerships_table(result))
    console.print(totals_table(result))


KPI_FORMAT = {"cost": ",.0f", "women_share": ".2%", "suitability": ",.3f"}


def kpi(name: str, value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return format(value, ("+" if signed else "") + KPI_FORMAT.get(name, ",.6g"))
