"""Suitability of an eligible (option, requirement) pair: the secondary objective.

Each feature is a number in [0, 1] per pair, computed with array operations; the score per unit is
their weighted sum with ``settings.score_weights``. Features (see docs/formulation.md):

- ``readiness``: (readiness rank − min_readiness rank) / 3 — spare readiness above what is asked.
- ``slack``: clip((deadline − ready day) / 365, 0, 1), deadline = ``needed_by`` or start + 365 days.
- ``language``: 1 when the state speaks the requirement's ``preferred_language``.
- ``distance``: 1 − great-circle distance / 20,015 km (half the Earth's circumference); 0 when a
  location is unknown.
- ``women``: min(women_share / parity target of the capability's category, 1); 0 when not committed.
- ``cost``: 1 − unit cost / the dearest option's unit cost in the scenario (1 when nothing costs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gapsolver.preprocess.encode import NO_DEADLINE, NONE, Encoded, FloatArray, IntArray

HORIZON_DAYS = 365.0
HALF_EARTH_KM = 20015.1
EARTH_RADIUS_KM = 6371.0088
FEATURES = ("readiness", "slack", "language", "distance", "women", "cost")


@dataclass(frozen=True)
class Scores:
    """Per-pair features and the weighted score, aligned with the pair arrays they were computed for."""

    features: dict[str, FloatArray]
    score: FloatArray


def great_circle_km(a: FloatArray, b: FloatArray) -> FloatArray:
    """Haversine distance between [..., 2] arrays of (lat, lon) degrees; NaN where either is unknown."""
    lat1, lon1 = np.radians(a[..., 0]), np.radians(a[..., 1])
    lat2, lon2 = np.radians(b[..., 0]), np.radians(b[..., 1])
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def score_pairs(enc: Encoded, o: IntArray, r: IntArray) -> Scores:
    """Features and score per unit for the pairs (o[k], r[k])."""
    weights = enc.scenario.settings.score_weights
    pledge = enc.option_pledge[o]
    state = enc.pledge_state[pledge]

    readiness = (enc.pledge_readiness[pledge] - enc.req_min_readiness[r]) / 3.0

    needed_by = enc.req_needed_by[r]
    deadline = np.where(needed_by == NO_DEADLINE, HORIZON_DAYS, needed_by).astype(float)
    slack = np.clip((deadline - enc.option_ready[o]) / HORIZON_DAYS, 0.0, 1.0)

    preferred = enc.req_preferred_language[r]
    if enc.state_speaks.shape[1]:
        speaks = enc.state_speaks[state, np.maximum(preferred, 0)]
    else:
        speaks = np.zeros(o.shape, dtype=bool)
    language = ((preferred != NONE) & speaks).astype(float)

    km = great_circle_km(enc.state_location[state], enc.mission_location[enc.req_mission[r]])
    distance = np.nan_to_num(1.0 - km / HALF_EARTH_KM, nan=0.0).clip(0.0, 1.0)

    target = enc.capability_gender_target[enc.pledge_capability[pledge]]
    women = np.nan_to_num(np.minimum(enc.pledge_women[pledge] / target, 1.0), nan=0.0)

    unit_cost = enc.option_unit_cost
    dearest = float(unit_cost.max()) if unit_cost.size else 0.0
    cost = 1.0 - unit_cost[o] / dearest if dearest > 0 else np.ones(o.shape)

    features = {
        "readiness": readiness,
        "slack": slack,
        "language": language,
        "distance": distance,
        "women": women,
        "cost": cost,
    }
    score = np.zeros(o.shape, dtype=float)
    for name in FEATURES:
        score += getattr(weights, name) * features[name]
    return Scores(features=features, score=score)
