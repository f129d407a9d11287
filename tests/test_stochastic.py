"""The two-stage stochastic plan: a hand-checked case where hedging pays (SP, EEV and WS counted from
the sampler's own draws), WS ≤ SP ≤ EEV on random scenarios, every sample's assignments a plan of
that sample's own model within the commitments, evaluation with the first stage fixed, the CVaR,
the reference scenario in and out of sample, determinism and the JSON forms."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from conftest import build, pledge, req, scenario_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_optimality import tiny_scenarios

from gapsolver import load_scenario, scenario_from_data, solve_scenario
from gapsolver.analysis import stochastic
from gapsolver.analysis.robust import materialized, robust, sample_scenario
from gapsolver.analysis.stochastic import (
    Cvar,
    ExtensiveForm,
    deterministic_plan,
    draw,
    evaluate_plan,
    plan_problems,
    read_plan_file,
    stochastic_plan,
    stochastic_programme,
    value_at_risk,
)
from gapsolver.exceptions import InputError
from gapsolver.model.build import build_model
from gapsolver.model.model import violations
from gapsolver.postprocess.extract import trimmed_gifts
from gapsolver.preprocess.encode import NONE, encode
from gapsolver.report.common import printer
from gapsolver.report.stochastic import print_plan_evaluation, print_stochastic
from gapsolver.schema import Scenario
from gapsolver.schema.stochastic import CommittedPlan, PlanEvaluation, StochasticReport

HELI = {"item": "heli", "per_unit": 3}


def hedging() -> Scenario:
    """R1 (critical infantry) has two pledges, A the better suited (rapid readiness), each
    materializing with probability ½; R2 (critical helicopter unit) has PX (the better suited)
    and PY, each needing the 3 helicopters of donation D, which must be committed to one of
    their states before anyone knows which materializes."""
    return build(
        [
            req("R1", priority="critical"),
            req("R2", mission="M2", capability="uh", priority="critical"),
        ],
        [
            pledge("A", state="BBB", readiness="rapid", reliability=0.5),
            pledge("B", state="CCC", readiness="level1", reliability=0.5),
            pledge(
                "PX",
                state="BBB",
                capability="uh",
                readiness="rapid",
                reliability=0.5,
                needs_equipment=HELI,
            ),
            pledge(
                "PY",
                state="DDD",
                capability="uh",
                readiness="level1",
                reliability=0.5,
                needs_equipment=HELI,
            ),
        ],
        donations=[
            {
                "id": "D",
                "donor": "CCC",
                "item": "heli",
                "quantity": 3,
                "eligible_recipients": ["BBB", "DDD"],
            }
        ],
    )


def units_of(plan: CommittedPlan) -> dict[str, int]:
    return {row.pledge: row.units for row in plan.pledges}


def items_of(plan: CommittedPlan) -> dict[tuple[str, str], int]:
    return {(row.donation, row.recipient): row.items for row in plan.donations}


def test_hedging_by_hand() -> None:
    """SP, EEV and WS counted from the draws: with seed 12 and 40 samples, A fails in 25, A and B
    both in 10, PX in 22, PY in 14, PX and PY both in 8."""
    scenario = hedging()
    samples, seed = 40, 12
    drawn = np.array([materialized(scenario, seed, i)["pledges"] for i in range(samples)])
    a, b, x, y = drawn.T
    assert ((~a).sum(), (~a & ~b).sum(), (~x).sum(), (~y).sum(), (~x & ~y).sum()) == (
        25,
        10,
        22,
        14,
        8,
    )
    report = stochastic_plan(scenario, samples, seed)
    # deterministic: A (better suited) alone for R1; PX (better suited) with D's helicopters
    assert units_of(report.deterministic_plan) == {"A": 1, "PX": 1}
    assert items_of(report.deterministic_plan) == {("D", "BBB"): 3}
    # stochastic: both infantry pledges called forward; D to DDD, whose PY fails less often here
    assert units_of(report.plan) == {"A": 1, "B": 1, "PY": 1}
    assert items_of(report.plan) == {("D", "DDD"): 3}
    # each short sample costs 100 (critical)
    assert (
        report.eev.mean == 100 * (25 + 22) / 40 == 117.5
    )  # R1 short when A fails, R2 when PX does
    assert report.sp.mean == 100 * (10 + 14) / 40 == 60.0  # R1 when both fail, R2 when PY does
    assert report.ws.mean == 100 * (10 + 8) / 40 == 45.0  # D goes where a pledge materialized
    assert report.vss == 57.5 and report.evpi == 15.0 and report.ordered
    assert report.status.value == "optimal"
    for run in report.runs:
        i = run.index
        assert run.deterministic == 100 * ((not a[i]) + (not x[i]))
        assert run.stochastic == 100 * ((not a[i] and not b[i]) + (not y[i]))
        assert run.perfect_information == 100 * ((not a[i] and not b[i]) + (not x[i] and not y[i]))
    # out of sample, on fresh draws: the hedge holds (expected 25 + 50 against 50 + 50)
    hedged = evaluate_plan(scenario, report.plan, 400, seed=1000)
    plain = evaluate_plan(scenario, report.deterministic_plan, 400, seed=1000)
    assert hedged.weighted_gap.mean < plain.weighted_gap.mean
    assert hedged.nominal.weighted_gap == plain.nominal.weighted_gap == 0.0


def test_cvar_value_and_plan() -> None:
    values = np.array([0.0, 5.0, 1.0, 9.0, 3.0, 3.0])
    weights = np.array([1.0, 2.0, 1.0, 1.0, 3.0, 2.0])
    for alpha in (0.0, 0.3, 0.5, 0.8, 0.95):
        # Rockafellar–Uryasev: the minimum over η of η + E[(G − η)⁺] / (1 − α), at some value
        brute = min(
            eta + float(weights @ np.maximum(values - eta, 0)) / (weights.sum() * (1 - alpha))
            for eta in values
        )
        assert value_at_risk(values, weights, alpha)[1] == pytest.approx(brute)
    assert value_at_risk(values, weights, 0.0)[1] == pytest.approx(values @ weights / weights.sum())

    scenario = hedging()
    mean_only = stochastic_plan(scenario, 40, 12)
    risky = stochastic_plan(scenario, 40, 12, cvar=Cvar(alpha=0.8, weight=2.0))
    gaps = np.array([run.stochastic for run in risky.runs])
    tail = value_at_risk(gaps, np.ones(gaps.size), 0.8)[1]
    assert risky.sp.cvar == pytest.approx(tail)
    assert risky.sp.objective == pytest.approx(gaps.mean() + 2.0 * tail)
    assert risky.ordered and risky.cvar_alpha == 0.8 and risky.cvar_weight == 2.0
    # the mean-risk plan's CVaR is no worse than the mean plan's (the latter has the least mean)
    mean_tail = value_at_risk(
        np.array([run.stochastic for run in mean_only.runs]), np.ones(40), 0.8
    )[1]
    assert risky.sp.cvar <= mean_tail + 1e-9


def assert_samples_are_plans(
    scenario: Scenario,
    samples: int,
    seed: int,
    form: ExtensiveForm,
    values: np.ndarray,
    plan: CommittedPlan,
) -> None:
    """Each pattern's assignments: a feasible plan of its sampled scenario's own model (every rule
    and family, built from scratch), within what the first stage committed."""
    draws = draw(scenario, samples, seed)
    base = form.base
    enc = base.enc
    units = units_of(plan)
    items = items_of(plan)
    seats: dict[tuple[str, str | None], int] = {(r.training, r.state): r.seats for r in plan.seats}
    pair_pledge = enc.option_pledge[base.pair_option]
    pair_training = enc.option_training[base.pair_option]
    for g in range(form.patterns):
        index = int(np.flatnonzero(draws.pattern == g)[0])
        sampled, dropped = sample_scenario(scenario, seed, index)
        own = build_model(encode(sampled))
        position = {name: j for j, name in enumerate(own.col_names)}
        mine = form.sample_plan(values, g)
        used = mine.copy()
        used[base.n_pairs :] = trimmed_gifts(base, mine)
        plan_values = np.zeros(own.n_cols)
        for j in np.flatnonzero(used).tolist():
            plan_values[position[base.col_names[j]]] = used[j]  # a column the sample has
        assert violations(own, plan_values) == []
        x = mine[: base.n_pairs]
        for p, n in enumerate(np.bincount(pair_pledge, weights=x, minlength=len(enc.pledge_ids))):
            assert n <= units.get(enc.pledge_ids[p], 0) + 1e-9
            if n:
                assert enc.pledge_ids[p] not in dropped["pledges"]
        trained = pair_training != NONE
        for t in set(pair_training[trained].tolist()):
            states = {None} if not plan.seats_by_state else set(enc.state_ids)
            for state in states:
                mask = trained & (pair_training == t)
                if state is not None:
                    mask &= enc.pledge_state[pair_pledge] == enc.state_ids.index(state)
                assert x[mask].sum() <= seats.get((enc.training_ids[t], state), 0) + 1e-9
        for j in np.flatnonzero(used[base.n_pairs :]).tolist():
            donation = enc.donation_ids[base.give_donation[j]]
            recipient = enc.state_ids[base.give_state[j]]
            assert donation not in dropped["donations"]
            assert used[base.n_pairs + j] <= items.get((donation, recipient), 0)


def binding() -> Scenario:
    """A budget and a state–mission cap that bind in some samples, a course and a donation."""
    return build(
        [
            req("R", quantity=3, priority="critical"),
            req("S", mission="M2", quantity=2, priority="high"),
            req("H", mission="M2", capability="uh", priority="critical"),
        ],
        [
            pledge("P1", state="BBB", quantity=3, cost_per_unit=2.0, reliability=0.6),
            pledge("P2", state="CCC", quantity=2, cost_per_unit=1.0, reliability=0.6),
            pledge("P3", state="DDD", quantity=2, cost_per_unit=3.0, reliability=0.9),
            pledge(
                "P4",
                state="BBB",
                capability="uh",
                needs_equipment=HELI,
                needs_training=True,
                reliability=0.7,
            ),
            pledge("P5", state="CCC", capability="uh", needs_training=True, reliability=0.7),
        ],
        donations=[
            {
                "id": "D",
                "donor": "DDD",
                "item": "heli",
                "quantity": 3,
                "eligible_recipients": ["BBB", "CCC"],
                "reliability": 0.8,
            }
        ],
        trainings=[
            {
                "id": "T",
                "trainer": "AAA",
                "capability": "uh",
                "capacity": 1,
                "eligible_trainees": ["BBB", "CCC"],
                "reliability": 0.8,
            }
        ],
        settings={"budget": 8.0, "max_units_per_state_per_mission": 2},
    )


@pytest.mark.parametrize("seats_by_state", [False, True])
def test_every_rule_holds_in_every_sample(seats_by_state: bool) -> None:
    scenario = binding()
    report, form, values = stochastic_programme(scenario, 30, 4, seats_by_state=seats_by_state)
    assert report.ordered and report.status.value == "optimal"
    assert all((row.state is not None) == seats_by_state for row in report.plan.seats)
    assert_samples_are_plans(scenario, 30, 4, form, values, report.plan)
    # the budget and the cap bind somewhere (so the check above has teeth)
    tight = {"budget": False, "state_mission_cap": False}
    for g in range(form.patterns):
        use = form.base.use(form.sample_plan(values, g))
        for family in tight:
            rows = use.family(family)
            assert rows is not None
            tight[family] |= bool(np.any(rows.activity >= rows.upper - 1e-9))
    assert tight == {"budget": True, "state_mission_cap": True}


def with_reliabilities(data: dict, levels: list[float]) -> dict:
    for kind in ("pledges", "donations", "trainings"):
        for i, element in enumerate(data[kind]):
            element["reliability"] = levels[(i + len(kind)) % len(levels)]
    return data


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tiny_scenarios(),
    st.lists(st.sampled_from([1.0, 0.8, 0.5, 0.2]), min_size=1, max_size=4),
    st.integers(0, 5),
)
def test_ws_sp_eev_ordered_on_random_scenarios(data: dict, levels: list[float], seed: int) -> None:
    scenario = scenario_from_data(with_reliabilities(data, levels))
    report, form, values = stochastic_programme(scenario, 6, seed)
    assert report.status.value == "optimal"
    assert report.ordered
    assert report.ws.objective <= report.sp.objective + 1e-9 <= report.eev.objective + 2e-9
    for run in report.runs:  # per sample, perfect information is the least gap
        assert run.perfect_information <= min(run.stochastic, run.deterministic) + 1e-9
    assert_samples_are_plans(scenario, 6, seed, form, values, report.plan)


def certain(scenario: Scenario) -> Scenario:
    return scenario.model_copy(
        update={
            kind: [e.model_copy(update={"reliability": 1.0}) for e in getattr(scenario, kind)]
            for kind in ("pledges", "donations", "trainings")
        }
    )


@pytest.fixture(scope="module")
def reference() -> Scenario:
    return load_scenario("scenarios/seoul-2021.yaml")[0]


def test_reliability_one_gives_the_deterministic_optimum(reference: Scenario) -> None:
    scenario = certain(reference)
    optimum = solve_scenario(scenario).weighted_gap
    plan = deterministic_plan(scenario, solve_scenario(scenario))
    evaluation = evaluate_plan(scenario, plan, 5, seed=3)
    assert {run.weighted_gap for run in evaluation.runs} == {optimum}
    assert evaluation.nominal.weighted_gap == optimum == evaluation.weighted_gap.worst
    report = stochastic_plan(scenario, 5, seed=3)
    assert report.distinct_samples == 1 and report.note
    assert report.sp.mean == report.eev.mean == report.ws.mean == optimum
    assert report.plan == plan.model_copy(update={"source": "stochastic"})  # nothing to hedge


def test_reference_in_and_out_of_sample(reference: Scenario) -> None:
    """N = 20 in sample (seed 1), judged on 100 fresh samples (seed 1001): the stochastic plan
    hedges ETH's and NER's trained units (their courses' seats serve whichever materializes) and is
    no worse than the deterministic plan out of sample."""
    report = stochastic_plan(reference, 20, 1)
    assert report.ordered and report.status.value == "optimal"
    assert report.ws.mean <= report.sp.mean <= report.eev.mean
    assert report.vss > 0
    hedges = set(units_of(report.plan)) - set(units_of(report.deterministic_plan))
    assert hedges == {"ETH-eng_coy-2", "NER-fpu-1"}
    ours = evaluate_plan(reference, report.plan, 100, seed=1001)
    theirs = evaluate_plan(reference, report.deterministic_plan, 100, seed=1001)
    assert ours.weighted_gap.mean <= theirs.weighted_gap.mean + 1e-9
    assert ours.nominal == theirs.nominal  # everything materializing: both reach the optimum
    out = io.StringIO()
    print_stochastic(report, printer("table", out))
    print_plan_evaluation(ours, printer("table", out))
    text = out.getvalue()
    for words in (
        "stochastic (SP)",
        "VSS (EEV − SP)",
        "Pledges called forward",
        "ETH-eng_coy-2",
        "Committed plan across samples",
        "Requirements most often short",
    ):
        assert words in text, words


def test_ws_is_robust_and_the_priced_path_agrees(
    reference: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WS is `robust`'s mean on the same draws; the programme solved by pricing (as large forms
    are) gives the same figures and plan as on the whole form."""
    whole = stochastic_plan(reference, 12, 5)
    assert whole.ws.mean == robust(reference, 12, 5).weighted_gap.mean
    monkeypatch.setattr(stochastic, "PRICED_COLUMNS", 0)
    priced = stochastic_plan(reference, 12, 5)
    assert priced.stages[1].method.startswith("priced")  # stage 1: the hedge meets WS
    assert (priced.sp, priced.eev, priced.ws) == (whole.sp, whole.eev, whole.ws)
    assert priced.stages[1].value == whole.stages[1].value  # the same commitment size
    assert priced.stages[2].value == pytest.approx(whole.stages[2].value, rel=1e-4)


def without_timings(report: StochasticReport) -> dict:
    data = report.to_dict()
    data.pop("timings"), data.pop("solve_time")
    for stage in data["stages"]:
        stage.pop("seconds")
    return data


def test_same_seed_same_answer_and_json_round_trip(tmp_path) -> None:
    scenario = binding()
    one = stochastic_plan(scenario, 25, 9)
    two = stochastic_plan(scenario, 25, 9)
    assert without_timings(one) == without_timings(two)
    other = stochastic_plan(scenario, 25, 10)
    assert [run.dropped for run in other.runs] != [run.dropped for run in one.runs]
    assert StochasticReport.model_validate(json.loads(json.dumps(one.to_dict()))) == one
    evaluation = evaluate_plan(scenario, one.plan, 30, 2, cvar_alpha=0.9)
    assert evaluation == evaluate_plan(scenario, one.plan, 30, 2, cvar_alpha=0.9).model_copy(
        update={"solve_time": evaluation.solve_time}
    )
    assert PlanEvaluation.model_validate(json.loads(json.dumps(evaluation.to_dict()))) == evaluation
    assert "cvar_alpha" not in one.to_dict() and evaluation.cvar is not None

    # a committed plan read back from a stochastic report and from a solve's result file
    report_file = tmp_path / "stochastic.json"
    report_file.write_text(json.dumps(one.to_dict()))
    assert read_plan_file(report_file, scenario) == one.plan
    result = solve_scenario(scenario)
    result_file = tmp_path / "result.json"
    result_file.write_text(json.dumps(result.to_dict()))
    assert read_plan_file(result_file, scenario) == deterministic_plan(scenario, result)
    assert read_plan_file(result_file, scenario) == one.deterministic_plan


def test_a_plan_that_does_not_fit_is_refused(tmp_path) -> None:
    scenario = binding()
    plan = stochastic_plan(scenario, 5, 1).plan
    bad = plan.model_copy(
        update={
            "pledges": [
                plan.pledges[0].model_copy(update={"units": 99}),
                plan.pledges[0].model_copy(update={"pledge": "NOPE"}),
            ],
            "donations": [
                plan.donations[0].model_copy(update={"recipient": "DDD"}),
                plan.donations[0].model_copy(update={"items": 3}),
                plan.donations[0].model_copy(update={"items": 3}),
            ],
        }
    )
    problems = plan_problems(scenario, bad)
    assert [problem.path for problem in problems] == [
        "plan.donations[2]",  # a second row for the same donation and recipient
        "plan.pledges[0].units",
        "plan.pledges[1].pledge",
        "plan.donations[0].recipient",
        "plan.donations",
    ]
    with pytest.raises(InputError):
        evaluate_plan(scenario, bad, 5, 1)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(scenario_data([req("R")], [pledge("P")])))
    with pytest.raises(InputError):
        read_plan_file(path, scenario)


def test_a_form_too_large_is_refused_before_it_is_built(
    reference: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MAX_EXTENSIVE_CELLS: distinct samples × eligible pairs, counted after the draw."""
    pairs = build_model(encode(reference)).n_pairs
    monkeypatch.setattr(stochastic, "MAX_EXTENSIVE_CELLS", 10 * pairs - 1)
    with pytest.raises(InputError, match="cells in the extensive form"):
        stochastic_plan(reference, 10, 1)
    assert stochastic_plan(reference, 9, 1).distinct_samples == 9  # 9 × pairs fits
    with pytest.raises(InputError, match="samples: must be in"):
        stochastic_plan(reference, 5_001, 1)


def test_where_the_hedge_falls_short_of_ws_the_lp_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hedge (every pledge called forward, every seat) cannot re-route items: where EVPI > 0
    stage 1 is proven by its LP, on the whole form and by pricing alike."""
    whole = stochastic_plan(hedging(), 25, 9)
    assert whole.evpi > 0 and whole.stages[0].method != "hedge"
    monkeypatch.setattr(stochastic, "PRICED_COLUMNS", 0)
    priced = stochastic_plan(hedging(), 25, 9)
    assert priced.stages[0].method.startswith("priced")
    assert (priced.sp, priced.stages[1].value) == (whole.sp, whole.stages[1].value)


def test_the_hedge_is_proven_only_by_the_exact_ws_bound() -> None:
    """26 samples whose WS mean is 0.538461…: rounded to 6 decimals and scaled by N it rounded up to
    a bound above the true WS, and the hedge (0.576923, the deterministic item to AAA) passed as
    optimal. The optimum gives the helicopter to the certain BBB instead and reaches WS."""
    helicopter = {"item": "heli", "per_unit": 1}
    scenario = build(
        [req("R1", capability="uh"), req("R2")],
        [
            pledge("PA", state="AAA", capability="uh", needs_equipment=helicopter, reliability=0.9),
            pledge(
                "PB", state="BBB", capability="uh", needs_equipment=helicopter, cost_per_unit=9.0
            ),
            pledge("PC", state="CCC", reliability=0.5),
        ],
        donations=[
            {
                "id": "D1",
                "donor": "DDD",
                "item": "heli",
                "quantity": 1,
                "eligible_recipients": ["AAA", "BBB"],
            }
        ],
    )
    report = stochastic_plan(scenario, 26, 62)
    assert report.status.value == "optimal"
    assert report.sp.objective == report.ws.objective
    for stage in report.stages:
        assert stage.bound is None or stage.bound <= stage.value + 1e-9


def test_duplicates_negatives_and_non_finite_numbers_in_plan_files_are_refused(tmp_path) -> None:
    scenario = binding()
    plan = stochastic_plan(scenario, 5, 1).plan
    doubled = plan.model_copy(update={"pledges": [*plan.pledges, plan.pledges[0]]})
    assert [p.path for p in plan_problems(scenario, doubled)] == [
        f"plan.pledges[{len(plan.pledges)}]"
    ]
    result = solve_scenario(scenario).to_dict()
    result["assignments"][0]["units"] = -5
    result["donations"][0]["items"] = -3
    path = tmp_path / "negative.json"
    path.write_text(json.dumps(result))
    with pytest.raises(InputError) as error:
        read_plan_file(path, scenario)
    assert [p.path for p in error.value.problems] == ["assignments[0].units", "donations[0].items"]
    data = {"plan": plan.to_dict()}
    data["plan"]["pledges"][0]["reliability"] = float("nan")
    path.write_text(json.dumps(data))  # NaN, as Python's json writes it
    with pytest.raises(InputError, match="finite"):
        read_plan_file(path, scenario)
    # a plan's descriptions are the scenario's, whatever its file said
    wrong = plan.model_copy(
        update={"pledges": [plan.pledges[0].model_copy(update={"offered": 999})]}
    )
    assert evaluate_plan(scenario, wrong, 3, 1).plan.pledges[0].offered == plan.pledges[0].offered
