"""The solve pipeline: encode → build model → hand off → solve lexicographically → extract.

Stage 1 minimises the priority-weighted gap to proven optimality. Stage 2 fixes it (the weighted gap may
not exceed the stage-1 optimum) and maximises total suitability, starting from the stage-1 solution.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from gapsolver.backend import SOLVERS, StageOutcome, StageStatus, make_backend
from gapsolver.exceptions import SolverError
from gapsolver.model import Model, build_model
from gapsolver.postprocess.extract import (
    assignments_from,
    donation_uses,
    plan_totals,
    requirement_outcomes,
    training_uses,
)
from gapsolver.preprocess.encode import encode
from gapsolver.result import Result, SolveStatus, StageReport
from gapsolver.schema import Scenario


@dataclass(frozen=True)
class SolveOptions:
    solver: str = "highs"
    """'highs' or 'cbc'."""
    time_limit: float | None = None
    """Seconds for both stages together; None for no limit."""
    suitability_gap: float = 1e-6
    """Relative MIP gap accepted in stage 2 (stage 1 always runs to a zero gap)."""

    def __post_init__(self) -> None:
        if self.solver not in SOLVERS:
            raise SolverError(f"unknown solver {self.solver!r}; choose one of {', '.join(SOLVERS)}")
        if self.time_limit is not None and self.time_limit <= 0:
            raise SolverError("the time limit must be positive")


GAP_TOLERANCE = 1e-6
"""Slack on the stage-1 optimum when fixing it, relative to max(1, Σ_r w_r q_r)."""


def _remaining(options: SolveOptions, began: float) -> float | None:
    if options.time_limit is None:
        return None
    return max(options.time_limit - (time.perf_counter() - began), 0.0)


def _report(
    name: str, outcome: StageOutcome, offset: float = 0.0, sign: float = 1.0
) -> StageReport:
    def shown(value: float | None) -> float | None:
        return None if value is None else round(sign * (value + offset), 9)

    return StageReport(
        objective=name,
        status=outcome.status.value,
        value=shown(outcome.objective),
        bound=shown(outcome.bound),
        mip_gap=outcome.mip_gap,
        seconds=round(outcome.seconds, 6),
    )


def solve_model(
    model: Model, options: SolveOptions
) -> tuple[np.ndarray, list[StageReport], dict[str, float]]:
    """Lexicographic solve; returns integral column values, the stage reports and phase timings."""
    timings: dict[str, float] = {}
    began = time.perf_counter()
    backend = make_backend(options.solver, model)
    timings["handoff"] = time.perf_counter() - began

    first = backend.solve(
        model.primary, time_limit=_remaining(options, began), warm_start=None, gap_rel=0.0
    )
    timings["solve_primary"] = first.seconds
    if first.values is None:
        reason = {
            StageStatus.no_solution: "the time limit was reached before any solution was found",
            StageStatus.infeasible: "the solver reports the model infeasible",
        }.get(first.status, f"the solver ended with status {first.status.value}")
        raise SolverError(f"{backend.name}: no solution: {reason}")
    values = np.round(first.values)
    stages = [_report("weighted_gap", first, offset=model.primary_offset)]

    time_left = _remaining(options, began)
    if not model.n_cols:
        stages.append(StageReport("suitability", StageStatus.optimal.value, 0.0, 0.0, 0.0, 0.0))
    elif time_left is not None and time_left <= 0:
        stages.append(StageReport("suitability", "not_run", None, None, None, 0.0))
    else:
        optimum = float(model.primary @ values)
        support = np.flatnonzero(model.primary)
        scale = max(1.0, model.primary_offset)  # the largest weighted gap possible
        backend.add_row(
            support,
            model.primary[support],
            -np.inf,
            optimum + GAP_TOLERANCE * scale,
            "fix_weighted_gap",
        )
        second = backend.solve(
            model.secondary,
            time_limit=time_left,
            warm_start=values,
            gap_rel=options.suitability_gap,
        )
        timings["solve_secondary"] = second.seconds
        stages.append(_report("suitability", second, sign=-1.0))
        if second.values is not None:
            candidate = np.round(second.values)
            # keep stage 2 only if it truly keeps the stage-1 optimum (guards solver tolerances)
            if float(model.primary @ candidate) <= optimum + GAP_TOLERANCE * scale:
                values = candidate
    return values, stages, timings | {"solver_total": time.perf_counter() - began}


def solve_scenario(scenario: Scenario, options: SolveOptions | None = None) -> Result:
    """Solve a consistent scenario (see :func:`gapsolver.preprocess.load.load_scenario`)."""
    options = options or SolveOptions()
    timings: dict[str, float] = {}

    began = time.perf_counter()
    enc = encode(scenario)
    timings["encode"] = time.perf_counter() - began

    began = time.perf_counter()
    model = build_model(enc)
    timings["build"] = time.perf_counter() - began

    values, stages, solve_timings = solve_model(model, options)
    timings |= solve_timings

    began = time.perf_counter()
    requirements = requirement_outcomes(model, values)
    assignments = assignments_from(model, values)
    suitability, cost, women_share = plan_totals(model, values)
    result = Result(
        scenario=scenario.name,
        status=SolveStatus.optimal
        if all(stage.status == StageStatus.optimal.value for stage in stages)
        else SolveStatus.feasible,
        solver=options.solver,
        weighted_gap=round(sum(r.weighted_gap for r in requirements), 9),
        gap_units=sum(r.gap for r in requirements),
        requirements=requirements,
        assignments=assignments,
        donations=donation_uses(model, values),
        trainings=training_uses(model, values),
        stages=stages,
        solve_time=round(sum(stage.seconds for stage in stages), 6),
        mip_gap=stages[0].mip_gap,
        suitability=round(suitability, 9),
        cost=round(cost, 2),
        women_share=None if women_share is None else round(women_share, 6),
        model_size={
            "pairs": model.n_pairs,
            "columns": model.n_cols,
            "rows": model.n_rows,
            "nonzeros": int(sum(block.value.size for block in model.blocks)),
        },
        timings={},
        options=asdict(options),
    )
    timings["extract"] = time.perf_counter() - began
    result.timings = {name: round(seconds, 6) for name, seconds in timings.items()}
    return result
