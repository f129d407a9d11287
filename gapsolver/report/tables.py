"""Readable tables of every command's result: on a terminal (rich), or as CSV or Markdown.

The ``print_*`` functions hand tables, groups of tables and lines of text to a :class:`Printer`;
:func:`printer` makes one that never loses data: on a terminal, cells fold rather than being cut;
elsewhere (a pipe, a file) tables are written at their full width, or as CSV or Markdown.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from itertools import groupby
from typing import IO, Any, Protocol

from rich.console import Group
from rich.table import Table
from rich.text import Text

from gapsolver.analysis.chains import Chain
from gapsolver.analysis.dependence import DependenceReport
from gapsolver.report.console import PipeConsole
from gapsolver.schema.result import Result, StageReport

_PRIORITY_STYLE = {"critical": "bold red", "high": "yellow", "normal": ""}

FULL_WIDTH = 100_000
"""Console width off a terminal: a table is as wide as its widest row, never cut or wrapped."""


class Printer(Protocol):
    """What the ``print_*`` functions write to (a rich Console is one)."""

    def print(self, *objects: Any, **options: Any) -> None: ...


def _tables(renderable: Any) -> Iterator[Any]:
    """The tables and texts in a renderable, in order (groups opened)."""
    if isinstance(renderable, Group):
        for item in renderable.renderables:
            yield from _tables(item)
    else:
        yield renderable


def _plain(cell: Any) -> str:
    """A cell's text: report strings are plain (user data is never read as markup)."""
    if isinstance(cell, Text):
        return cell.plain
    return str(cell)


def _columns(table: Table) -> tuple[list[str], list[list[str]]]:
    headers = [_plain(column.header) for column in table.columns]
    cells = [[_plain(cell) for cell in column.cells] for column in table.columns]
    rows = [list(row) for row in zip(*cells, strict=True)] if cells else []
    return headers, rows


class _FoldingConsole:
    """A rich Console whose tables fold long cells instead of cutting them (ids, dates and money
    are never shortened with '…'), at full width when the output is not a terminal."""

    def __init__(self, file: IO[str] | None = None) -> None:
        target = file or sys.stdout
        terminal = target.isatty()
        # markup and emoji codes off: ids, names and reasons print exactly as they are
        self.console = PipeConsole(
            file=target, width=None if terminal else FULL_WIDTH, markup=False, emoji=False
        )

    def print(self, *objects: Any, **options: Any) -> None:
        for renderable in objects:
            for part in _tables(renderable):
                if isinstance(part, Table):
                    for column in part.columns:
                        column.overflow = "fold"
                        column.no_wrap = False
        options.setdefault("soft_wrap", not self.console.is_terminal)
        self.console.print(*objects, **options)


class TableWriter:
    """Every table as CSV (a ``# title`` line, the header, the rows, a blank line) or as a
    Markdown table under a heading; lines of text as ``# …`` comments (CSV) or paragraphs."""

    def __init__(self, fmt: str, file: IO[str] | None = None) -> None:
        self.fmt = fmt
        self.file = file or sys.stdout

    def print(self, *objects: Any, **options: Any) -> None:
        for renderable in objects:
            for part in _tables(renderable):
                if isinstance(part, Table):
                    self._table(part)
                elif part is not None and _plain(part).strip():
                    text = _plain(part)
                    if self.fmt == "csv":
                        text = "\n".join(f"# {line}" for line in text.splitlines())
                    self.file.write(text + "\n\n")

    def _table(self, table: Table) -> None:
        headers, rows = _columns(table)
        title = _plain(table.title) if table.title else ""
        caption = _plain(table.caption) if table.caption else ""
        if self.fmt == "csv":
            buffer = io.StringIO()
            if title:
                buffer.write(f"# {title}\n")
            writer = csv.writer(buffer, lineterminator="\n")
            if table.show_header:
                writer.writerow(headers)
            writer.writerows(rows)
            if caption:
                buffer.write(f"# {caption}\n")
            self.file.write(buffer.getvalue() + "\n")
            return

        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", "<br>")

        lines = [f"### {title}", ""] if title else []
        shown = headers if table.show_header else [""] * len(headers)
        lines.append("| " + " | ".join(cell(h) for h in shown) + " |")
        lines.append(
            "|"
            + "|".join("---:" if column.justify == "right" else "---" for column in table.columns)
            + "|"
        )
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
        if caption:
            lines += ["", caption]
        self.file.write("\n".join(lines) + "\n\n")


def printer(fmt: str = "table", file: IO[str] | None = None) -> Printer:
    """Where a command prints its tables: ``table`` (rich; folded on a terminal, full width
    elsewhere), ``csv`` or ``markdown``."""
    if fmt == "table":
        return _FoldingConsole(file)
    return TableWriter(fmt, file)


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
                Text(requirement.priority, style=_PRIORITY_STYLE[requirement.priority]),
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


def rule_text(blocked: dict[str, Any]) -> str:
    """One blocking rule of a near miss, briefly."""
    rule = blocked["rule"]
    if rule == "readiness":
        return f"readiness {blocked['readiness']} < {blocked['required']}"
    if rule == "date":
        via = f" (training {blocked['training']})" if blocked.get("training") else ""
        return f"{blocked['days_late']} days late{via}"
    if rule == "language":
        return f"does not speak {blocked['language']}"
    if rule == "host":
        return f"hosts {blocked['mission']}"
    if rule == "caveat_exclude":
        return f"caveat excludes {blocked['mission']}"
    if rule == "caveat_only":
        return f"caveat: only {', '.join(blocked['only_missions'])}"
    if rule == "equipment":
        return f"no donation of {blocked['item']} lists {blocked['state']}"
    return f"no training course for {blocked['capability']} takes it"


def reason_summary(reason: dict[str, Any]) -> str:
    """One line per reason for the solve table."""
    kind, units = reason["type"], reason["units"]
    if kind == "no_eligible_pledge":
        misses = reason["near_misses"]
        if not misses:
            return f"{units}: no pledge of this capability"
        # the near miss the counterfactual lifts (a free one), else the closest
        nearest = next((m for m in misses if m["fix"] == reason["counterfactual"]), misses[0])
        rules = "; ".join(rule_text(b) for b in nearest["blocked_by"])
        return f"{units}: no eligible pledge — nearest {nearest['pledge']} ({rules})"
    pledges = reason["pledges"]
    if kind == "capacity_used_elsewhere":
        taken = [
            f"{t['requirement']} ({t['priority']})" for entry in pledges for t in entry["taken_by"]
        ]
        shown = ", ".join(dict.fromkeys(taken))
        return f"{units}: eligible pledges serve {shown}"
    if kind == "prerequisite_short":
        needs = []
        for entry in pledges:
            if "training" in entry:
                needs.append(f"{entry['pledge']} needs a seat on {entry['training']['training']}")
            if "equipment" in entry:
                needs.append(f"{entry['pledge']} needs {entry['equipment']['item']}")
        return (
            f"{units}: prerequisite short — "
            + "; ".join(needs[:3])
            + (" …" if len(needs) > 3 else "")
        )
    if kind == "budget":
        return f"{units}: budget spent ({reason['spent']:,.0f} of {reason['budget']:,.0f})"
    if kind == "max_units_per_state_per_mission":
        states = ", ".join(dict.fromkeys(entry["state"] for entry in pledges))
        return f"{units}: cap of {reason['cap']} units per state per mission ({states})"
    return f"{units}: eligible pledges left unused by this plan (not optimal)"


def partnerships_table(result: Result) -> Group:
    parts = []
    if result.donations:
        table = Table(title="Donated equipment used", title_justify="left")
        for column in ("donation", "donor", "item", "recipient", "items", "fills"):
            table.add_column(column, justify="right" if column == "items" else "left")
        for use in result.donations:
            fills = ", ".join(f"{f['requirement']} ({f['units']})" for f in use.requirements)
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
                row["donation"],
                f"{row['weighted_gap_without']:g}",
                f"{row['weighted_gap_closed']:g}",
                str(row["gap_units_closed"]),
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
    if stage.status == "optimal":
        within = "" if not stage.mip_gap else f" within {stage.mip_gap:.2%}"
        return f"proven optimal{within} ({stage.method})"
    if stage.status == "not_run":
        return "not run (time limit reached first)"
    parts = [f"not proven ({stage.method})"]
    if stage.value is not None:
        parts.append(f"best {stage.value:,.6g}")
    parts.append("no bound" if stage.bound is None else f"bound {stage.bound:,.6g}")
    if stage.mip_gap is not None:
        parts.append(f"gap {stage.mip_gap:.2%}")
    return ", ".join(parts)


def totals_table(result: Result) -> Table:
    table = Table(title="Totals", title_justify="left", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    quantity = sum(requirement.quantity for requirement in result.requirements)
    by_priority = {
        priority: sum(r.gap for r in result.requirements if r.priority == priority)
        for priority in ("critical", "high", "normal")
    }
    table.add_row("status", result.status.value)
    table.add_row("strategy", result.strategy)
    table.add_row("weighted gap", f"{result.weighted_gap:g}")
    table.add_row("units required / allocated", f"{quantity} / {result.allocated_units}")
    table.add_row(
        "unfilled units (critical / high / normal)",
        f"{result.gap_units} ({by_priority['critical']} / {by_priority['high']} / {by_priority['normal']})",
    )
    table.add_row("cost (USD)", f"{result.cost:,.0f}")
    table.add_row(
        "women share (committed units)",
        "n/a" if result.women_share is None else f"{result.women_share:.1%}",
    )
    table.add_row("suitability", f"{result.suitability:.3f}")
    if result.strategy == "optimal":
        for stage in result.stages:
            label = stage.objective.replace("_", " ")
            table.add_row(f"{label} stage", stage_text(stage))
        table.add_row("solver / time", f"{result.solver} / {result.solve_time:.2f} s")
    elif result.strategy == "sequential":
        proven = sum(stage.status == "optimal" for stage in result.stages)
        table.add_row(
            "mission solves",
            f"{proven} of {len(result.stages)} stages proven (a plan, not the joint optimum)",
        )
        table.add_row("solver / time", f"{result.solver} / {result.solve_time:.2f} s")
    else:
        table.add_row("optimality", "not sought (the greedy baseline)")
        table.add_row("time", f"{result.solve_time:.2f} s")
    return table


def allocation_table(result: Result) -> Table:
    """Who serves what: each assignment with the training seat and donated equipment it uses."""
    table = Table(title="Allocation", title_justify="left")
    for column in (
        "mission",
        "requirement",
        "state",
        "pledge",
        "units",
        "ready",
        "training",
        "donated equipment",
    ):
        table.add_column(column, justify="right" if column == "units" else "left")
    donated: dict[tuple[str, str, str], list[str]] = {}
    for use in result.donations:
        for filled in use.requirements:
            donated.setdefault((use.recipient, use.item, filled["requirement"]), []).append(
                f"{use.donation} ({use.donor}, {use.items} {use.item})"
            )
    for assignment in sorted(
        result.assignments, key=lambda a: (a.mission, a.requirement, a.state, a.pledge)
    ):
        table.add_row(
            assignment.mission,
            assignment.requirement,
            assignment.state,
            assignment.pledge,
            str(assignment.units),
            assignment.ready,
            assignment.training or "",
            "; ".join(
                donated.get((assignment.state, assignment.equipment, assignment.requirement), [])
            )
            if assignment.equipment
            else "",
        )
    return table


def print_result(result: Result, console: Printer) -> None:
    console.print(requirements_table(result))
    if result.assignments:
        console.print(allocation_table(result))
    console.print(partnerships_table(result))
    console.print(totals_table(result))


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
            if item["kind"] == "requirement_single_contributor":
                failures.add_row(
                    "one contributor",
                    item["requirement"],
                    f"{item['state']} ({item['units']} units)",
                )
            else:
                failures.add_row("one donor", item["recipient"], item["donor"])
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
            row["mission"],
            str(row["units"]),
            str(row["states"]),
            f"{row['hhi']:,.0f}",
            row["largest"],
            f"{row['largest_share']:.0%}",
        )
    console.print(concentration)


def print_chains(chains: list[Chain], console: Printer) -> None:
    """One row per conditional pledge: the chain the plan used, or why none."""
    table = Table(title="Enabling chains of conditional pledges", title_justify="left")
    for column in ("pledge", "needs", "units", "chain / why not"):
        table.add_column(column, justify="right" if column == "units" else "left")
    for chain in chains:
        if chain.used:
            donors = ", ".join(f"{d['donor']} ({d['items']} items)" for d in chain.donations)
            trainers = ", ".join(f"{t['trainer']} ({t['seats']} seats)" for t in chain.trainings)
            missions = ", ".join(sorted({d["mission"] for d in chain.deployments}))
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
            reason = dict(chain.reason or {})
            kind = reason.pop("type", "?")
            details = "; ".join(
                f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in reason.items()
            )
            text = Text(f"{kind}" + (f" ({details})" if details else ""), style="yellow")
        table.add_row(chain.pledge, chain.needs, str(chain.units), text)
    console.print(table)


_KPI_FORMAT = {"cost": ",.0f", "women_share": ".2%", "suitability": ",.3f"}


def _kpi(name: str, value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return format(value, ("+" if signed else "") + _KPI_FORMAT.get(name, ",.6g"))


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
            _kpi(name, row["a"]),
            _kpi(name, row["b"]),
            _kpi(name, row["delta"], signed=True),
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


def _changes_text(changes: list[dict[str, Any]]) -> str:
    parts = []
    for change in changes:
        for operation, arguments in change.items():
            for key, value in arguments.items():
                parts.append(f"{operation} {key} {value}")
    return "; ".join(parts) if parts else "—"


def print_explanation(story: dict[str, Any], console: Printer) -> None:
    """`gapsolver explain`: one requirement's story."""
    spec = story["requirement"]
    terms = [
        f"{spec['quantity']} × {spec['capability']} for {spec['mission']}",
        f"priority {spec['priority']}",
    ]
    if spec["min_readiness"]:
        terms.append(f"readiness ≥ {spec['min_readiness']}")
    if spec["needed_by"]:
        terms.append(f"needed by {spec['needed_by']}")
    if spec["require_language"]:
        terms.append(f"language {spec['require_language']}")
    console.print(Text.assemble((spec["id"], "bold"), ": " + ", ".join(terms)), highlight=False)
    console.print(
        Text.assemble(
            f"Allocated {spec['allocated']} of {spec['quantity']} in the "
            f"{story['plan']['strategy']} plan (weighted gap {story['plan']['weighted_gap']:g}); ",
            (f"{spec['gap']} short", "bold red") if spec["gap"] else ("filled", "green"),
        ),
        highlight=False,
    )
    table = Table(title="Eligible pledges", title_justify="left")
    for column in ("pledge", "state", "quantity", "here", "free", "elsewhere"):
        table.add_column(
            column, justify="right" if column in ("quantity", "here", "free") else "left"
        )
    for entry in story["eligible_pledges"]:
        elsewhere = ", ".join(
            f"{e['requirement']} ({e['priority']}) {e['units']}" for e in entry["elsewhere"]
        )
        table.add_row(
            entry["pledge"],
            entry["state"],
            str(entry["quantity"]),
            str(entry["units_here"]),
            str(entry["free_units"]),
            elsewhere,
        )
    console.print(table if story["eligible_pledges"] else "No pledge passes every rule.")
    if story["near_misses"]:
        table = Table(
            title="Near misses (pledges of the capability that break a rule)", title_justify="left"
        )
        for column in ("pledge", "state", "free", "blocked by", "fix"):
            table.add_column(column, justify="right" if column == "free" else "left")
        for miss in story["near_misses"]:
            table.add_row(
                miss["pledge"],
                miss["state"],
                str(miss["free_units"]),
                "; ".join(rule_text(b) for b in miss["blocked_by"]),
                "cannot be lifted" if miss["fix"] is None else _changes_text(miss["fix"]),
            )
        console.print(table)
    if story["reasons"]:
        table = Table(title="Why it is short", title_justify="left")
        for column in ("units", "reason", "counterfactual", "re-solved"):
            table.add_column(column, justify="right" if column == "units" else "left")
        for reason in story["reasons"]:
            verified = reason.get("verified")
            checked = ""
            if verified is not None:
                checked = (
                    f"weighted gap {verified['weighted_gap_before']:g} → "
                    f"{verified['weighted_gap_after']:g}, gap {verified['gap_before']} → "
                    f"{verified['gap_after']}"
                    + (" ✓" if verified["closes"] else " (not enough alone)")
                )
            table.add_row(
                str(reason["units"]),
                reason_summary(reason).split(": ", 1)[1],
                _changes_text(reason["counterfactual"]),
                checked,
            )
        console.print(table)
    conditional = [chain for chain in story["chains"]]
    if conditional:
        print_chains([Chain(**chain) for chain in conditional], console)


def print_shortfall(report: dict[str, Any], console: Printer) -> None:
    """`gapsolver shortfall`: the pledges to ask for, and the partnership alternative."""
    scope = "critical gaps" if report["scope"] == "critical" else "gaps"
    if not report["targets"]:
        console.print(f"No {scope} to close: the optimal plan fills them all.", highlight=False)
        return
    units = sum(target["gap"] for target in report["targets"])
    console.print(
        f"{report['scenario']}: {len(report['targets'])} requirements with {scope}, "
        f"{units} units short (weighted gap {report['base']['weighted_gap']:g}).",
        highlight=False,
    )
    pledges = report["pledges"]
    table = Table(
        title=f"Pledges to ask for: {pledges['units']} units, about "
        f"{pledges['estimated_cost']:,.0f} USD",
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
    capped = any(group["min_contributors"] > 1 for group in pledges["groups"])
    if capped:
        table.add_column("contributors ≥", justify="right")
    for group in pledges["groups"]:
        table.add_row(
            group["mission"],
            group["capability"],
            group["min_readiness"],
            group["needed_by"] or "—",
            group["require_language"] or "—",
            str(group["units"]),
            f"{group['estimated_cost']:,.0f}",
            ", ".join(group["requirements"]),
            *([str(group["min_contributors"])] if capped else []),
        )
    if pledges["groups"]:
        console.print(table)
    for row in pledges["unclosed"]:
        noun = "unit" if row["units"] == 1 else "units"
        budget = pledges["budget"]
        console.print(
            f"{row['units']} {noun} of {row['requirement']} cannot be closed within the budget "
            f"({budget['budget']:,.0f} USD; {budget['spent_with_list']:,.0f} spent with the list)",
            highlight=False,
        )
    partnerships = report["partnerships"]
    if not partnerships["closed"]:
        console.print(
            "Partnerships instead: no more donated items or training seats would close any of "
            "these gaps (no conditional pledge could use them).",
            highlight=False,
        )
        return
    console.print(
        f"Partnerships instead close {partnerships['units_closed']} of the {units} units "
        "("
        + ", ".join(f"{row['requirement']} {row['units']}" for row in partnerships["closed"])
        + "):",
        highlight=False,
    )
    table = Table(show_header=True)
    for column in ("give", "to", "amount", "for"):
        table.add_column(column, justify="right" if column == "amount" else "left")
    for row in partnerships["items"]:
        fills = ", ".join(f"{f['requirement']} ({f['units']})" for f in row["fills"])
        table.add_row(f"donated {row['item']}", row["recipient"], str(row["items"]), fills)
    for row in partnerships["seats"]:
        table.add_row(
            f"training seats, {row['capability']} ({row['lead_time_days']} days)",
            row["state"],
            str(row["seats"]),
            row["requirement"],
        )
    console.print(table)


def print_compare(comparison: dict[str, Any], console: Printer) -> None:
    """`gapsolver compare`: one row per scenario and strategy, then the summary."""
    rows = comparison["rows"]
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
    with_ratio = any("ratio_to_optimal" in row for row in rows)
    if with_ratio:
        columns.insert(3, "× optimal")
    for column in columns:
        table.add_column(column, justify="left" if column in ("scenario", "strategy") else "right")
    for row in rows:
        cells = [
            row["scenario"],
            row["strategy"],
            f"{row['weighted_gap']:g}",
            f"{row['gap_critical']} / {row['gap_high']} / {row['gap_normal']}",
            f"{row['cost']:,.0f}",
            "n/a" if row["women_share"] is None else f"{row['women_share']:.1%}",
            f"{row['solve_time']:.3f}",
        ]
        if with_ratio:
            ratio = row["ratio_to_optimal"]
            cells.insert(3, "∞" if ratio is None else f"{ratio:.2f}")
        table.add_row(*cells)
    console.print(table)
    table = Table(title="Summary per strategy", title_justify="left")
    summary = comparison["summary"]
    with_ratio = "mean_ratio_to_optimal" in summary[0]
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
            entry["strategy"],
            str(entry["scenarios"]),
            f"{entry['mean_weighted_gap']:g}",
            f"{entry['gap_critical']} / {entry['gap_high']} / {entry['gap_normal']}",
            f"{entry['mean_cost']:,.0f}",
            f"{entry['mean_solve_time']:.3f}",
        ]
        if with_ratio:
            cells += [
                "n/a"
                if entry["mean_ratio_to_optimal"] is None
                else f"{entry['mean_ratio_to_optimal']:.2f}",
                "∞"
                if entry["worst_ratio_to_optimal"] is None
                else f"{entry['worst_ratio_to_optimal']:.2f}",
                str(entry["optimal_in"]),
            ]
        table.add_row(*cells)
    console.print(table)


def print_robust(report: dict[str, Any], console: Printer, top: int = 15) -> None:
    """`gapsolver robust`: the distribution, then the requirements most often short."""
    uncertain = report["uncertain_elements"]
    if report.get("note"):
        console.print(f"{report['scenario']}: {report['note']}.", highlight=False)
    console.print(
        f"{report['scenario']}: {report['samples']} samples, seed {report['seed']}; "
        f"uncertain: {uncertain['pledges']} pledges, {uncertain['donations']} donations, "
        f"{uncertain['trainings']} trainings",
        highlight=False,
    )
    table = Table(title="Optimal plan across samples", title_justify="left")
    table.add_column("figure")
    for column in ("all materialize", "mean", "p5", "p50", "p95", "worst"):
        table.add_column(column, justify="right")
    for key, label in (("weighted_gap", "weighted gap"), ("gap_units", "unfilled units")):
        dist = report[key]
        table.add_row(
            label,
            f"{report['nominal'][key]:g}",
            f"{dist['mean']:.1f}",
            f"{dist['p5']:g}",
            f"{dist['p50']:g}",
            f"{dist['p95']:g}",
            f"{dist['worst']:g}",
        )
    console.print(table)
    at_risk = [row for row in report["requirements"] if row["short_in"] > 0][:top]
    if at_risk:
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
                row["requirement"],
                Text(row["priority"], style=_PRIORITY_STYLE[row["priority"]]),
                str(row["quantity"]),
                str(row["nominal_gap"]),
                f"{row['short_in']:.0%}",
                f"{row['mean_gap']:.2f}",
            )
        console.print(table)
