"""The reference scenario holds the figures of the public record and shows what partnerships do."""

from __future__ import annotations

from pathlib import Path

import pytest

from gapsolver import SolveOptions, load_scenario, solve_scenario

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "seoul-2021.yaml"


@pytest.fixture(scope="module")
def seoul():  # type: ignore[no-untyped-def]
    scenario, warnings = load_scenario(REFERENCE)
    assert warnings == []
    return scenario


def test_public_record_counts(seoul) -> None:  # type: ignore[no-untyped-def]
    assert len(seoul.missions) == 12
    assert len({pledge.state for pledge in seoul.pledges}) == 36
    assert len({training.trainer for training in seoul.trainings}) == 45
    medical = {pledge.state for pledge in seoul.pledges if pledge.capability.endswith("_hosp")}
    assert len(medical) == 18
    assert len({pledge.state for pledge in seoul.pledges if pledge.women_share is not None}) == 23
    korea = [donation for donation in seoul.donations if donation.donor == "KOR"]
    assert sum(donation.quantity for donation in korea) == 16
    assert any(pledge.readiness.value == "rapid" for pledge in seoul.pledges)
    hosts = {mission.id: mission.host for mission in seoul.missions}
    assert hosts["MINUSMA"] == "MLI" and hosts["MONUSCO"] == "COD" and hosts["UNMISS"] == "SSD"


def test_solves_to_optimality_on_both_solvers_with_gaps_left(seoul) -> None:  # type: ignore[no-untyped-def]
    results = [solve_scenario(seoul, SolveOptions(solver=solver)) for solver in ("highs", "cbc")]
    assert all(result.status.value == "optimal" for result in results)
    assert results[0].weighted_gap == results[1].weighted_gap > 0
    assert all(result.solve_time < 10 for result in results)


def test_some_gaps_only_partnerships_close(seoul) -> None:  # type: ignore[no-untyped-def]
    with_partnerships = solve_scenario(seoul)
    without = solve_scenario(seoul.model_copy(update={"donations": [], "trainings": []}))
    assert without.weighted_gap > with_partnerships.weighted_gap
    closed = {
        requirement.id
        for requirement, alone in zip(
            with_partnerships.requirements, without.requirements, strict=True
        )
        if requirement.gap < alone.gap
    }
    assert any(requirement_id.endswith("-UH") for requirement_id in closed)
    # the units that close them are conditional pledges enabled by a donation or a training
    enabled = [a for a in with_partnerships.assignments if a.training is not None]
    assert enabled and with_partnerships.donations
    assert sum(use.items for use in with_partnerships.donations) <= 16
