"""Status and failure paths of the lexicographic solve, driven through a stub backend that behaves like a
solver stopped by its time limit or failing outright."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import build, pledge, req, scenario_data
from typer.testing import CliRunner

import gapsolver.solve as solve_module
from gapsolver import SolveOptions, SolverError, solve_scenario
from gapsolver.backend import StageOutcome, StageStatus, make_backend
from gapsolver.cli import app


class StoppedBackend:
    """Wraps a real backend; reports stage ``stop_stage`` as stopped by the time limit (keeping the
    real incumbent, with a made-up bound) or as having found nothing."""

    def __init__(self, real, stop_stage: int, with_solution: bool) -> None:  # type: ignore[no-untyped-def]
        self.real, self.stop_stage, self.with_solution = real, stop_stage, with_solution
        self.name = real.name
        self.calls = 0

    def add_row(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.real.add_row(*args, **kwargs)

    def solve(self, objective, **kwargs) -> StageOutcome:  # type: ignore[no-untyped-def]
        self.calls += 1
        outcome = self.real.solve(objective, **kwargs)
        if self.calls != self.stop_stage:
            return outcome
        if not self.with_solution:
            return StageOutcome(StageStatus.no_solution, None, None, None, None, outcome.seconds)
        bound = outcome.objective - 1.0
        return StageOutcome(
            StageStatus.feasible, outcome.values, outcome.objective, bound, 0.5, 1.0
        )


def _scenario():  # type: ignore[no-untyped-def]
    return build([req("R1", quantity=2, priority="high")], [pledge("P1", quantity=1)])


@pytest.mark.parametrize("stage", [1, 2])
def test_time_limit_with_a_solution_gives_status_feasible(
    monkeypatch: pytest.MonkeyPatch, stage: int
) -> None:
    monkeypatch.setattr(
        solve_module,
        "make_backend",
        lambda solver, model: StoppedBackend(make_backend(solver, model), stage, True),
    )
    result = solve_scenario(_scenario(), SolveOptions(time_limit=30))
    assert result.status.value == "feasible"
    assert [s.status for s in result.stages][stage - 1] == "feasible"
    assert result.weighted_gap == 10  # the incumbent is still read back


def test_no_solution_is_a_solver_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        solve_module,
        "make_backend",
        lambda solver, model: StoppedBackend(make_backend(solver, model), 1, False),
    )
    with pytest.raises(SolverError, match="time limit was reached before any solution"):
        solve_scenario(_scenario(), SolveOptions(time_limit=1))


def test_solver_failure_exits_1_with_a_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(
        solve_module,
        "make_backend",
        lambda solver, model: StoppedBackend(make_backend(solver, model), 1, False),
    )
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_data([req("R1")], [pledge("P1")])))
    output = tmp_path / "r.json"
    output.write_text("keep me")
    result = CliRunner().invoke(app, ["solve", str(path), "-o", str(output), "--time-limit", "1"])
    assert result.exit_code == 1
    assert "no solution" in result.output and "Traceback" not in result.output
    assert output.read_text() == "keep me"


def test_real_time_limit_is_passed_to_both_solvers(solver: str) -> None:
    # A generous limit on a small case: proven optimal well within it, on both solvers.
    result = solve_scenario(_scenario(), SolveOptions(solver=solver, time_limit=20))
    assert result.status.value == "optimal"
    assert result.options["time_limit"] == 20


def test_stage_values_are_consistent(solver: str) -> None:
    result = solve_scenario(_scenario(), SolveOptions(solver=solver))
    gap_stage, suitability_stage = result.stages
    assert gap_stage.value == result.weighted_gap == 10
    assert np.isclose(suitability_stage.value, result.suitability)
