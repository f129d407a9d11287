"""Suitability of an eligible (option, requirement) pair: the secondary objective.

Each feature is a number in [0, 1] per pair; the score per unit is their weighted sum with
``settings.score_weights`` (see docs/formulation.md for the formulas):

- ``readiness``: (readiness rank − min_readiness rank) / 3 — spare readiness above what is asked.
- ``slack``: clip((deadline − ready day) / 365, 0, 1), deadline = ``needed_by`` or start + 365 days.
- ``language``: 1 when the state speaks the requirement's ``preferred_language``.
- ``distance``: 1 − great-circle distance / 20,015 km (half the Earth's circumference); 0 when a
  location is unknown.
- ``women``: min(women_share / parity target of the capability's category, 1); 0 when not committed.
- ``cost``: 1 − unit cost / the dearest option's unit cost in the scenario (1 when nothing costs).

The features are defined once, in :func:`score_terms`, as per-option vectors, per-requirement vectors
and one (state × requirement) table. :func:`score_pairs` evaluates them on a list of pairs (the model
uses it on eligible pairs); :func:`score_grid` evaluates the weighted sum on a dense block of options ×
requirements, in row chunks that stay in cache.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gapsolver.preprocess.encode import NO_DEADLINE, NONE, Encoded, FloatArray, IntArray

HORIZON_DAYS = 365.0
HALF_EARTH_KM = 20015.1
EARTH_RADIUS_KM = 6371.0088
FEATURES = ("readiness", "slack", "language", "distance", "women", "cost")
GRID_CHUNK_CELLS = 1 << 16
"""Cells per chunk in :func:`score_grid` (64 Ki float64 = 512 KiB, cache-sized)."""


def great_circle_km(a: FloatArray, b: FloatArray) -> FloatArray:
    """Haversine distance between [..., 2] arrays of (lat, lon) degrees; NaN where either is unknown."""
    lat1, lon1 = np.radians(a[..., 0]), np.radians(a[..., 1])
    lat2, lon2 = np.radians(b[..., 0]), np.radians(b[..., 1])
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


@dataclass(frozen=True)
class ScoreTerms:
    """The features, factored by what they depend on. Unweighted, each in [0, 1]."""

    weights: dict[str, float]
    option_readiness: FloatArray  # [O] rank / 3
    option_ready: FloatArray  # [O] day offset
    option_state: IntArray  # [O]
    option_women: FloatArray  # [O]
    option_cost: FloatArray  # [O]
    req_readiness: FloatArray  # [R] min rank / 3
    req_deadline: FloatArray  # [R] day offset (needed_by, or the horizon)
    state_req_language: FloatArray  # [S, R]
    state_req_distance: FloatArray  # [S, R]

    def option_constant(self) -> FloatArray:
        """Weighted per-option part of the score."""
        w = self.weights
        return (
            w["readiness"] * self.option_readiness
            + w["women"] * self.option_women
            + w["cost"] * self.option_cost
        )

    def state_req_table(self) -> FloatArray:
        """Weighted (state × requirement) part of the score, requirement part folded in."""
        w = self.weights
        return (
            w["language"] * self.state_req_language
            + w["distance"] * self.state_req_distance
            - w["readiness"] * self.req_readiness[None, :]
        )


def cost_feature(unit_cost: FloatArray, present: np.ndarray | None = None) -> FloatArray:
    """The ``cost`` feature per option: 1 − unit cost / the dearest option's unit cost (1 when nothing
    costs). With ``present``, the dearest is taken over the options flagged there only: the scenario
    without the others (withdrawn pledges and trainings) scores its options so."""
    among = unit_cost if present is None else unit_cost[present]
    dearest = float(among.max()) if among.size else 0.0
    return 1.0 - unit_cost / dearest if dearest > 0 else np.ones(unit_cost.shape)


def score_terms(enc: Encoded) -> ScoreTerms:
    """Compute every feature's ingredients once per scenario."""
    weights = enc.scenario.settings.score_weights
    pledge = enc.option_pledge

    target = enc.capability_gender_target[enc.pledge_capability[pledge]]
    women = np.nan_to_num(np.minimum(enc.pledge_women[pledge] / target, 1.0), nan=0.0)

    cost = cost_feature(enc.option_unit_cost)

    preferred = enc.req_preferred_language
    if enc.state_speaks.shape[1]:
        speaks = enc.state_speaks[:, np.maximum(preferred, 0)] & (preferred != NONE)[None, :]
    else:
        speaks = np.zeros((len(enc.state_ids), preferred.size), dtype=bool)

    km = great_circle_km(enc.state_location[:, None, :], enc.mission_location[None, :, :])  # [S, M]
    closeness = np.nan_to_num(1.0 - km / HALF_EARTH_KM, nan=0.0).clip(0.0, 1.0)

    needed_by = enc.req_needed_by
    return ScoreTerms(
        weights={name: float(getattr(weights, name)) for name in FEATURES},
        option_readiness=enc.pledge_readiness[pledge] / 3.0,
        option_ready=enc.option_ready.astype(float),
        option_state=enc.pledge_state[pledge],
        option_women=women,
        option_cost=cost,
        req_readiness=enc.req_min_readiness / 3.0,
        req_deadline=np.where(needed_by == NO_DEADLINE, HORIZON_DAYS, needed_by).astype(float),
        state_req_language=speaks.astype(float),
        state_req_distance=closeness[:, enc.req_mission],
    )


@dataclass(frozen=True)
class Scores:
    """Per-pair features and the weighted score, aligned with the pair arrays they were computed for."""

    features: dict[str, FloatArray]
    score: FloatArray


def score_pairs(enc: Encoded, o: IntArray, r: IntArray, terms: ScoreTerms | None = None) -> Scores:
    """Features and score per unit for the pairs (o[k], r[k])."""
    terms = terms or score_terms(enc)
    state = terms.option_state[o]
    features = {
        "readiness": terms.option_readiness[o] - terms.req_readiness[r],
        "slack": np.clip((terms.req_deadline[r] - terms.option_ready[o]) / HORIZON_DAYS, 0.0, 1.0),
        "language": terms.state_req_language[state, r],
        "distance": terms.state_req_distance[state, r],
        "women": terms.option_women[o],
        "cost": terms.option_cost[o],
    }
    score = np.zeros(np.shape(o), dtype=float)
    for name in FEATURES:
        score += terms.weights[name] * features[name]
    return Scores(features=features, score=score)


def score_grid(
    enc: Encoded,
    options: IntArray,
    requirements: IntArray,
    terms: ScoreTerms | None = None,
    out: FloatArray | None = None,
) -> FloatArray:
    """Score of every option × requirement in a block, as a dense [len(options), len(requirements)]
    matrix; eligibility is not checked. The weighted sum of :func:`score_pairs`, computed as

    score = option part + (state × requirement) table + slack,

    in chunks of rows so each chunk's passes stay in cache."""
    terms = terms or score_terms(enc)
    n, m = len(options), len(requirements)
    if out is None:
        out = np.empty((n, m), dtype=float)
    table = np.ascontiguousarray(terms.state_req_table()[:, requirements])  # [S, m]
    constant = terms.option_constant()[options]
    state = terms.option_state[options]
    # slack · w = clip(w/H · (deadline − ready), 0, w): the scale folded into the vectors once
    scale = terms.weights["slack"] / HORIZON_DAYS
    deadline = terms.req_deadline[requirements] * scale
    ready = terms.option_ready[options] * scale
    ceiling = terms.weights["slack"]
    rows = max(1, GRID_CHUNK_CELLS // max(m, 1))
    slack = np.empty((rows, m), dtype=float)
    for begin in range(0, n, rows):
        end = min(begin + rows, n)
        chunk, part = out[begin:end], slack[: end - begin]
        np.take(table, state[begin:end], axis=0, out=chunk)
        chunk += constant[begin:end, None]
        np.subtract(deadline[None, :], ready[begin:end, None], out=part)
        np.clip(part, 0.0, ceiling, out=part)
        chunk += part
    return out
