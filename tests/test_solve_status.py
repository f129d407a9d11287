"""Status and failure paths of the lexicographic solve, driven through a stub backend that behaves like a
solver stopped by its time limit or failing outright."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import build, pledge, req, scenario_data
from typer.testing import CliRunner

import gapsolver.solve.lexicographic as solve_module
from gapsolver import SolveOptions, SolverError, solve_scenario
from gapsolver.backend import StageOutcome, StageStatus, make_backend
from gapsolver.cli import app


class StoppedBackend:
    """Wraps a real backend. Its LP relaxations find nothing (as if out of time), so every stage goes
    to the MIP; the MIP of stage ``stop_stage`` (1: weighted gap, 2: suitability) then reports the
    time limit, keeping the real incumbent with a made-up bound, or no solution at all."""

    def __init__(self, real, model, stop_stage: int, with_solution: bool) -> None:  # type: ignore[no-untyped-def]
        self.real, self.model = real, model
        self.stop_stage, self.with_solution = stop_stage, with_solution
        self.name = real.name
        self.cheap_resolves = real.cheap_resolves

    def add_row(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.real.add_row(*args, **kwargs)

    def set_col_bounds(self, *args) -> None:  # type: ignore[no-untyped-def]
        self.real.set_col_bounds(*args)

    def set_row_upper_tight(self, *args) -> None:  # type: ignore[no-untyped-def]
        self.real.set_row_upper_tight(*args)

    def solve(self, objective, **kwargs) -> StageOutcome:  # type: ignore[no-untyped-def]
        if kwargs.get("relax"):
            return StageOutcome(StageStatus.no_solution, None, None, None, None, 0.0)
        outcome = self.real.solve(objective, **kwargs)
        stage = 1 if objective is self.model.primary else 2
        if stage != self.stop_stage:
            return outcome
        if not self.with_solution:
            return StageOutcome(StageStatus.no_solution, None, None, None, None, outcome.seconds)
        bound = outcome.objective - 1.0
        return StageOutcome(
            StageStatus.feasible, outcome.values, outcome.objective, bound, 0.5, 1.0
        )


def _stub(stop_stage: int, with_solution: bool):  # type: ignore[no-untyped-def]
    return lambda solver, model: StoppedBackend(
        make_backend(solver, model), model, stop_stage, with_solution
    )


def _scenario():  # type: ignore[no-untyped-def]
    return build([req("R1", quantity=2, priority="high")], [pledge("P1", quantity=1)])


@pytest.mark.parametrize("stage", [1, 2])
def test_time_limit_with_a_solution_gives_status_feasible(
    monkeypatch: pytest.MonkeyPatch, stage: int
) -> None:
    monkeypatch.setattr(solve_module, "make_backend", _stub(stage, True))
    result = solve_scenario(_scenario(), SolveOptions(time_limit=30))
    assert result.status.value == "feasible"
    assert [s.status for s in result.stages][stage - 1] == "feasible"
    assert result.weighted_gap == 10  # the incumbent is still read back


def test_no_solution_in_time_keeps_the_greedy_start(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing found in time: the plan falls back on its feasible start, the greedy plan.
    greedy = solve_scenario(_scenario(), SolveOptions(strategy="greedy"))
    monkeypatch.setattr(solve_module, "make_backend", _stub(1, False))
    result = solve_scenario(_scenario(), SolveOptions(time_limit=1))
    assert result.status.value == "feasible"
    assert result.stages[0].status == "feasible"
    assert result.stages[0].value == greedy.weighted_gap
    assert result.weighted_gap <= greedy.weighted_gap  # stage 2 may only improve on it


class FailingBackend(StoppedBackend):
    def solve(self, objective, **kwargs) -> StageOutcome:  # type: ignore[no-untyped-def]
        return StageOutcome(StageStatus.error, None, None, None, None, 0.0)


def _failing(solver, model):  # type: ignore[no-untyped-def]
    return FailingBackend(make_backend(solver, model), model, 1, False)


def test_solver_failure_is_a_solver_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solve_module, "make_backend", _failing)
    with pytest.raises(SolverError, match="failed on the weighted_gap stage"):
        solve_scenario(_scenario())


def test_solver_failure_exits_1_with_a_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(solve_module, "make_backend", _failing)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_data([req("R1")], [pledge("P1")])))
    output = tmp_path / "r.json"
    output.write_text("keep me")
    result = CliRunner().invoke(app, ["solve", str(path), "-o", str(output), "--time-limit", "1"])
    assert result.exit_code == 1
    assert "failed on the weighted_gap stage" in result.output and "Traceback" not in result.output
    assert output.read_text() == "keep me"


def test_real_time_limit_is_passed_to_both_solvers(solver: str) -> None:
    # A generous limit on a small case: proven optimal well within it, on both solvers.
    result = solve_scenario(_scenario(), SolveOptions(solver=solver, time_limit=20))
    assert result.status.value == "optimal"
    assert result.options.time_limit == 20


def test_stage_values_are_consistent(solver: str) -> None:
    result = solve_scenario(_scenario(), SolveOptions(solver=solver))
    gap_stage, suitability_stage = result.stages
    assert gap_stage.value == result.weighted_gap == 10
    assert np.isclose(suitability_stage.value, result.suitability)


def test_auto_races_both_solvers_and_agrees_with_each() -> None:
    scenario = build(
        [req("R1", quantity=2, priority="critical"), req("R2", mission="M2", quantity=2)],
        [pledge("P1", quantity=2), pledge("P2", state="CCC", quantity=1)],
    )
    auto = solve_scenario(scenario, SolveOptions(solver="auto", time_limit=60))
    highs = solve_scenario(scenario, SolveOptions(solver="highs"))
    assert auto.status.value == "optimal"
    assert auto.solver in ("highs", "cbc") and auto.options.solver == "auto"
    assert auto.weighted_gap == highs.weighted_gap
    assert abs(auto.suitability - highs.suitability) <= 1e-4 * max(1.0, highs.suitability)


def test_auto_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario_data([req("R1")], [pledge("P1")])))
    result = CliRunner().invoke(app, ["solve", str(path), "--solver", "auto", "--json"])
    assert result.exit_code == 0, result.output
    assert '"weighted_gap": 0.0' in result.stdout


class HangingBackend(StoppedBackend):
    """A solver that never comes back from the suitability stage (as HiGHS can in some phases)."""

    def solve(self, objective, **kwargs) -> StageOutcome:  # type: ignore[no-untyped-def]
        if objective is not self.model.primary:
            import time

            time.sleep(3600)
        return self.real.solve(objective, **kwargs)


def test_time_limit_holds_even_when_the_solver_does_not_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    import gapsolver.solve.supervise as race_module

    monkeypatch.setattr(race_module, "_GRACE_SECONDS", 0.5)
    monkeypatch.setattr(
        solve_module,
        "make_backend",
        lambda solver, model: HangingBackend(make_backend(solver, model), model, 0, False),
    )
    began = time.perf_counter()
    result = solve_scenario(_scenario(), SolveOptions(time_limit=1.0))
    assert time.perf_counter() - began < 8
    assert result.status.value == "feasible"
    assert [stage.status for stage in result.stages] == ["optimal", "not_run"]
    assert result.weighted_gap == 10  # stage 1's proven optimum was kept


class CrashingBackend(StoppedBackend):
    """A solver that takes its process down with it."""

    def solve(self, objective, **kwargs) -> StageOutcome:  # type: ignore[no-untyped-def]
        import os

        os._exit(9)


@pytest.mark.slow  # a supervised solver process (the quick loop has the hanging one above)
def test_a_solver_process_that_dies_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setattr(
        solve_module,
        "make_backend",
        lambda solver, model: CrashingBackend(make_backend(solver, model), model, 0, False),
    )
    began = time.perf_counter()
    with pytest.raises(SolverError, match="ended without an answer"):
        solve_scenario(_scenario(), SolveOptions(time_limit=60))
    assert time.perf_counter() - began < 10
