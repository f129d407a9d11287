"""The sequential baseline: missions in priority order, each solved alone — how force generation is
often done by hand, one mission's force-generation conference at a time.

Missions are ranked by their most urgent requirement (highest priority weight), then by their total
weighted demand, then by id. For each in turn the lexicographic MILP (weighted gap, then suitability)
is solved over that mission's requirements only, with everything earlier missions took fixed: pledges,
training seats, donated items and budget they used are gone for the missions after them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from gapsolver.model.model import Model
from gapsolver.schema.result import StageReport
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.run import run_solver


def mission_order(model: Model) -> list[int]:
    """Mission indices, most urgent first."""
    enc = model.enc
    missions = sorted(set(enc.req_mission.tolist()))
    urgency = {
        m: (
            -float(enc.req_weight[enc.req_mission == m].max()),
            -float((enc.req_weight * enc.req_quantity)[enc.req_mission == m].sum()),
            enc.mission_ids[m],
        )
        for m in missions
    }
    return sorted(missions, key=lambda m: urgency[m])


def sequential_plan(
    model: Model, options: SolveOptions
) -> tuple[np.ndarray, list[StageReport], str]:
    """Column values of the sequential plan, the stage reports of every mission's solve (objective
    names prefixed with the mission) and the solver used."""

    enc = model.enc
    values = np.zeros(model.n_cols)
    pair_mission = enc.req_mission[model.pair_requirement]
    fixed = np.zeros(model.n_cols, dtype=bool)
    stages: list[StageReport] = []
    solver = options.solver
    for mission in mission_order(model):
        mine = np.zeros(model.n_cols, dtype=bool)
        mine[: model.n_pairs] = pair_mission == mission
        if not mine.any():
            continue
        # this mission's columns free, earlier missions' fixed, later missions' at zero; donations free
        free = mine.copy()
        free[model.n_pairs :] = True
        lower = np.where(fixed, values, np.where(free, model.col_lower, 0.0))
        upper = np.where(fixed, values, np.where(free, model.col_upper, 0.0))
        step = dataclasses.replace(model, col_lower=lower, col_upper=upper)
        start = np.where(fixed, values, 0.0)
        start[model.n_pairs :] = values[model.n_pairs :]
        solver, values, reports, _ = run_solver(step, options, start)
        fixed |= mine
        stages += [
            report.model_copy(
                update={"objective": f"{enc.mission_ids[mission]}:{report.objective}"}
            )
            for report in reports
        ]
    return values, stages, solver
