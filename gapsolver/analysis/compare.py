"""Strategy comparison: every scenario solved with every strategy, the figures a researcher reports,
and a summary per strategy against the optimum."""

from __future__ import annotations

import statistics
from collections.abc import Callable

from gapsolver.schema import Priority, Scenario
from gapsolver.schema.analysis import CompareRow, Comparison, PlanKpis, StrategySummary
from gapsolver.schema.result import Result
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.pipeline import solve_scenario


def kpis(result: Result) -> PlanKpis:
    """The headline figures of one plan (also what `gapsolver batch` stores per run)."""
    unfilled = {
        f"gap_{priority.value}": sum(r.gap for r in result.requirements if r.priority == priority)
        for priority in Priority
    }
    return PlanKpis(
        status=result.status,
        weighted_gap=result.weighted_gap,
        gap_units=result.gap_units,
        **unfilled,
        allocated_units=result.allocated_units,
        cost=result.cost,
        women_share=result.women_share,
        suitability=result.suitability,
        solve_time=result.solve_time,
    )


def _ratio(weighted_gap: float, optimum: float) -> float | None:
    """A weighted gap over the optimum's: 1 when equal (both 0 included), None when the optimum is 0
    and the gap is not."""
    if weighted_gap == optimum:
        return 1.0
    return weighted_gap / optimum if optimum else None


def compare(
    scenarios: list[tuple[str, Scenario]],
    strategies: list[str],
    options: SolveOptions,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Rows per (scenario, strategy) and a summary per strategy. When ``optimal`` is among the
    strategies each row also has ``ratio_to_optimal`` (weighted gap over the optimum's; None when the
    optimum is 0 and the row's is not; 1 when both
    are 0)."""
    rows: list[CompareRow] = []
    total = len(scenarios) * len(strategies)
    done = 0
    for label, scenario in scenarios:
        figures: list[PlanKpis] = []
        for strategy in strategies:
            result = solve_scenario(
                scenario,
                SolveOptions(
                    strategy=strategy, solver=options.solver, time_limit=options.time_limit
                ),
                reasons=False,  # the comparison reads figures only
            )
            figures.append(kpis(result))
            done += 1
            if progress is not None:
                progress(done, total)
        optimum = None
        for strategy, plan in zip(strategies, figures, strict=True):
            if strategy == "optimal":
                optimum = plan.weighted_gap
        for strategy, plan in zip(strategies, figures, strict=True):
            row = CompareRow(scenario=label, strategy=strategy, **plan.model_dump())
            if optimum is not None:
                row.ratio_to_optimal = _ratio(plan.weighted_gap, optimum)
            rows.append(row)
    return Comparison(
        rows=rows, summary=[_summary(strategy, rows, strategies) for strategy in strategies]
    )


def _summary(strategy: str, rows: list[CompareRow], strategies: list[str]) -> StrategySummary:
    mine = [row for row in rows if row.strategy == strategy]
    entry = StrategySummary(
        strategy=strategy,
        scenarios=len(mine),
        mean_weighted_gap=statistics.fmean(row.weighted_gap for row in mine),
        **{f"gap_{p.value}": sum(row.gap_of(p) for row in mine) for p in Priority},
        mean_cost=statistics.fmean(row.cost for row in mine),
        mean_solve_time=statistics.fmean(row.solve_time for row in mine),
    )
    if "optimal" in strategies:
        ratios = [row.ratio_to_optimal for row in mine]
        defined = [ratio for ratio in ratios if ratio is not None]
        entry.mean_ratio_to_optimal = statistics.fmean(defined) if defined else None
        # a gap where the optimum has none has no finite ratio: the worst is then undefined
        entry.worst_ratio_to_optimal = (
            max(defined) if defined and len(defined) == len(ratios) else None
        )
        entry.optimal_in = sum(1 for ratio in ratios if ratio == 1.0)
    return entry
