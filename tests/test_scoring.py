"""The vectorized score equals the plain-Python reference; the grid and pair scorers agree."""

from __future__ import annotations

import numpy as np
import pytest
import reference
from conftest import build, pledge, req
from hypothesis import given, settings
from hypothesis import strategies as st
from test_optimality import tiny_scenarios

from gapsolver import scenario_from_data
from gapsolver.preprocess.encode import encode
from gapsolver.preprocess.scoring import FEATURES, score_grid, score_pairs, score_terms


def _with_random_details(data: dict, draw: st.DrawFn) -> dict:
    """Vary what only the score reads: weights, preferred languages, women shares, locations."""
    data["settings"] = dict(data.get("settings") or {})
    data["settings"]["score_weights"] = {
        name: draw(st.floats(0, 5, allow_nan=False)) for name in FEATURES
    }
    for requirement in data["requirements"]:
        if draw(st.booleans()):
            requirement["preferred_language"] = draw(st.sampled_from(["en", "fr", "ko"]))
    for item in data["pledges"]:
        if draw(st.booleans()):
            item["women_share"] = draw(st.floats(0, 1))
    for state in data["member_states"]:
        if draw(st.integers(0, 4)) == 0:
            state.pop("location", None)
    for category in data["capabilities"]:
        category["category"] = draw(
            st.sampled_from(
                [
                    "military_contingent",
                    "formed_police_unit",
                    "staff_and_observers",
                    "individual_police",
                ]
            )
        )
    return data


@st.composite
def scored_scenarios(draw: st.DrawFn) -> dict:
    return _with_random_details(draw(tiny_scenarios()), draw)


# One property, two runs: a few examples in the quick loop, many in the full suite (conftest.py).
@settings(max_examples=40, deadline=None)
@given(scored_scenarios())
def test_score_equals_reference_on_every_pair(data: dict) -> None:
    _score_equals_reference_on_every_pair(data)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(scored_scenarios())
def test_score_equals_reference_on_every_pair_on_many_examples(data: dict) -> None:
    _score_equals_reference_on_every_pair(data)


def _score_equals_reference_on_every_pair(data: dict) -> None:
    scenario = scenario_from_data(data)
    enc = encode(scenario)
    n_options, n_requirements = enc.option_pledge.size, len(enc.requirement_ids)
    o, r = np.divmod(np.arange(n_options * n_requirements), max(n_requirements, 1))
    if n_requirements == 0:
        return
    pairs = score_pairs(enc, o, r).score
    grid = score_grid(enc, np.arange(n_options), np.arange(n_requirements))
    score_by_hand = reference.ReferenceScorer(scenario)
    for k in range(o.size):
        option, requirement = int(o[k]), int(r[k])
        training = int(enc.option_training[option])
        expected = score_by_hand(
            enc.pledge_ids[enc.option_pledge[option]],
            None if training < 0 else enc.training_ids[training],
            enc.requirement_ids[requirement],
        )
        assert abs(pairs[k] - expected) <= 1e-9
        assert abs(grid[option, requirement] - expected) <= 1e-9


def test_features_by_hand() -> None:
    scenario = build(
        [req("R1", preferred_language="fr", min_readiness="level2", needed_by="2022-04-01")],
        [
            pledge("P1", state="BBB", readiness="rapid", women_share=0.3, cost_per_unit=50.0),
            pledge(
                "P2",
                state="DDD",
                readiness="level2",
                available_from="2022-05-01",
                cost_per_unit=100.0,
            ),
        ],
    )
    enc = encode(scenario)
    scores = score_pairs(enc, np.array([0, 1]), np.array([0, 0]))
    features = {name: values.round(6).tolist() for name, values in scores.features.items()}
    assert features["readiness"] == [round(2 / 3, 6), 0.0]
    assert features["slack"] == [round(90 / 365, 6), 0.0]  # P2 arrives after needed_by: no slack
    assert features["language"] == [1.0, 0.0]
    assert features["women"] == [1.0, 0.0]  # 30% against the 15% military target
    assert features["cost"] == [0.5, 0.0]
    # Paris → Bamako ≈ 4,100 km; Seoul → Bamako ≈ 12,600 km
    assert 0.78 < features["distance"][0] < 0.81 and 0.35 < features["distance"][1] < 0.39


def test_grid_is_chunked_without_changing_values(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import gapsolver.preprocess.scoring as scoring

    scenario = build(
        [req(f"R{i}", quantity=1) for i in range(7)],
        [pledge(f"P{i}", state="BBB") for i in range(9)],
    )
    enc = encode(scenario)
    whole = score_grid(enc, np.arange(9), np.arange(7))
    monkeypatch.setattr(scoring, "GRID_CHUNK_CELLS", 10)
    chunked = score_grid(enc, np.arange(9), np.arange(7), terms=score_terms(enc))
    assert np.array_equal(whole, chunked)
