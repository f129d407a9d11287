"""The stochastic plan and what it is worth (`solve --stochastic`), and a committed plan judged on
fresh samples (`robust --plan`)."""

from __future__ import annotations

from rich.table import Table

from gapsolver.report.common import Printer
from gapsolver.report.robust import most_often_short
from gapsolver.schema.stochastic import (
    CalledForward,
    CommittedPlan,
    PlanComparison,
    PlanEvaluation,
    PlanRisk,
    StochasticReport,
)


def _uncertain(report: StochasticReport | PlanEvaluation) -> str:
    uncertain = report.uncertain_elements
    return (
        f"uncertain: {uncertain.pledges} pledges, {uncertain.donations} donations, "
        f"{uncertain.trainings} trainings"
    )


def _risk_table(report: StochasticReport) -> Table:
    cvar = report.cvar_alpha is not None
    table = Table(title="Weighted gap over the samples, by way of planning", title_justify="left")
    table.add_column("plan")
    table.add_column("objective" if cvar else "mean", justify="right")
    if cvar:
        table.add_column("mean", justify="right")
        table.add_column(f"CVaR {report.cvar_alpha:g}", justify="right")
    for column in ("p5", "p50", "p95", "worst"):
        table.add_column(column, justify="right")
    rows: list[tuple[str, PlanRisk]] = [
        ("stochastic (SP)", report.sp),
        ("deterministic (EEV)", report.eev),
        ("perfect information (WS)", report.ws),
    ]
    for label, risk in rows:
        cells = [label, f"{risk.objective:.2f}"]
        if cvar:
            cells += [f"{risk.mean:.2f}", f"{risk.cvar or 0.0:.2f}"]
        dist = risk.weighted_gap
        cells += [f"{dist.p5:g}", f"{dist.p50:g}", f"{dist.p95:g}", f"{dist.worst:g}"]
        table.add_row(*cells)
    return table


def _plans_table(plan: CommittedPlan, deterministic: CommittedPlan) -> list[Table]:
    """The two first stages side by side: pledges, items, seats."""
    pledges = Table(
        title="Pledges called forward (where the plans differ first)", title_justify="left"
    )
    for column in ("pledge", "state", "capability", "reliability", "stochastic", "deterministic"):
        pledges.add_column(
            column,
            justify="right" if column in ("reliability", "stochastic", "deterministic") else "left",
        )
    called = {row.pledge: row for row in deterministic.pledges}
    ours = {row.pledge: row for row in plan.pledges}
    rows = [*plan.pledges, *(r for r in deterministic.pledges if r.pledge not in ours)]

    def units(table: dict[str, CalledForward], pledge: str) -> int:
        return table[pledge].units if pledge in table else 0

    rows.sort(key=lambda row: units(ours, row.pledge) == units(called, row.pledge))  # stable
    for row in rows:
        pledges.add_row(
            row.pledge,
            row.state,
            row.capability,
            f"{row.reliability:g}",
            str(units(ours, row.pledge)),
            str(units(called, row.pledge)),
        )
    tables = [pledges]
    items = Table(title="Donated items committed", title_justify="left")
    for column in ("donation", "item", "recipient", "stochastic", "deterministic"):
        items.add_column(
            column, justify="right" if column in ("stochastic", "deterministic") else "left"
        )
    given = {(row.donation, row.recipient): row for row in plan.donations}
    before = {(row.donation, row.recipient): row for row in deterministic.donations}
    for key in sorted(given.keys() | before.keys()):
        gift = given.get(key) or before[key]
        items.add_row(
            gift.donation,
            gift.item,
            gift.recipient,
            str(given[key].items if key in given else 0),
            str(before[key].items if key in before else 0),
        )
    if items.row_count:
        tables.append(items)
    seats = Table(title="Training seats funded", title_justify="left")
    for column in ("training", "capability", "trainee state", "stochastic", "deterministic"):
        seats.add_column(
            column, justify="right" if column in ("stochastic", "deterministic") else "left"
        )
    funded = {(row.training, row.state or ""): row for row in plan.seats}
    earlier = {(row.training, row.state or ""): row for row in deterministic.seats}
    for key in sorted(funded.keys() | earlier.keys()):
        seat = funded.get(key) or earlier[key]
        seats.add_row(
            seat.training,
            seat.capability,
            seat.state or "any",
            str(funded[key].seats if key in funded else 0),
            str(earlier[key].seats if key in earlier else 0),
        )
    if seats.row_count:
        tables.append(seats)
    return tables


def print_stochastic(report: StochasticReport, console: Printer) -> None:
    """`gapsolver solve --stochastic N`: the three ways of planning on the samples, VSS and EVPI, then
    the stochastic plan's first stage beside the deterministic one."""
    if report.note:
        console.print(f"{report.scenario}: {report.note}.", highlight=False)
    objective = "mean weighted gap"
    if report.cvar_alpha is not None:
        objective = (
            f"mean + {report.cvar_weight:g} × CVaR {report.cvar_alpha:g} of the weighted gap"
        )
    console.print(
        f"{report.scenario}: {report.samples} samples ({report.distinct_samples} distinct), "
        f"seed {report.seed}; {_uncertain(report)}; minimising the {objective}",
        highlight=False,
    )
    console.print(_risk_table(report))
    check = "holds" if report.ordered else "DOES NOT HOLD (a solve was not proven optimal)"
    figures = Table(title="What the stochastic plan is worth", title_justify="left")
    figures.add_column("figure")
    figures.add_column("value", justify="right")
    figures.add_column("how", justify="left")
    figures.add_row("VSS (EEV − SP)", f"{report.vss:.2f}", "planning for failure")
    figures.add_row("EVPI (SP − WS)", f"{report.evpi:.2f}", "knowing in advance")
    figures.add_row("WS ≤ SP ≤ EEV", check, "")
    figures.add_row("status", report.status.value, f"{report.solve_time:.2f} s in the programme")
    for number, stage in enumerate(report.stages, 1):
        value = "—" if stage.value is None else f"{stage.value:g}"
        figures.add_row(
            f"stage {number}: {stage.objective.replace('_', ' ')}",
            value,
            f"{stage.status.value.replace('_', ' ')} ({stage.method}, {stage.seconds:.2f} s)",
        )
    console.print(figures)
    plan, deterministic = report.plan, report.deterministic_plan
    console.print(
        f"Commitment: {plan.units} units called forward ({deterministic.units} in the "
        f"deterministic plan), {plan.items} items ({deterministic.items}), "
        f"{plan.seats_funded} seats ({deterministic.seats_funded}).",
        highlight=False,
    )
    for table in _plans_table(plan, deterministic):
        console.print(table)


def print_plan_evaluation(evaluation: PlanEvaluation, console: Printer, top: int = 15) -> None:
    """`gapsolver robust --plan`: the committed plan's weighted gap over fresh samples, then the
    requirements most often short."""
    plan = evaluation.plan
    console.print(
        f"{evaluation.scenario}: the {evaluation.source} plan's first stage fixed ({plan.units} "
        f"units called forward, {plan.items} items, {plan.seats_funded} seats), assignments "
        f"optimised in each of {evaluation.samples} samples, seed {evaluation.seed}; "
        f"{_uncertain(evaluation)}",
        highlight=False,
    )
    table = Table(title="Committed plan across samples", title_justify="left")
    table.add_column("figure")
    for column in ("all materialize", "mean", "p5", "p50", "p95", "worst"):
        table.add_column(column, justify="right")
    for label, nominal, dist in (
        ("weighted gap", evaluation.nominal.weighted_gap, evaluation.weighted_gap),
        ("unfilled units", evaluation.nominal.gap_units, evaluation.gap_units),
    ):
        table.add_row(
            label,
            f"{nominal:g}",
            f"{dist.mean:.2f}",
            f"{dist.p5:g}",
            f"{dist.p50:g}",
            f"{dist.p95:g}",
            f"{dist.worst:g}",
        )
    console.print(table)
    if evaluation.cvar_alpha is not None and evaluation.cvar is not None:
        console.print(
            f"CVaR {evaluation.cvar_alpha:g} of the weighted gap: {evaluation.cvar:.2f}",
            highlight=False,
        )
    at_risk = most_often_short(evaluation.requirements, top)
    if at_risk is not None:
        console.print(at_risk)


def print_plan_comparison(comparison: PlanComparison, console: Printer) -> None:
    """`gapsolver robust --plan A --plan B …`: the plans side by side on the same samples (units
    called forward; the weighted gap when everything materializes, then over the samples), then
    each pair sample by sample."""
    first = comparison.evaluations[0]
    console.print(
        f"{comparison.scenario}: {len(comparison.evaluations)} committed plans, first stages "
        f"fixed, assignments optimised in each of the same {comparison.samples} samples, seed "
        f"{comparison.seed}; {_uncertain(first)}",
        highlight=False,
    )
    cvar = first.cvar_alpha is not None
    table = Table(title="Weighted gap over the samples, by plan", title_justify="left")
    table.add_column("plan")
    table.add_column("source")
    table.add_column("units", justify="right")
    for column in ("nominal", "mean", "p50", "p95", "worst"):
        table.add_column(column, justify="right")
    if cvar:
        table.add_column(f"CVaR {first.cvar_alpha:g}", justify="right")
    for evaluation in comparison.evaluations:
        dist = evaluation.weighted_gap
        cells = [
            evaluation.label or "",
            evaluation.source,
            str(evaluation.plan.units),
            f"{evaluation.nominal.weighted_gap:g}",
            f"{dist.mean:.2f}",
            f"{dist.p50:g}",
            f"{dist.p95:g}",
            f"{dist.worst:g}",
        ]
        if cvar:
            cells.append(f"{evaluation.cvar or 0.0:.2f}")
        table.add_row(*cells)
    console.print(table)
    pairs = Table(title="Sample by sample", title_justify="left")
    for column in ("plan A", "plan B", "A better", "B better", "tied", "mean A − B"):
        pairs.add_column(column, justify="left" if column.startswith("plan") else "right")
    for pair in comparison.pairs:
        pairs.add_row(
            pair.first,
            pair.second,
            str(pair.first_better),
            str(pair.second_better),
            str(pair.tied),
            f"{pair.mean_difference:+.2f}",
        )
    console.print(pairs)
