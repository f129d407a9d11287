"""One run in a worker process: build the case's scenario, sample it, solve it, and return its record."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from gapsolver.analysis.compare import kpis
from gapsolver.analysis.robust import sample_scenario
from gapsolver.batch.plan import Task, scenario_sha256, sha256_of
from gapsolver.exceptions import GapsolverError
from gapsolver.preprocess.variants import (
    apply_changes,
    changes_from_data,
)
from gapsolver.schema import Scenario
from gapsolver.schema.result import Result, SolveStatus
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.pipeline import solve_scenario
from gapsolver.solve.resolve import Resolver, reusable

# ---------------------------------------------------------------------------------------------------
# One run (in a worker)


_SCENARIOS: dict[str, Scenario] = {}
"""The scenarios of a batch in a worker process, by content hash (set once per worker)."""


def install_scenarios(scenarios: dict[str, Scenario]) -> None:
    """Local worker initializer: the batch's scenarios."""
    _SCENARIOS.update(scenarios)


_CASES: dict[tuple[str, str], Scenario] = {}
"""The changed scenarios a worker has built, by (scenario hash, case): every strategy and sample of
a case starts from the same one."""


def case_scenario(task: Task, scenarios: dict[str, Scenario]) -> Scenario:

    base = scenarios[task.scenario_sha256]
    if not task.case.changes:
        return base
    key = (task.scenario_sha256, sha256_of([task.case.name, task.case.changes]))
    if key not in _CASES:
        if len(_CASES) >= 64:
            _CASES.clear()
        _CASES[key] = apply_changes(
            base, changes_from_data(task.case.changes, task.case.name), task.case.name
        )
    return _CASES[key]


_RESOLVERS: dict[tuple[str, SolveOptions], Resolver] = {}
"""Each scenario's model, built once per worker and options, for the cases that change only
quantities and capacities (:meth:`gapsolver.solve.resolve.Resolver.requantify`)."""


def _solve(task: Task, scenario: Scenario, options: SolveOptions, base: Scenario) -> Result:
    """The case's plan: a re-solve of the base scenario's model when the case only changes
    quantities and capacities, else a solve from scratch."""
    if task.sample is None and reusable(options):
        key = (task.scenario_sha256, options)
        if key not in _RESOLVERS:
            if len(_RESOLVERS) >= 8:
                _RESOLVERS.clear()
            _RESOLVERS[key] = Resolver(base, options)
        result = _RESOLVERS[key].requantify(scenario)
        if result is not None:
            return result
    return solve_scenario(scenario, options, reasons=False)


def execute(task: Task, scenarios: dict[str, Scenario] | None = None) -> dict[str, Any]:
    """Run one task; never raises: a failure is a record with its error."""

    began = time.perf_counter()
    record: dict[str, Any] = {"key": task.key, "worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        scenarios = scenarios or _SCENARIOS
        scenario = case_scenario(task, scenarios)
        if task.sample is not None:
            assert task.seed is not None
            scenario, _ = sample_scenario(scenario, task.seed, task.sample)
        record["inputs_sha256"] = scenario_sha256(scenario)
        options = SolveOptions(
            strategy=task.strategy, solver=task.solver, time_limit=task.time_limit
        )
        result = _solve(task, scenario, options, scenarios[task.scenario_sha256])
        figures = kpis(result)
        timed_out = (
            task.strategy == "optimal"
            and task.time_limit is not None
            and figures.status is not SolveStatus.optimal
        )
        record |= figures.model_dump(mode="json", exclude={"status"}) | {
            "status": "time_limit" if timed_out else "ok",
            "plan_status": figures.status.value,
            "error": "time limit reached before the optimum was proven" if timed_out else None,
            "gaps": [
                {
                    "requirement": r.id,
                    "mission": r.mission,
                    "capability": r.capability,
                    "priority": r.priority.value,
                    "quantity": r.quantity,
                    "allocated": r.allocated,
                    "gap": r.gap,
                }
                for r in result.requirements
            ],
        }
    except GapsolverError as error:
        record |= {"status": "failed", "error": str(error), "gaps": []}
    except Exception as error:  # a bug or a crash in a library: recorded, the batch goes on
        record |= {"status": "failed", "error": f"{type(error).__name__}: {error}", "gaps": []}
    record["wall_time"] = round(time.perf_counter() - began, 6)
    return record


def execute_many(
    tasks: list[Task], scenarios: dict[str, Scenario] | None = None
) -> list[dict[str, Any]]:
    """Several runs in one worker call (each still isolated by :func:`execute`)."""
    return [execute(task, scenarios) for task in tasks]
