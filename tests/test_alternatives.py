"""Diverse near-optimal plans: with no slack they are exactly the distinct optimal plans an
exhaustive search finds; with slack each stays within it; they differ; every one passes an
independent check of every rule; kept states stay where the optimal plan sends them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import reference
from conftest import build, pledge, req
from hypothesis import HealthCheck, given, settings
from test_optimality import tiny_scenarios
from typer.testing import CliRunner

from gapsolver import scenario_from_data
from gapsolver.analysis.alternatives import alternatives
from gapsolver.cli import app
from gapsolver.preprocess.load import load_scenario
from gapsolver.schema import Scenario
from gapsolver.schema.result import Result

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "seoul-2021.yaml"
runner = CliRunner()
Allocation = frozenset[tuple[tuple[str, str | None, str], int]]


def _allocation(result: Result) -> Allocation:
    """A plan as the exhaustive search writes it: (pledge, training, requirement) → units."""
    units: dict[tuple[str, str | None, str], int] = {}
    for a in result.assignments:
        key = (a.pledge, a.training, a.requirement)
        units[key] = units.get(key, 0) + a.units
    return frozenset((key, value) for key, value in units.items() if value)


def _optimal_allocations(scenario: Scenario) -> set[Allocation]:
    feasible = [x for x in reference.allocations(scenario) if reference.feasible(scenario, x)]
    best = min(reference.weighted_gap(scenario, x) for x in feasible)
    return {
        frozenset((key, value) for key, value in x.items() if value)
        for x in feasible
        if abs(reference.weighted_gap(scenario, x) - best) < 1e-9
    }


def _check_every_plan_independently(scenario: Scenario, found, bound: float) -> None:
    for plan in found.plans:
        x = dict(_allocation(plan.result))
        assert reference.feasible(scenario, x), plan.index
        assert reference.weighted_gap(scenario, x) <= bound + 1e-6
        assert abs(reference.weighted_gap(scenario, x) - plan.result.weighted_gap) < 1e-6


def test_with_no_slack_the_plans_are_every_optimal_plan() -> None:
    # two interchangeable pledges for one unit, a third for another mission: two optimal plans
    scenario = build(
        [req("R1"), req("R2", mission="M2")],
        [pledge("P1"), pledge("P2", state="CCC"), pledge("P3", state="DDD")],
    )
    found = alternatives(scenario, count=10, slack=0.0)
    assert {_allocation(plan.result) for plan in found.plans} == _optimal_allocations(scenario)
    assert found.exhausted and len(found.plans) == len(_optimal_allocations(scenario)) > 1
    _check_every_plan_independently(scenario, found, found.optimum)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_scenarios())
def test_with_no_slack_the_plans_match_exhaustive_search(data: dict) -> None:
    scenario = scenario_from_data(data)
    optimal = _optimal_allocations(scenario)
    found = alternatives(scenario, count=len(optimal) + 1, slack=0.0)
    plans = [_allocation(plan.result) for plan in found.plans]
    assert len(set(plans)) == len(plans)  # distinct
    assert set(plans) == optimal
    assert found.exhausted
    _check_every_plan_independently(scenario, found, found.optimum)


def test_with_slack_every_plan_stays_within_it_and_they_differ() -> None:
    scenario = load_scenario(REFERENCE)[0]
    found = alternatives(scenario, count=5, slack=0.05)
    assert len(found.plans) == 5 and not found.exhausted
    assert found.bound == pytest.approx(found.optimum * 1.05)
    for plan in found.plans:
        assert plan.result.weighted_gap <= found.bound + 1e-6
    assert found.plans[0].result.weighted_gap == found.optimum
    for i in range(5):
        for j in range(5):
            assert (found.distances[i][j] == 0) == (i == j)
            assert found.distances[i][j] == found.distances[j][i]
    second = found.plans[1].differences
    assert second.units_moved == found.distances[0][1] > 0
    # overlap never falls as plans accumulate: each new plan has more earlier plans to avoid
    assert [p.overlap for p in found.plans] == sorted(p.overlap for p in found.plans)


@pytest.mark.parametrize("diversify", ["states", "donors"])
def test_other_kinds_of_diversity(diversify: str) -> None:
    scenario = load_scenario(REFERENCE)[0]
    found = alternatives(scenario, count=3, slack=0.05, diversify=diversify)  # type: ignore[arg-type]
    assert len({_allocation(plan.result) for plan in found.plans}) == 3
    assert all(plan.result.weighted_gap <= found.bound + 1e-6 for plan in found.plans)


def test_a_kept_state_stays_where_the_optimal_plan_sends_it() -> None:
    scenario = load_scenario(REFERENCE)[0]
    found = alternatives(scenario, count=4, slack=0.05, keep=["RWA"])

    def rwanda(result: Result) -> list[tuple[str, str, int]]:
        return sorted(
            (a.pledge, a.requirement, a.units) for a in result.assignments if a.state == "RWA"
        )

    first = rwanda(found.plans[0].result)
    assert first  # Rwanda deploys in the optimal plan: the pin is exercised
    assert all(rwanda(plan.result) == first for plan in found.plans)
    free = alternatives(scenario, count=4, slack=0.05)
    assert any(rwanda(plan.result) != first for plan in free.plans)


def test_the_command_writes_plans_diff_can_read(tmp_path) -> None:
    output, folder = tmp_path / "alts.json", tmp_path / "plans"
    command = ["alternatives", str(REFERENCE), "-n", "3", "--slack", "0.05", "-o", str(output)]
    result = runner.invoke(app, [*command, "--plans", str(folder)])
    assert result.exit_code == 0, result.output
    data = json.loads(output.read_text())
    assert [plan["index"] for plan in data["plans"]] == [1, 2, 3]
    assert sorted(p.name for p in folder.iterdir()) == ["plan-1.json", "plan-2.json", "plan-3.json"]
    compared = runner.invoke(
        app, ["diff", str(folder / "plan-1.json"), str(folder / "plan-3.json")]
    )
    assert compared.exit_code == 0, compared.output
    replayed = runner.invoke(app, ["replay", str(output)])
    assert replayed.exit_code == 0, replayed.output
    assert "no difference" in replayed.output
    unknown = runner.invoke(app, [*command[:4], "--keep", "XYZ"])
    assert unknown.exit_code == 2 and "XYZ" in unknown.output
