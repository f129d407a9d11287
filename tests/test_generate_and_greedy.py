"""The scenario generator and the greedy baseline."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import reference
from conftest import build, pledge, req, run
from hypothesis import HealthCheck, given, settings
from test_optimality import tiny_scenarios
from typer.testing import CliRunner

from gapsolver import InputError, SolveOptions, load_scenario, scenario_from_data, solve_scenario
from gapsolver.cli import app
from gapsolver.model.build import build_model
from gapsolver.model.model import violations
from gapsolver.preprocess.encode import encode
from gapsolver.preprocess.generate import UNIT_TYPES, generate
from gapsolver.solve.greedy import greedy_plan


def test_same_seed_same_scenario_other_seed_other_scenario() -> None:
    assert generate(pledges=150, seed=7) == generate(pledges=150, seed=7)
    assert generate(pledges=150, seed=7) != generate(pledges=150, seed=8)


def test_unreliable_elements_leave_the_rest_of_the_file_as_it_was() -> None:
    plain = generate(pledges=400, seed=4)
    shaky = generate(pledges=400, seed=4, unreliable=0.25)
    assert generate(pledges=400, seed=4, unreliable=0.25) == shaky
    levels = []
    for kind in ("pledges", "donations", "trainings"):
        for before, after in zip(plain[kind], shaky[kind], strict=True):
            level = after.pop("reliability", None)
            assert after == before
            if level is not None:
                levels.append(level)
    elements = sum(len(plain[kind]) for kind in ("pledges", "donations", "trainings"))
    assert 0.15 * elements < len(levels) < 0.35 * elements
    assert all(0.6 <= level <= 0.95 for level in levels)
    scenario_from_data(generate(pledges=400, seed=4, unreliable=1.0))  # every element: still valid
    with pytest.raises(InputError, match="--unreliable"):
        generate(pledges=10, unreliable=1.5)


def test_generated_scenarios_are_valid_and_sized_as_asked() -> None:
    data = generate(states=40, missions=8, pledges=400, requirements=90, seed=3)
    scenario = scenario_from_data(data)
    assert len(scenario.member_states) == 40 and len(scenario.missions) == 8
    assert len(scenario.pledges) == 400 and len(scenario.requirements) == 90
    assert scenario.donations and scenario.trainings
    assert any(p.needs_equipment for p in scenario.pledges)
    assert any(p.caveats.only_missions or p.caveats.exclude_missions for p in scenario.pledges)


def test_generated_proportions_follow_the_known_shortfalls() -> None:
    scenario = scenario_from_data(
        generate(states=80, missions=12, pledges=3000, requirements=700, seed=1)
    )
    supplied = Counter()
    demanded = Counter()
    for item in scenario.pledges:
        supplied[item.capability] += item.quantity
    for item in scenario.requirements:
        demanded[item.capability] += item.quantity
    supply_share = {u.id: supplied[u.id] / sum(supplied.values()) for u in UNIT_TYPES}
    demand_share = {u.id: demanded[u.id] / sum(demanded.values()) for u in UNIT_TYPES}
    for short in ("uh_unit", "ah_unit", "qrf_coy", "isr_uav", "l2_hosp"):
        assert demand_share[short] > supply_share[short], short
    assert supply_share["inf_bn"] > demand_share["inf_bn"]


def test_generate_command_writes_an_identical_file_for_the_same_seed(tmp_path: Path) -> None:
    runner = CliRunner()
    first, second = tmp_path / "a.yaml", tmp_path / "b.json"
    assert (
        runner.invoke(
            app, ["generate", "-o", str(first), "--pledges", "120", "--seed", "5"]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app, ["generate", "-o", str(second), "--pledges", "120", "--seed", "5"]
        ).exit_code
        == 0
    )
    assert load_scenario(first)[0] == load_scenario(second)[0]
    again = tmp_path / "c.yaml"
    runner.invoke(app, ["generate", "-o", str(again), "--pledges", "120", "--seed", "5"])
    assert again.read_bytes() == first.read_bytes()
    bad = runner.invoke(app, ["generate", "-o", str(tmp_path / "x.yaml"), "--missions", "0"])
    assert bad.exit_code == 2 and "--missions: need at least 1 mission" in bad.output


def test_greedy_takes_the_best_score_first_and_can_lose_to_the_milp(solver: str) -> None:
    # P1 (French-speaking, cheaper) scores best for R1, so greedy gives it to R1 (taken first by
    # scenario order) and R2, which only P1 can serve (French required), stays empty. The MILP sends
    # P2 to R1 and P1 to R2.
    scenario = build(
        [
            req("R1", mission="M2", priority="critical", preferred_language="fr"),
            req("R2", mission="M2", priority="critical", require_language="fr"),
        ],
        [pledge("P1", state="BBB"), pledge("P2", state="DDD", cost_per_unit=5e6)],
    )
    greedy = solve_scenario(scenario, SolveOptions(strategy="greedy"))
    assert greedy.weighted_gap == 100 and greedy.status.value == "feasible"
    assert run(scenario, solver).weighted_gap == 0


FEW = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# One property, two runs: a few examples in the quick loop, many in the full suite (conftest.py).
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_scenarios())
def test_greedy_is_feasible_and_never_beats_the_optimum(data: dict) -> None:
    _greedy_is_feasible_and_never_beats_the_optimum(data)


@pytest.mark.slow
@FEW
@given(tiny_scenarios())
def test_greedy_is_feasible_and_never_beats_the_optimum_on_many_examples(data: dict) -> None:
    _greedy_is_feasible_and_never_beats_the_optimum(data)


def _greedy_is_feasible_and_never_beats_the_optimum(data: dict) -> None:
    scenario = scenario_from_data(data)
    model = build_model(encode(scenario))
    values = greedy_plan(model)
    assert violations(model, values) == []
    result = solve_scenario(scenario, SolveOptions(strategy="greedy"))
    plan = {(a.pledge, a.training, a.requirement): a.units for a in result.assignments}
    assert reference.feasible(scenario, plan)
    assert result.weighted_gap >= reference.optimal_weighted_gap(scenario) - 1e-9


def test_greedy_on_a_generated_scenario_is_feasible() -> None:
    scenario = scenario_from_data(generate(pledges=600, seed=2))
    model = build_model(encode(scenario))
    assert violations(model, greedy_plan(model)) == []
