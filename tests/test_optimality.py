"""The MILP's weighted gap equals an exhaustive search on tiny random scenarios, on both solvers;
the vectorized eligibility equals the plain-Python rules; the ranked objectives are lexicographic."""

from __future__ import annotations

import numpy as np
import pytest
import reference
from conftest import BASE, build, pledge, req, run, scenario_data, units
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gapsolver import scenario_from_data
from gapsolver.preprocess.encode import encode
from gapsolver.preprocess.rules import RULE_NAMES, eligible_pairs, failed_rules

STATES = [state["id"] for state in BASE["member_states"]]
MISSIONS = [mission["id"] for mission in BASE["missions"]]
CAPABILITIES = ["inf", "uh"]
PLEDGING_STATES = ["BBB", "CCC", "DDD"] * 3 + ["AAA", "HHH"]  # hosts now and then
DATES = ["2022-01-01", "2022-02-15", "2022-04-01", None]


@st.composite
def tiny_scenarios(draw: st.DrawFn) -> dict:
    n_requirements = draw(st.integers(1, 3))
    requirements = []
    for index in range(n_requirements):
        extra = {}
        if draw(st.integers(0, 2)) == 0:
            extra["min_readiness"] = draw(st.sampled_from(["level2", "level3", "rapid"]))
        needed_by = draw(st.sampled_from([*DATES, None, None]))
        if needed_by:
            extra["needed_by"] = needed_by
        if draw(st.integers(0, 3)) == 0:
            extra["require_language"] = draw(st.sampled_from(["en", "fr"]))
        requirements.append(
            req(
                f"R{index}",
                mission=draw(st.sampled_from(MISSIONS)),
                capability=draw(st.sampled_from(CAPABILITIES)),
                quantity=draw(st.integers(1, 2)),
                priority=draw(st.sampled_from(["critical", "high", "normal"])),
                **extra,
            )
        )
    asked = sorted({requirement["capability"] for requirement in requirements})
    pledges = []
    for index in range(draw(st.integers(1, 4))):
        extra = {}
        if draw(st.integers(0, 2)) == 0:
            extra["available_from"] = draw(st.sampled_from(DATES[:3]))
        if draw(st.integers(0, 5)) == 0:
            extra["caveats"] = {
                draw(st.sampled_from(["exclude_missions", "only_missions"])): [
                    draw(st.sampled_from(MISSIONS))
                ]
            }
        if draw(st.integers(0, 2)) == 0:
            extra["needs_equipment"] = {"item": "heli", "per_unit": draw(st.integers(1, 3))}
        if draw(st.integers(0, 2)) == 0:
            extra["needs_training"] = True
        extra["cost_per_unit"] = float(draw(st.integers(0, 3)))
        pledges.append(
            pledge(
                f"P{index}",
                state=draw(st.sampled_from(PLEDGING_STATES)),
                capability=draw(st.sampled_from(asked)),
                quantity=draw(st.integers(1, 2)),
                readiness=draw(
                    st.sampled_from(["level1", "level2", "level3", "level3", "rapid", "rapid"])
                ),
                **extra,
            )
        )
    n_donations = draw(st.integers(0, 2))
    if n_donations == 0:
        for item in pledges:
            item.pop("needs_equipment", None)
    donations = [
        {
            "id": f"D{index}",
            "donor": "DDD",
            "item": "heli",
            "quantity": draw(st.integers(1, 5)),
            "eligible_recipients": draw(
                st.lists(st.sampled_from(STATES), min_size=2, max_size=4, unique=True)
            ),
        }
        for index in range(n_donations)
    ]
    trainings = [
        {
            "id": f"T{index}",
            "trainer": "AAA",
            "capability": draw(st.sampled_from(asked)),
            "capacity": draw(st.integers(1, 2)),
            "lead_time_days": draw(st.sampled_from([0, 30, 60, 120])),
            "cost_per_unit": float(draw(st.integers(0, 2))),
            "eligible_trainees": draw(
                st.lists(st.sampled_from(STATES), min_size=2, max_size=4, unique=True)
            ),
        }
        for index in range(draw(st.integers(0, 2)))
    ]
    setting: dict = {}
    if draw(st.integers(0, 3)) == 0:
        setting["budget"] = float(draw(st.integers(0, 6)))
    if draw(st.integers(0, 3)) == 0:
        setting["max_units_per_state_per_mission"] = 1
    return scenario_data(requirements, pledges, donations, trainings, setting or None)


FEW = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# One property, two runs: HiGHS on a few examples in the quick loop; HiGHS and CBC on many in the
# full suite (conftest.py).
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_scenarios())
def test_weighted_gap_equals_exhaustive_search(data: dict) -> None:
    _weighted_gap_equals_exhaustive_search(data, "highs")


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["highs", "cbc"])
@FEW
@given(tiny_scenarios())
def test_weighted_gap_equals_exhaustive_search_on_many_examples(solver: str, data: dict) -> None:
    _weighted_gap_equals_exhaustive_search(data, solver)


def _weighted_gap_equals_exhaustive_search(data: dict, solver: str) -> None:
    scenario = scenario_from_data(data)
    expected = reference.optimal_weighted_gap(scenario)
    result = run(scenario, solver)
    assert result.status.value == "optimal"
    assert abs(result.weighted_gap - expected) < 1e-6, solver
    x = {(a.pledge, a.training, a.requirement): a.units for a in result.assignments}
    assert reference.feasible(scenario, x)
    assert abs(reference.weighted_gap(scenario, x) - expected) < 1e-6


# One property, two runs: a few examples in the quick loop, many in the full suite (conftest.py).
@settings(max_examples=40, deadline=None)
@given(tiny_scenarios())
def test_vectorized_eligibility_equals_reference(data: dict) -> None:
    _vectorized_eligibility_equals_reference(data)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(tiny_scenarios())
def test_vectorized_eligibility_equals_reference_on_many_examples(data: dict) -> None:
    _vectorized_eligibility_equals_reference(data)


def _vectorized_eligibility_equals_reference(data: dict) -> None:
    scenario = scenario_from_data(data)
    enc = encode(scenario)
    o, r = eligible_pairs(enc)
    got = {
        (
            enc.pledge_ids[enc.option_pledge[oi]],
            None if enc.option_training[oi] < 0 else enc.training_ids[enc.option_training[oi]],
            enc.requirement_ids[ri],
        )
        for oi, ri in zip(o.tolist(), r.tolist(), strict=True)
    }
    assert got == set(reference.eligible_triples(scenario))
    # the per-pair verdicts name the same blocking rules
    for option in range(enc.option_pledge.size):
        ready = enc.day(int(enc.option_ready[option]))
        for requirement in range(len(enc.requirement_ids)):
            assert failed_rules(enc, option, requirement) == reference.blocking_rules(
                scenario,
                enc.pledge_ids[enc.option_pledge[option]],
                ready,
                enc.requirement_ids[requirement],
            )


def test_every_rule_has_a_reference_counterpart() -> None:
    assert set(RULE_NAMES) == {
        "capability",
        "readiness",
        "host",
        "caveat_exclude",
        "caveat_only",
        "language",
        "date",
        "equipment",
    }


def test_secondary_objective_never_worsens_the_weighted_gap(solver: str) -> None:
    # P1 (French speaker, close, cheap) is by far the better fit for the normal requirement R2 in M1, but
    # only P1 can serve the critical R1 (French required): the gap ranks first.
    scenario = build(
        [
            req("R1", mission="M2", require_language="fr", priority="critical"),
            req("R2", mission="M1", preferred_language="fr"),
        ],
        [pledge("P1", state="BBB"), pledge("P2", state="DDD", cost_per_unit=1e6)],
    )
    result = run(scenario, solver)
    assert result.weighted_gap == 0
    assert units(result) == {("P1", "R1"): 1, ("P2", "R2"): 1}


def test_secondary_objective_picks_the_more_suitable_pledge(solver: str) -> None:
    # Either pledge closes the gap; P2 speaks the preferred language, is ready sooner and cheaper.
    scenario = build(
        [req("R1", mission="M1", preferred_language="fr")],
        [
            pledge("P1", state="DDD", cost_per_unit=2e6, available_from="2022-06-01"),
            pledge("P2", state="BBB", cost_per_unit=1e6),
        ],
    )
    result = run(scenario, solver)
    assert units(result) == {("P2", "R1"): 1}
    stages = {stage.objective: stage for stage in result.stages}
    assert stages["weighted_gap"].status == "optimal" and stages["suitability"].status == "optimal"


def test_stage_two_keeps_stage_one_optimum_on_many_ties(solver: str) -> None:
    # Six interchangeable units over three requirements of three priorities: gap and score tie-breaks.
    scenario = build(
        [
            req("R1", quantity=3, priority="critical"),
            req("R2", quantity=3, mission="M2", priority="high"),
            req("R3", quantity=3, mission="M2"),
        ],
        [pledge("P1", quantity=4), pledge("P2", state="CCC", quantity=2)],
    )
    result = run(scenario, solver)
    assert result.weighted_gap == 3  # critical and high filled, the normal one empty
    assert [r.allocated for r in result.requirements] == [3, 3, 0]


def test_same_input_same_answer(solver: str) -> None:
    data = scenario_data(
        [req(f"R{i}", mission=MISSIONS[i % 2], quantity=2) for i in range(6)],
        [pledge(f"P{i}", state=STATES[i % 4], quantity=2) for i in range(8)],
    )
    first = run(scenario_from_data(data), solver).to_dict()
    second = run(scenario_from_data(data), solver).to_dict()
    for volatile in ("timings", "stages", "solve_time"):
        first.pop(volatile), second.pop(volatile)
    assert first == second


def test_scores_lie_in_the_weighted_feature_range() -> None:
    scenario = build(
        [req("R1", preferred_language="fr")],
        [pledge("P1", women_share=0.3), pledge("P2", state="CCC")],
    )
    enc = encode(scenario)
    o, r = eligible_pairs(enc)
    from gapsolver.preprocess.scoring import FEATURES, score_pairs

    scores = score_pairs(enc, o, r)
    for name in FEATURES:
        assert np.all((scores.features[name] >= 0) & (scores.features[name] <= 1)), name
    assert scores.features["women"].tolist() == [1.0, 0.0]  # 30% ≥ the 15% military target
    assert scores.features["language"].tolist() == [1.0, 1.0]
