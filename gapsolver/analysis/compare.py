"""Strategy comparison: every scenario solved with every strategy, the figures a researcher reports,
and a summary per strategy against the optimum."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from gapsolver.schema import Scenario
from gapsolver.schema.result import Result
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.pipeline import solve_scenario

PRIORITIES = ("critical", "high", "normal")


def kpis(result: Result) -> dict[str, Any]:
    """The headline figures of one plan (also what `gapsolver batch` stores per run)."""
    unfilled = {
        priority: sum(r.gap for r in result.requirements if r.priority == priority)
        for priority in PRIORITIES
    }
    return {
        "status": result.status.value,
        "weighted_gap": result.weighted_gap,
        "gap_units": result.gap_units,
        **{f"gap_{priority}": unfilled[priority] for priority in PRIORITIES},
        "allocated_units": result.allocated_units,
        "cost": result.cost,
        "women_share": result.women_share,
        "suitability": result.suitability,
        "solve_time": result.solve_time,
    }


def compare(
    scenarios: list[tuple[str, Scenario]],
    strategies: list[str],
    options: SolveOptions,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Rows per (scenario, strategy) and a summary per strategy. When ``optimal`` is among the
    strategies each row also has ``ratio_to_optimal`` (weighted gap over the optimum's; None when the
    optimum is 0 and the row's is not; 1 when both
    are 0)."""
    rows = []
    total = len(scenarios) * len(strategies)
    for label, scenario in scenarios:
        optimum = None
        for strategy in strategies:
            result = solve_scenario(
                scenario,
                SolveOptions(
                    strategy=strategy, solver=options.solver, time_limit=options.time_limit
                ),
            )
            row = {"scenario": label, "strategy": strategy, **kpis(result)}
            if strategy == "optimal":
                optimum = result.weighted_gap
            rows.append(row)
            if progress is not None:
                progress(len(rows), total)
        if optimum is not None:
            for row in rows[-len(strategies) :]:
                row["ratio_to_optimal"] = (
                    1.0
                    if row["weighted_gap"] == optimum
                    else (row["weighted_gap"] / optimum if optimum else None)
                )
    summary = []
    for strategy in strategies:
        mine = [row for row in rows if row["strategy"] == strategy]
        entry: dict[str, Any] = {
            "strategy": strategy,
            "scenarios": len(mine),
            "mean_weighted_gap": statistics.fmean(row["weighted_gap"] for row in mine),
            **{f"gap_{p}": sum(row[f"gap_{p}"] for row in mine) for p in PRIORITIES},
            "mean_cost": statistics.fmean(row["cost"] for row in mine),
            "mean_solve_time": statistics.fmean(row["solve_time"] for row in mine),
        }
        if "optimal" in strategies:
            ratios = [row["ratio_to_optimal"] for row in mine]
            defined = [ratio for ratio in ratios if ratio is not None]
            entry["mean_ratio_to_optimal"] = statistics.fmean(defined) if defined else None
            # a gap where the optimum has none has no finite ratio: the worst is then undefined
            entry["worst_ratio_to_optimal"] = (
                max(defined) if defined and len(defined) == len(ratios) else None
            )
            entry["optimal_in"] = sum(1 for ratio in ratios if ratio == 1.0)
        summary.append(entry)
    return {"rows": rows, "summary": summary}
