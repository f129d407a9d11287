"""Re-solves on one model with elements withdrawn give the figures of the smaller scenario solved from
scratch, in any order, and the same answer whatever ran before."""

from __future__ import annotations

import numpy as np
import pytest

from gapsolver import SolveOptions, scenario_from_data, solve_scenario
from gapsolver.analysis.dependence import without
from gapsolver.preprocess.generate import generate
from gapsolver.preprocess.load import load_scenario
from gapsolver.solve.withdrawals import WithdrawalSolver, reusable
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
    solver = WithdrawalSolver(scenario, SolveOptions())
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
        _same(solver.solve(*solver.offered_by(state)), result)
    # nothing carries over from one re-solve to the next
    assert solver.solve() == nothing


@pytest.mark.parametrize("seed", [1, 2])
def test_random_withdrawals_of_a_generated_scenario(seed: int) -> None:
    scenario = scenario_from_data(generate(pledges=250, seed=seed))
    solver = WithdrawalSolver(scenario, SolveOptions())
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
    scenario, _ = load_scenario(REFERENCE)
    with pytest.raises(ValueError):
        WithdrawalSolver(scenario, SolveOptions(strategy="greedy"))
