"""The suitability LP by pricing: the same LP optimum as over every column, certified like it, and
the same optima for the solve (forced on small models here; on by itself above PRICING_COLUMNS)."""

from __future__ import annotations

import numpy as np
import pytest

from gapsolver import SolveOptions, scenario_from_data, solve_scenario
from gapsolver.backend import make_backend
from gapsolver.model.build import build_model
from gapsolver.preprocess.encode import encode
from gapsolver.preprocess.generate import generate
from gapsolver.solve import pricing
from gapsolver.solve.lexicographic import ModelState, certified_reduced_costs, optimal_face
from gapsolver.solve.pricing import priced_relaxation


@pytest.mark.parametrize(("pledges", "seed"), [(600, 9), (600, 10), (800, 1)])
def test_the_priced_lp_optimum_is_the_whole_lp_optimum(pledges: int, seed: int) -> None:
    """Cases whose weighted-gap LP vertex is integral (a plan to seed with) and whose suitability
    LP is not (so the LP matters)."""
    model = build_model(encode(scenario_from_data(generate(pledges=pledges, seed=seed))))
    backend = make_backend("highs", model)
    first = backend.solve(model.primary, relax=True)
    assert first.values is not None and first.row_dual is not None
    state = ModelState(
        model.col_lower.copy(), model.col_upper.copy(), np.zeros(model.n_rows, dtype=bool), []
    )
    reduced = certified_reduced_costs(model, model.primary, first, state)
    assert reduced is not None
    integral_rows = np.ones(model.n_rows, dtype=bool)
    state.lower, state.upper, state.tight = optimal_face(
        model, reduced, first.row_dual, 0.0, integral_rows
    )
    backend.set_col_bounds(state.lower, state.upper)
    backend.set_row_upper_tight(state.tight)
    whole = backend.solve(model.secondary, relax=True)
    seed_plan = np.round(first.values)
    assert np.allclose(first.values, seed_plan)
    priced = priced_relaxation(
        model,
        model.secondary,
        state.lower,
        state.upper,
        state.tight,
        state.added,
        seed_plan,
        lambda: None,
    )
    assert priced is not None and whole.objective is not None
    assert priced.outcome.objective == pytest.approx(whole.objective, abs=1e-6)
    assert priced.columns.size < model.n_cols  # it did not need every column
    # the optimum over some columns is certified over all of them
    assert certified_reduced_costs(model, model.secondary, priced.outcome, state) is not None


@pytest.mark.parametrize("seed", [1, 8, 11])
def test_a_priced_solve_reaches_the_same_optima(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = scenario_from_data(generate(pledges=250, seed=seed))
    plain = solve_scenario(scenario, reasons=False)
    monkeypatch.setattr(pricing, "PRICING_COLUMNS", 0)
    monkeypatch.setattr(pricing, "PRICING_COLUMNS_WEIGHTED_GAP", 0)  # both stages priced
    priced = solve_scenario(scenario, SolveOptions(), reasons=False)
    assert priced.status.value == "optimal"
    assert priced.weighted_gap == plain.weighted_gap
    gap = priced.options.suitability_gap
    assert priced.suitability >= plain.suitability * (1 - gap) - 1e-6
    assert plain.suitability >= priced.suitability * (1 - gap) - 1e-6
