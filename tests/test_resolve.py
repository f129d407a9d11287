"""Re-solves on one model with elements withdrawn give the figures of the smaller scenario solved from
scratch, in any order, and the same answer whatever ran before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from gapsolver import SolveOptions, scenario_from_data, solve_scenario
from gapsolver.analysis.dependence import without
from gapsolver.backend import make_backend
from gapsolver.batch import worker
from gapsolver.batch.plan import plan_tasks
from gapsolver.model.build import build_model, requantified
from gapsolver.preprocess.encode import encode
from gapsolver.preprocess.generate import generate
from gapsolver.preprocess.load import load_scenario
from gapsolver.schema import Scenario
from gapsolver.schema.result import Result
from gapsolver.solve.lexicographic import solve_model
from gapsolver.solve.resolve import Resolver, reusable
from tests.golden import REFERENCE


def _scratch(scenario, pledges=(), donations=(), trainings=()):  # type: ignore[no-untyped-def]
    kept = {
        "pledges": [p for p in scenario.pledges if p.id not in set(pledges)],
        "donations": [d for d in scenario.donations if d.id not in set(donations)],
        "trainings": [t for t in scenario.trainings if t.id not in set(trainings)],
    }
    return solve_scenario(scenario.model_copy(update=kept), reasons=False)


def _same(figures, result) -> None:  # type: ignore[no-untyped-def]
    assert figures.weighted_gap == result.weighted_gap
    assert figures.gap_units == result.gap_units
    assert figures.gaps == {r.id: r.gap for r in result.requirements if r.gap}
    assert figures.status == result.status


def test_every_single_withdrawal_of_the_reference_matches_a_solve_from_scratch() -> None:
    scenario, _ = load_scenario(REFERENCE)
    solver = Resolver(scenario, SolveOptions())
    nothing = solver.solve()
    _same(nothing, solve_scenario(scenario, reasons=False))
    for donation in scenario.donations:
        _same(solver.solve(donations=[donation.id]), _scratch(scenario, donations=[donation.id]))
    for training in scenario.trainings:
        _same(solver.solve(trainings=[training.id]), _scratch(scenario, trainings=[training.id]))
    for pledge in scenario.pledges[::3]:
        _same(solver.solve(pledges=[pledge.id]), _scratch(scenario, pledges=[pledge.id]))
    for state in sorted({p.state for p in scenario.pledges})[::4]:
        result = solve_scenario(without(scenario, "state", state), reasons=False)
        _same(solver.withdraw("state", state), result)
    # nothing carries over from one re-solve to the next
    assert solver.solve() == nothing


@pytest.mark.parametrize("seed", [1, 2])
def test_random_withdrawals_of_a_generated_scenario(seed: int) -> None:
    scenario = scenario_from_data(generate(pledges=250, seed=seed))
    solver = Resolver(scenario, SolveOptions())
    rng = np.random.default_rng(seed)
    for _ in range(6):
        pledges = [p.id for p in scenario.pledges if rng.random() < 0.2]
        donations = [d.id for d in scenario.donations if rng.random() < 0.3]
        trainings = [t.id for t in scenario.trainings if rng.random() < 0.3]
        figures = solver.solve(pledges, donations, trainings)
        _same(figures, _scratch(scenario, pledges, donations, trainings))
        # the withdrawn elements carry no units in the re-solve: the smaller optimum is never better
        assert figures.weighted_gap >= solver.solve().weighted_gap


def test_re_solves_apply_only_to_the_optimal_strategy_without_time_limit() -> None:
    assert reusable(SolveOptions())
    assert not reusable(SolveOptions(strategy="greedy"))
    assert not reusable(SolveOptions(time_limit=10))
    assert not reusable(SolveOptions(solver="auto"))
    assert not reusable(SolveOptions(solver="cbc"))
    scenario, _ = load_scenario(REFERENCE)
    with pytest.raises(ValueError):
        Resolver(scenario, SolveOptions(strategy="greedy"))


def test_a_batch_s_quantity_what_ifs_store_what_solves_from_scratch_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every run a re-solve serves (quantities and capacities changed) stores the record a solve
    from scratch stores (apart from timings and the worker); the cases that remove an element (a
    quantity set to 0) go from scratch."""
    scenario, _ = load_scenario(REFERENCE)
    sweeps = (
        [
            {"name": f"p{i}", "parameter": f"pledges[{p.id}].quantity", "values": [0, 1, 3]}
            for i, p in enumerate(scenario.pledges[::9])
        ]
        + [
            {"name": f"r{i}", "parameter": f"requirements[{r.id}].quantity", "values": [0, 1, 5]}
            for i, r in enumerate(scenario.requirements[::5])
        ]
        + [
            {"name": f"t{i}", "parameter": f"trainings[{t.id}].capacity", "values": [0, 2]}
            for i, t in enumerate(scenario.trainings[::9])
        ]
        + [
            {
                "name": "d",
                "parameter": f"donations[{scenario.donations[0].id}].quantity",
                "values": [0, 3, 7],
            }
        ]
    )
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"name": "q", "scenarios": [str(REFERENCE)], "sweeps": sweeps}))
    plan = plan_tasks(spec)
    served = []
    requantify = Resolver.requantify

    def counted(self: Resolver, changed: Scenario) -> Result | None:
        result = requantify(self, changed)
        served.append(result is not None)
        return result

    monkeypatch.setattr(Resolver, "requantify", counted)
    resolved = [worker.execute(task, plan.scenarios) for task in plan.tasks]
    monkeypatch.setattr(worker, "reusable", lambda options: False)
    scratch = [worker.execute(task, plan.scenarios) for task in plan.tasks]
    assert sum(served) >= len(plan.tasks) // 2  # the re-solves were really used
    assert not all(served)  # and the removals were not
    volatile = {"wall_time", "worker", "solve_time"}
    for a, b in zip(resolved, scratch, strict=True):
        assert a["status"] == "ok"
        assert {k: v for k, v in a.items() if k not in volatile} == {
            k: v for k, v in b.items() if k not in volatile
        }


def test_a_backend_restored_to_another_model_solves_it_as_a_new_one(solver: str) -> None:
    """``solve_model(..., backend=...)`` after ``restore``: the same optimum as a new backend."""
    scenario, _ = load_scenario(REFERENCE)
    options = SolveOptions(solver=solver)
    model = build_model(encode(scenario))
    backend = make_backend(solver, model)
    solve_model(model, options, backend=backend)  # leaves rows added and bounds changed
    changed = scenario.model_copy(
        update={
            "requirements": [
                r.model_copy(update={"quantity": r.quantity + 2}) for r in scenario.requirements
            ]
        }
    )
    variant = requantified(model, encode(changed))
    again, stages, _ = solve_model(variant, options, backend=backend)
    fresh, fresh_stages, _ = solve_model(build_model(encode(changed)), options)
    assert float(variant.primary @ again) == pytest.approx(float(variant.primary @ fresh))
    assert [s.status for s in stages] == [s.status for s in fresh_stages]
    assert float(variant.secondary @ again) == pytest.approx(
        float(variant.secondary @ fresh), abs=1e-6
    )
