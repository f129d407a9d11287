"""The LP-first lexicographic method (integral vertices, certified reduced-cost fixing, RINS) reaches
the same optima as a plain two-stage MIP without any of it."""

from __future__ import annotations

import numpy as np
import pytest

from gapsolver import SolveOptions, scenario_from_data, solve_scenario
from gapsolver.backend import make_backend
from gapsolver.model.build import build_model
from gapsolver.model.model import violations
from gapsolver.preprocess.encode import encode
from gapsolver.preprocess.generate import generate
from gapsolver.solve.lexicographic import (
    GAP_TOLERANCE,
    SUITABILITY_SHARE,
    certified_reduced_costs,
    dive,
    first_stage_time,
)


def _plain_two_stage(model, solver: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    backend = make_backend(solver, model)
    first = backend.solve(model.primary, gap_rel=0.0)
    support = np.flatnonzero(model.primary)
    backend.add_row(
        support,
        model.primary[support],
        -np.inf,
        first.objective + GAP_TOLERANCE * max(1.0, model.primary_offset),
        "fix",
    )
    second = backend.solve(model.secondary, warm_start=np.round(first.values), gap_rel=1e-9)
    return first.objective + model.primary_offset, -second.objective


@pytest.mark.parametrize("seed", [1, 2, 3, 8, 11])
def test_same_optima_as_a_plain_two_stage_mip(seed: int, solver: str) -> None:
    scenario = scenario_from_data(generate(pledges=250, states=40, missions=6, seed=seed))
    model = build_model(encode(scenario))
    weighted_gap, suitability = _plain_two_stage(model, "highs")
    result = solve_scenario(scenario, SolveOptions(solver=solver))
    assert result.status.value == "optimal"
    assert result.weighted_gap == pytest.approx(weighted_gap, abs=1e-6)
    # the suitability stage is optimal within its relative gap (1e-4 by default)
    assert result.suitability >= suitability * (1 - result.options.suitability_gap) - 1e-6
    assert result.suitability <= suitability + 1e-6


def test_the_plan_is_feasible_for_the_model() -> None:
    scenario = scenario_from_data(generate(pledges=400, seed=9))
    model = build_model(encode(scenario))
    result = solve_scenario(scenario)
    values = np.zeros(model.n_cols)
    index = {name: j for j, name in enumerate(model.col_names)}
    for a in result.assignments:
        name = f"x[{a.pledge},{a.requirement}" + (f",{a.training}]" if a.training else "]")
        values[index[name]] = a.units
    for use in result.donations:
        values[index[f"y[{use.donation},{use.recipient}]"]] += use.items
    assert violations(model, values) == []


def test_highs_duals_are_certified_on_the_reference_structure() -> None:
    scenario = scenario_from_data(generate(pledges=300, seed=4))
    model = build_model(encode(scenario))
    relaxation = make_backend("highs", model).solve(model.primary, relax=True)
    reduced = certified_reduced_costs(model, model.primary, relaxation)
    assert reduced is not None
    # and a corrupted dual is refused
    assert relaxation.row_dual is not None
    spoiled = type(relaxation)(**{**relaxation.__dict__, "row_dual": relaxation.row_dual - 1.0})
    assert certified_reduced_costs(model, model.primary, spoiled) is None


def _fractional_model():  # type: ignore[no-untyped-def]
    """250 generated pledges, seed 8: a weighted-gap LP whose vertex is fractional."""
    return build_model(encode(scenario_from_data(generate(pledges=250, seed=8))))


def test_a_dive_reaches_an_integral_plan_at_the_lp_bound() -> None:
    model = _fractional_model()
    backend = make_backend("highs", model)
    relaxation = backend.solve(model.primary, relax=True)
    assert relaxation.values is not None and relaxation.objective is not None
    fractional = np.abs(relaxation.values - np.round(relaxation.values)) > 1e-9
    assert fractional.any()  # otherwise this case tests nothing
    bound = float(np.ceil(relaxation.objective - 1e-6))  # integer weights
    found = dive(
        backend,
        model.primary,
        relaxation.values,
        model.col_lower,
        model.col_upper,
        model.col_integer,
        bound + 1e-9,
        lambda: None,
    )
    assert found is not None
    assert np.array_equal(found, np.round(found))
    assert violations(model, found) == []
    assert float(model.primary @ found) <= bound + 1e-9
    # the dive leaves the bounds as they were: the LP re-solves to the same optimum
    again = backend.solve(model.primary, relax=True)
    assert again.objective == pytest.approx(relaxation.objective, abs=1e-9)
    # and the solve reports the stage as proven by the dive
    result = solve_scenario(scenario_from_data(generate(pledges=250, seed=8)))
    assert result.stages[0].method == "lp+dive"
    assert result.stages[0].status.value == "optimal"


def test_a_dive_gives_up_below_what_any_plan_reaches() -> None:
    model = _fractional_model()
    backend = make_backend("highs", model)
    relaxation = backend.solve(model.primary, relax=True)
    assert relaxation.values is not None and relaxation.objective is not None
    impossible = relaxation.objective - 1.0  # better than the LP bound
    found = dive(
        backend,
        model.primary,
        relaxation.values,
        model.col_lower,
        model.col_upper,
        model.col_integer,
        impossible,
        lambda: None,
    )
    assert found is None


def test_the_suitability_stage_keeps_its_share_of_a_time_limit() -> None:
    assert first_stage_time(None, None) is None
    assert first_stage_time(10.0, None) == 10.0
    assert first_stage_time(10.0, 10.0) == pytest.approx(10.0 * (1 - SUITABILITY_SHARE))
    assert first_stage_time(2.0, 10.0) == 0.0  # the first stage's time is up
