"""Enabling chains: the used chain, and each reason a conditional pledge could not be used."""

from __future__ import annotations

from conftest import build, pledge, req, run

from gapsolver.analysis.chains import enabling_chains

HELI = {"item": "heli", "per_unit": 3}


def _donation(quantity: int = 3, recipients: tuple[str, ...] = ("CCC",)) -> dict:
    return {
        "id": "D1",
        "donor": "DDD",
        "item": "heli",
        "quantity": quantity,
        "eligible_recipients": list(recipients),
    }


def _training(capacity: int = 2, trainees: tuple[str, ...] = ("CCC",), lead: int = 30) -> dict:
    return {
        "id": "T1",
        "trainer": "DDD",
        "capability": "uh",
        "capacity": capacity,
        "lead_time_days": lead,
        "eligible_trainees": list(trainees),
    }


def _chains(scenario):  # type: ignore[no-untyped-def]
    return {chain.pledge: chain for chain in enabling_chains(scenario, run(scenario))}


def test_the_chain_the_plan_used() -> None:
    scenario = build(
        [req("R1", mission="M2", capability="uh", priority="critical")],
        [pledge("P1", state="CCC", capability="uh", needs_equipment=HELI, needs_training=True)],
        donations=[_donation()],
        trainings=[_training()],
    )
    chain = _chains(scenario)["P1"]
    assert chain.used and chain.units == 1 and chain.needs == "equipment+training"
    assert [d.model_dump() for d in chain.donations] == [
        {"donation": "D1", "donor": "DDD", "items": 3}
    ]
    assert [t.model_dump() for t in chain.trainings] == [
        {"training": "T1", "trainer": "DDD", "seats": 1}
    ]
    assert [d.model_dump() for d in chain.deployments] == [
        {"requirement": "R1", "mission": "M2", "units": 1}
    ]
    assert chain.reason is None


def test_no_eligible_donor() -> None:
    scenario = build(
        [req("R1", mission="M2", capability="uh")],
        [pledge("P1", state="CCC", capability="uh", needs_equipment=HELI)],
        donations=[_donation(recipients=("BBB",))],
    )
    assert _chains(scenario)["P1"].reason.model_dump() == {
        "type": "no_eligible_donor",
        "item": "heli",
    }


def test_no_training_offered() -> None:
    scenario = build(
        [req("R1", mission="M2", capability="uh")],
        [pledge("P1", state="CCC", capability="uh", needs_training=True)],
        trainings=[_training(trainees=("BBB",))],
    )
    assert _chains(scenario)["P1"].reason.model_dump() == {
        "type": "no_training_offered",
        "capability": "uh",
    }


def test_lead_time_misses_every_needed_by() -> None:
    scenario = build(
        [req("R1", mission="M2", capability="uh", needed_by="2022-03-01")],
        [pledge("P1", state="CCC", capability="uh", needs_training=True)],
        trainings=[_training(lead=200)],
    )
    assert _chains(scenario)["P1"].reason.model_dump() == {
        "type": "lead_time_misses_needed_by",
        "ready": "2022-07-20",
        "trainings": ["T1"],
    }


def test_blocked_by_rules() -> None:
    scenario = build(
        [req("R1", mission="M2", capability="uh", min_readiness="rapid")],
        [pledge("P1", state="CCC", capability="uh", readiness="level2", needs_training=True)],
        trainings=[_training()],
    )
    assert _chains(scenario)["P1"].reason.model_dump() == {
        "type": "blocked_by_rules",
        "rules": {"readiness": 1},
    }


def test_no_training_seat() -> None:
    scenario = build(
        [req("R1", mission="M2", capability="uh", quantity=2, priority="critical")],
        [
            pledge("P1", state="CCC", capability="uh", needs_training=True),
            pledge("P2", state="BBB", capability="uh", needs_training=True),
        ],
        trainings=[_training(capacity=1, trainees=("CCC", "BBB"))],
    )
    chains = _chains(scenario)
    used = [c for c in chains.values() if c.used]
    unused = [c for c in chains.values() if not c.used]
    assert len(used) == 1 and len(unused) == 1
    assert unused[0].reason.model_dump() == {"type": "no_training_seat", "trainings": ["T1"]}


def test_no_donated_items_left() -> None:
    scenario = build(
        [req("R1", mission="M2", capability="uh", quantity=2, priority="critical")],
        [
            pledge("P1", state="CCC", capability="uh", needs_equipment=HELI),
            pledge("P2", state="BBB", capability="uh", needs_equipment=HELI),
        ],
        donations=[_donation(quantity=3, recipients=("CCC", "BBB"))],
    )
    chains = _chains(scenario)
    unused = [c for c in chains.values() if not c.used]
    assert len(unused) == 1
    assert unused[0].reason.model_dump() == {"type": "no_donated_items_left", "donations": ["D1"]}


def test_not_needed() -> None:
    # One unit asked; a ready, untrained pledge fills it, and the conditional one is not needed.
    scenario = build(
        [req("R1", mission="M2", capability="uh")],
        [
            pledge("P1", state="CCC", capability="uh", needs_training=True),
            pledge("P2", state="BBB", capability="uh", readiness="rapid"),
        ],
        trainings=[_training()],
    )
    chains = _chains(scenario)
    assert list(chains) == ["P1"]
    assert chains["P1"].reason.model_dump() == {"type": "not_needed"}
