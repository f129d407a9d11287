"""Eligibility and scoring throughput on the worst case: every option compatible with every requirement.

Side by side in one process, each the best of several repeats:
- the vectorized eligibility mask and the dense score grid (`score_grid`) and pair scorer (`score_pairs`);
- the plain-Python reference scorer of the test suite, timed on a sample of pairs;
- the write-bandwidth bound: numpy allocating and writing the score matrix once (`np.full`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.cases import ScoringCase
from gapsolver import scenario_from_data
from gapsolver.preprocess.encode import Encoded, encode
from gapsolver.preprocess.rules import eligible
from gapsolver.preprocess.scoring import score_grid, score_pairs, score_terms

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from reference import ReferenceScorer  # the test suite's plain-Python reference

REFERENCE_SAMPLE = 20_000


def compatible_scenario(case: ScoringCase, seed: int = 0) -> dict[str, Any]:
    """One capability; every pledge (rapid, no caveats) may serve every requirement."""
    rng = np.random.default_rng(seed)
    n_states, n_missions = 100, 16
    states = [
        {
            "id": f"S{i:03d}",
            "name": f"State {i}",
            "languages": ["en", "fr"] if i % 3 == 0 else ["en"],
            "location": [float(rng.uniform(-35, 60)), float(rng.uniform(-100, 150))],
        }
        for i in range(n_states)
    ]
    hosts = [
        {"id": f"H{m:02d}", "name": f"Host {m}", "languages": ["fr"]} for m in range(n_missions)
    ]
    missions = [
        {
            "id": f"M{m:02d}",
            "name": f"Mission {m}",
            "host": f"H{m:02d}",
            "location": [float(rng.uniform(-20, 20)), float(rng.uniform(-20, 40))],
        }
        for m in range(n_missions)
    ]
    requirements = [
        {
            "id": f"R{r:05d}",
            "mission": f"M{r % n_missions:02d}",
            "capability": "uh_unit",
            "quantity": 1 + r % 3,
            "min_readiness": ["level1", "level2", "level3", "rapid"][r % 4],
            **({"needed_by": "2024-01-01"} if r % 2 else {}),
            **({"preferred_language": "fr"} if r % 5 == 0 else {}),
        }
        for r in range(case.requirements)
    ]
    pledges = [
        {
            "id": f"P{p:05d}",
            "state": f"S{p % n_states:03d}",
            "capability": "uh_unit",
            "quantity": 1 + p % 2,
            "readiness": "rapid",
            "available_from": f"2022-{1 + p % 12:02d}-01",
            "cost_per_unit": float(rng.uniform(1e6, 2e7)),
            **({"women_share": float(rng.uniform(0, 0.3))} if p % 2 else {}),
        }
        for p in range(case.options)
    ]
    return {
        "name": case.name,
        "start": "2022-01-01",
        "capabilities": [{"id": "uh_unit", "name": "Utility helicopter unit", "personnel": 110}],
        "member_states": states + hosts,
        "missions": missions,
        "requirements": requirements,
        "pledges": pledges,
    }


def _best(function, repeats: int) -> tuple[float, Any]:  # type: ignore[no-untyped-def]
    best, value = float("inf"), None
    for _ in range(repeats):
        began = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - began)
    return best, value


def _time_pair_scorer(enc: Encoded, terms: Any, grid: np.ndarray, repeats: int) -> float:
    """The pair scorer on every pair of the grid (and the same scores as the grid)."""
    o, r = np.divmod(np.arange(grid.size, dtype=np.int64), grid.shape[1])
    seconds, scores = _best(lambda: score_pairs(enc, o, r, terms).score, repeats)
    assert np.allclose(scores, grid.reshape(-1), rtol=0, atol=1e-12)
    return seconds


def run_case(case: ScoringCase, repeats: int = 3) -> dict[str, Any]:
    scenario = scenario_from_data(compatible_scenario(case))
    enc: Encoded = encode(scenario)
    options = np.arange(enc.option_pledge.size)
    requirements = np.arange(len(enc.requirement_ids))
    assert options.size == case.options and requirements.size == case.requirements
    pairs = case.pairs
    terms = score_terms(enc)

    mask_seconds, mask = _best(
        lambda: eligible(enc, options[:, None], requirements[None, :]), repeats
    )
    assert mask.all(), "the worst case must have every pair eligible"
    del mask
    grid_seconds, grid = _best(lambda: score_grid(enc, options, requirements, terms), repeats)
    bound_seconds, _ = _best(lambda: np.full((options.size, requirements.size), 1.0), repeats)

    pair_seconds = _time_pair_scorer(enc, terms, grid, repeats)

    reference = ReferenceScorer(scenario)
    rng = np.random.default_rng(1)
    sample = rng.choice(pairs, size=min(REFERENCE_SAMPLE, pairs), replace=False)
    ids = [
        (
            enc.pledge_ids[int(k // requirements.size)],
            enc.requirement_ids[int(k % requirements.size)],
        )
        for k in sample
    ]
    began = time.perf_counter()
    expected = [reference(p, None, rq) for p, rq in ids]
    reference_seconds_per_pair = (time.perf_counter() - began) / len(ids)
    flat = grid.reshape(-1)[sample]
    max_error = float(np.max(np.abs(flat - np.array(expected))))

    rate = lambda seconds: pairs / seconds  # noqa: E731
    return {
        "case": case.name,
        "options": case.options,
        "requirements": case.requirements,
        "pairs": pairs,
        "mask_seconds": mask_seconds,
        "mask_pairs_per_second": rate(mask_seconds),
        "grid_seconds": grid_seconds,
        "grid_pairs_per_second": rate(grid_seconds),
        "pairs_scorer_seconds": pair_seconds,
        "pairs_scorer_pairs_per_second": rate(pair_seconds),
        "write_bound_seconds": bound_seconds,
        "write_bound_pairs_per_second": rate(bound_seconds),
        "fraction_of_write_bound": bound_seconds / grid_seconds,
        "reference_pairs_per_second": 1.0 / reference_seconds_per_pair,
        "speedup_over_reference": (1.0 / reference_seconds_per_pair) ** -1 / (grid_seconds / pairs),
        "max_abs_error_vs_reference": max_error,
    }
