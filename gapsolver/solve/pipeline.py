"""The solve pipeline: encode → build model → greedy start → solve (lexicographic, greedy or
sequential) → extract the result."""

from __future__ import annotations

import time
from dataclasses import asdict

import numpy as np

from gapsolver.backend import StageStatus
from gapsolver.exceptions import raise_if_stopped
from gapsolver.model.build import build_model
from gapsolver.model.model import Model
from gapsolver.postprocess.extract import (
    assignments_from,
    donation_uses,
    plan_totals,
    requirement_outcomes,
    training_uses,
)
from gapsolver.postprocess.reasons import plan_reasons
from gapsolver.preprocess.encode import encode
from gapsolver.schema import Scenario
from gapsolver.schema.result import Result, SolveStatus, StageReport
from gapsolver.solve.greedy import greedy_plan
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.run import run_solver
from gapsolver.solve.sequential import sequential_plan


def solve_scenario(
    scenario: Scenario, options: SolveOptions | None = None, reasons: bool = True
) -> Result:
    """Solve a consistent scenario (see :func:`gapsolver.preprocess.load.load_scenario`).

    ``reasons=False`` leaves out why each gap remains (every outcome's ``reasons`` empty): for the
    analyses that read only the figures of many re-solves (robustness samples, comparisons,
    withdrawals, batch runs), which would otherwise spend a quarter of their time on explanations
    nobody reads."""
    return solve_plan(scenario, options, reasons)[0]


def solve_plan(
    scenario: Scenario, options: SolveOptions | None = None, reasons: bool = True
) -> tuple[Result, Model, np.ndarray]:
    """:func:`solve_scenario`, also returning the model and the plan's column values (for the
    analyses that read the plan against the model: explanations, the shortfall)."""
    options = options or SolveOptions()
    timings: dict[str, float] = {}

    began = time.perf_counter()
    enc = encode(scenario)
    timings["encode"] = time.perf_counter() - began

    began = time.perf_counter()
    model = build_model(enc)
    timings["build"] = time.perf_counter() - began

    def greedy() -> np.ndarray:
        began = time.perf_counter()
        plan = greedy_plan(model)
        timings["greedy"] = time.perf_counter() - began
        return plan

    solver_used = options.solver
    if options.strategy == "greedy":
        values = greedy()
        stages = [
            StageReport(
                objective="weighted_gap",
                status=StageStatus.feasible,
                value=round(float(model.primary @ values) + model.primary_offset, 9),
                bound=None,
                mip_gap=None,
                seconds=round(timings["greedy"], 6),
                method="greedy",
            )
        ]
        status = SolveStatus.feasible
    elif options.strategy == "sequential":
        began = time.perf_counter()
        values, stages, solver_used = sequential_plan(model, options)
        timings["solver_total"] = time.perf_counter() - began
        status = SolveStatus.feasible  # a plan, not the proven optimum of the whole scenario
    else:
        # the greedy plan is the MILP's start, made only when it is needed (see run_solver)
        solver_used, values, stages, solve_timings = run_solver(model, options, start=greedy)
        raise_if_stopped()
        timings |= solve_timings
        proven = all(stage.status is StageStatus.optimal for stage in stages)
        status = SolveStatus.optimal if proven else SolveStatus.feasible

    began = time.perf_counter()
    result = build_result(model, values, stages, status, options, reasons)
    if options.strategy != "greedy":
        result.solver = solver_used
    timings["extract"] = time.perf_counter() - began
    result.timings = {name: round(seconds, 6) for name, seconds in timings.items()}
    return result, model, values


def build_result(
    model: Model,
    values: np.ndarray,
    stages: list[StageReport],
    status: SolveStatus,
    options: SolveOptions,
    reasons: bool = True,
) -> Result:
    """Read a plan (column values in the model's space) back into a :class:`Result` (with why each
    gap remains unless ``reasons`` is False)."""
    explained = plan_reasons(model, values) if reasons else [[] for _ in model.enc.requirement_ids]
    requirements = requirement_outcomes(model, values, explained)
    suitability, cost, women_share = plan_totals(model, values)
    return Result(
        scenario=model.enc.scenario.name,
        status=status,
        strategy=options.strategy,
        solver=options.solver if options.strategy != "greedy" else "none",
        weighted_gap=round(sum(r.weighted_gap for r in requirements), 9),
        gap_units=sum(r.gap for r in requirements),
        requirements=requirements,
        assignments=assignments_from(model, values),
        donations=donation_uses(model, values),
        trainings=training_uses(model, values),
        stages=stages,
        solve_time=round(sum(stage.seconds for stage in stages), 6),
        mip_gap=stages[0].mip_gap if options.strategy == "optimal" else None,
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
        proven={
            objective: options.strategy == "optimal"
            and any(s.objective == objective and s.status is StageStatus.optimal for s in stages)
            for objective in ("weighted_gap", "suitability")
        },
    )
