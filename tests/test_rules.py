"""Every rule of the model binds somewhere: small hand-checked cases with known optimal weighted gaps,
on both solvers. Default priority weights: critical 100, high 10, normal 1."""

from __future__ import annotations

import pytest
from conftest import allocated, build, pledge, req, run, units


def test_capability_must_match(solver: str) -> None:
    scenario = build([req("R1", capability="inf")], [pledge("P1", capability="uh")])
    result = run(scenario, solver)
    assert result.weighted_gap == 1
    assert result.assignments == []


@pytest.mark.parametrize(("readiness", "gap"), [("level2", 1), ("level3", 0), ("rapid", 0)])
def test_readiness_at_least_min_readiness(solver: str, readiness: str, gap: int) -> None:
    scenario = build(
        [req("R1", min_readiness="level3", priority="high")], [pledge("P1", readiness=readiness)]
    )
    assert run(scenario, solver).weighted_gap == 10 * gap


def test_host_state_never_serves_its_own_mission(solver: str) -> None:
    # HHH hosts M1; its pledge can only go to M2.
    scenario = build(
        [req("R1", mission="M1"), req("R2", mission="M2")], [pledge("P1", state="HHH", quantity=2)]
    )
    result = run(scenario, solver)
    assert allocated(result) == {"R1": 0, "R2": 1}
    assert result.weighted_gap == 1


def test_co_host_is_a_host_too(solver: str) -> None:
    data_scenario = build([req("R1", mission="M1")], [pledge("P1", state="BBB")])
    missions = [
        m.model_copy(update={"co_hosts": ["BBB"]}) if m.id == "M1" else m
        for m in data_scenario.missions
    ]
    scenario = data_scenario.model_copy(update={"missions": missions})
    assert run(scenario, solver).weighted_gap == 1


def test_caveat_exclude_missions(solver: str) -> None:
    scenario = build(
        [req("R1", mission="M1", priority="critical"), req("R2", mission="M2")],
        [pledge("P1", quantity=1, caveats={"exclude_missions": ["M1"]})],
    )
    result = run(scenario, solver)
    assert allocated(result) == {"R1": 0, "R2": 1}
    assert result.weighted_gap == 100


def test_caveat_only_missions(solver: str) -> None:
    scenario = build(
        [req("R1", mission="M1", priority="critical"), req("R2", mission="M2")],
        [pledge("P1", quantity=2, caveats={"only_missions": ["M2"]})],
    )
    result = run(scenario, solver)
    assert allocated(result) == {"R1": 0, "R2": 1}
    assert result.weighted_gap == 100


def test_required_language_is_hard_preferred_language_is_soft(solver: str) -> None:
    scenario = build(
        [
            req("R1", mission="M2", require_language="fr", priority="high"),
            req("R2", mission="M2", preferred_language="fr"),
        ],
        [pledge("P1", state="DDD", quantity=2), pledge("P2", state="CCC", quantity=1)],
    )
    result = run(scenario, solver)
    # DDD speaks no French: it cannot serve R1 but may serve R2; CCC must go to R1.
    assert units(result) == {("P2", "R1"): 1, ("P1", "R2"): 1}
    assert result.weighted_gap == 0


def test_available_from_after_needed_by(solver: str) -> None:
    scenario = build(
        [req("R1", needed_by="2022-03-01", priority="high")],
        [
            pledge("P1", available_from="2022-03-02"),
            pledge("P2", state="CCC", available_from="2022-03-01"),
        ],
    )
    result = run(scenario, solver)
    assert units(result) == {("P2", "R1"): 1}
    assert result.weighted_gap == 0


def test_training_lead_time_sets_readiness_date(solver: str) -> None:
    # Two courses for DDD's crews: the slow one (120 days) misses needed_by, the fast one (30) fits
    # but has one seat. needed_by is 60 days after start.
    scenario = build(
        [req("R1", capability="uh", quantity=2, needed_by="2022-03-02", priority="critical")],
        [pledge("P1", state="DDD", capability="uh", quantity=2, needs_training=True)],
        trainings=[
            {
                "id": "SLOW",
                "trainer": "AAA",
                "capability": "uh",
                "capacity": 5,
                "lead_time_days": 120,
                "eligible_trainees": ["DDD"],
            },
            {
                "id": "FAST",
                "trainer": "CCC",
                "capability": "uh",
                "capacity": 1,
                "lead_time_days": 30,
                "eligible_trainees": ["DDD"],
            },
        ],
    )
    result = run(scenario, solver)
    assert result.weighted_gap == 100
    assert [(a.training, a.units, a.ready) for a in result.assignments] == [
        ("FAST", 1, "2022-01-31")
    ]


def test_training_capacity_binds(solver: str) -> None:
    scenario = build(
        [req("R1", capability="uh", quantity=3, priority="high")],
        [pledge("P1", state="DDD", capability="uh", quantity=3, needs_training=True)],
        trainings=[
            {
                "id": "T1",
                "trainer": "AAA",
                "capability": "uh",
                "capacity": 2,
                "eligible_trainees": ["DDD"],
            }
        ],
    )
    result = run(scenario, solver)
    assert result.weighted_gap == 10
    assert [(t.training, t.seats_used) for t in result.trainings] == [("T1", 2)]


def test_training_must_list_the_trainee(solver: str) -> None:
    scenario = build(
        [req("R1", capability="uh")],
        [pledge("P1", state="DDD", capability="uh", needs_training=True)],
        trainings=[
            {
                "id": "T1",
                "trainer": "AAA",
                "capability": "uh",
                "capacity": 2,
                "eligible_trainees": ["BBB"],
            }
        ],
    )
    assert run(scenario, solver).weighted_gap == 1


def test_donated_items_per_unit_bind(solver: str) -> None:
    # 7 helicopters, 3 per unit: two units can fly, not three.
    scenario = build(
        [req("R1", capability="uh", quantity=3, priority="critical")],
        [
            pledge(
                "P1",
                state="CCC",
                capability="uh",
                quantity=3,
                needs_equipment={"item": "heli", "per_unit": 3},
            )
        ],
        donations=[
            {
                "id": "D1",
                "donor": "DDD",
                "item": "heli",
                "quantity": 7,
                "eligible_recipients": ["CCC"],
            }
        ],
    )
    result = run(scenario, solver)
    assert result.weighted_gap == 100
    assert [(d.donation, d.recipient, d.items) for d in result.donations] == [("D1", "CCC", 6)]


def test_donations_pool_per_recipient_and_split_between_recipients(solver: str) -> None:
    # Two donations of 4 and 2 helicopters; BBB and CCC each need 3 per unit. Only D1 may go to BBB.
    scenario = build(
        [req("R1", mission="M2", capability="uh", quantity=2, priority="critical")],
        [
            pledge(
                "PB", state="BBB", capability="uh", needs_equipment={"item": "heli", "per_unit": 3}
            ),
            pledge(
                "PC", state="CCC", capability="uh", needs_equipment={"item": "heli", "per_unit": 3}
            ),
        ],
        donations=[
            {
                "id": "D1",
                "donor": "DDD",
                "item": "heli",
                "quantity": 4,
                "eligible_recipients": ["BBB", "CCC"],
            },
            {
                "id": "D2",
                "donor": "AAA",
                "item": "heli",
                "quantity": 2,
                "eligible_recipients": ["CCC"],
            },
        ],
    )
    result = run(scenario, solver)
    assert result.weighted_gap == 0
    given = {(d.donation, d.recipient): d.items for d in result.donations}
    assert given[("D1", "BBB")] == 3
    assert given.get(("D1", "CCC"), 0) + given.get(("D2", "CCC"), 0) == 3
    assert sum(items for (donation, _), items in given.items() if donation == "D2") <= 2


def test_equipment_and_training_together(solver: str) -> None:
    scenario = build(
        [req("R1", capability="uh", quantity=2, priority="critical")],
        [
            pledge(
                "P1",
                state="CCC",
                capability="uh",
                quantity=2,
                needs_training=True,
                needs_equipment={"item": "heli", "per_unit": 2},
            )
        ],
        donations=[
            {
                "id": "D1",
                "donor": "DDD",
                "item": "heli",
                "quantity": 4,
                "eligible_recipients": ["CCC"],
            }
        ],
        trainings=[
            {
                "id": "T1",
                "trainer": "DDD",
                "capability": "uh",
                "capacity": 1,
                "eligible_trainees": ["CCC"],
            }
        ],
    )
    result = run(scenario, solver)
    assert result.weighted_gap == 100  # items for 2, a seat for 1
    assert [(d.items) for d in result.donations] == [2]


def test_pledge_quantity_and_requirement_quantity_bind(solver: str) -> None:
    scenario = build(
        [req("R1", quantity=2), req("R2", quantity=5, mission="M2")],
        [pledge("P1", quantity=4)],
    )
    result = run(scenario, solver)
    assert result.weighted_gap == 3  # 7 units asked, 4 offered
    assert allocated(result)["R1"] <= 2
    assert sum(allocated(result).values()) == 4


def test_priority_wins_contention(solver: str) -> None:
    scenario = build(
        [
            req("R1", quantity=1),
            req("R2", quantity=1, priority="critical"),
            req("R3", quantity=1, priority="high", mission="M2"),
        ],
        [pledge("P1", quantity=2)],
    )
    result = run(scenario, solver)
    assert allocated(result) == {"R1": 0, "R2": 1, "R3": 1}
    assert result.weighted_gap == 1


def test_budget_binds(solver: str) -> None:
    # Budget 3.0M: a 2.5M unit for the critical requirement leaves 0.5M, enough for one 0.4M unit.
    scenario = build(
        [req("R1", priority="critical"), req("R2", mission="M2", quantity=2)],
        [
            pledge("P1", cost_per_unit=2_500_000.0),
            pledge(
                "P2",
                state="CCC",
                quantity=2,
                cost_per_unit=400_000.0,
                caveats={"only_missions": ["M2"]},
            ),
        ],
        settings={"budget": 3_000_000.0},
    )
    unlimited = scenario.model_copy(
        update={"settings": scenario.settings.model_copy(update={"budget": None})}
    )
    assert run(unlimited, solver).weighted_gap == 0
    result = run(scenario, solver)
    assert result.weighted_gap == 1
    assert result.cost <= 3_000_000
    assert units(result)[("P1", "R1")] == 1


def test_training_cost_counts_against_budget(solver: str) -> None:
    scenario = build(
        [req("R1", capability="uh", quantity=2)],
        [
            pledge(
                "P1",
                state="DDD",
                capability="uh",
                quantity=2,
                needs_training=True,
                cost_per_unit=100.0,
            )
        ],
        trainings=[
            {
                "id": "T1",
                "trainer": "AAA",
                "capability": "uh",
                "capacity": 2,
                "cost_per_unit": 50.0,
                "eligible_trainees": ["DDD"],
            }
        ],
        settings={"budget": 200.0},
    )
    result = run(scenario, solver)
    assert result.weighted_gap == 1  # one unit costs 150, two would cost 300
    assert result.cost == 150


def test_max_units_per_state_per_mission_binds(solver: str) -> None:
    scenario = build(
        [req("R1", quantity=3, priority="high"), req("R2", quantity=1, priority="high")],
        [pledge("P1", quantity=4), pledge("P2", state="CCC", quantity=1)],
        settings={"max_units_per_state_per_mission": 2},
    )
    result = run(scenario, solver)
    # BBB may send 2 to M1, CCC 1 more: 3 of the 4 units of M1 are filled.
    assert result.weighted_gap == 10
    by_state: dict[str, int] = {}
    for assignment in result.assignments:
        by_state[assignment.state] = by_state.get(assignment.state, 0) + assignment.units
    assert by_state == {"BBB": 2, "CCC": 1}


def test_priority_weights_are_settings(solver: str) -> None:
    scenario = build(
        [
            req("R1", quantity=1, priority="normal"),
            req("R2", quantity=2, mission="M2", priority="high"),
        ],
        [
            pledge("P1", quantity=2, caveats={"only_missions": ["M1"]}),
            pledge("P2", state="CCC", quantity=1),
        ],
        settings={"priority_weights": {"critical": 100.0, "high": 3.0, "normal": 2.0}},
    )
    result = run(scenario, solver)
    assert result.weighted_gap == 3  # R2 gets CCC's unit, R1 gets BBB's: one high unit short


def test_empty_scenario_solves(solver: str) -> None:
    result = run(build([], []), solver)
    assert result.weighted_gap == 0
    assert result.status.value == "optimal"
