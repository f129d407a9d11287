"""Shared builders: small scenarios written as plain data, validated exactly like files.

Quick loop and full suite: ``python -m pytest -m "not slow"`` is the quick loop (under 30 s on two
cores); plain ``python -m pytest`` (CI) runs everything. A test is marked ``slow`` only when a quick
test already covers the same feature, so the slow one adds breadth or waits in real time:
- the second solver: the ``solver`` fixture's CBC case (CBC still runs quickly in test_cli,
  test_reference_scenario and the ``auto`` race);
- property tests at full example counts: each has a quick twin with the same body and fewer
  examples (the ``..._on_many_examples`` twins; exhaustive search on CBC is only there);
- real processes that must run for seconds before they are stopped: batch resume after SIGKILL and
  after Ctrl-C, a Dask cluster, the batch time limit, Ctrl-C during a CBC solve, SIGTERM with a time
  limit or ``auto``, an interrupted robustness study, a closed pipe, a solver process that dies
  (the quick loop keeps Ctrl-C during a HiGHS solve in a real process, and test_cli's real-process
  smoke test);
- more cases of the same kind: golden outputs beyond one per command on the reference scenario
  (tests/golden.py says which), hostile inputs beyond a few per kind (SLOW in
  test_hostile_inputs.py), seeded mutation fuzzing (test_fuzz.py).
"""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from gapsolver import SolveOptions, scenario_from_data, solve_scenario
from gapsolver.schema import Scenario
from gapsolver.schema.result import Result

# Property tests draw the same examples on every run, so a result never depends on luck (an example
# found by chance would make CI flaky). HYPOTHESIS_PROFILE=explore draws new ones, to hunt for bugs.
hypothesis_settings.register_profile("reproducible", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", max_examples=500)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "reproducible"))

BASE: dict[str, Any] = {
    "name": "test",
    "start": "2022-01-01",
    "capabilities": [
        {"id": "inf", "name": "Infantry battalion", "personnel": 850},
        {"id": "uh", "name": "Utility helicopter unit", "personnel": 100},
        {
            "id": "fpu",
            "name": "Formed police unit",
            "personnel": 140,
            "category": "formed_police_unit",
        },
    ],
    "member_states": [
        {"id": "AAA", "name": "Anglia", "languages": ["en"], "location": [51.5, -0.1]},
        {"id": "BBB", "name": "Bretonia", "languages": ["fr"], "location": [48.9, 2.3]},
        {"id": "CCC", "name": "Caledonia", "languages": ["en", "fr"], "location": [45.4, -75.7]},
        {"id": "DDD", "name": "Dalmatia", "languages": ["ko", "en"], "location": [37.5, 127.0]},
        {"id": "HHH", "name": "Hostland", "languages": ["fr"], "location": [12.6, -8.0]},
    ],
    "missions": [
        {
            "id": "M1",
            "name": "Mission one",
            "host": "HHH",
            "languages": ["fr"],
            "location": [12.6, -8.0],
        },
        {
            "id": "M2",
            "name": "Mission two",
            "host": "AAA",
            "languages": ["en"],
            "location": [4.9, 31.6],
        },
    ],
}


def req(
    identifier: str, mission: str = "M1", capability: str = "inf", quantity: int = 1, **extra: Any
) -> dict[str, Any]:
    return {
        "id": identifier,
        "mission": mission,
        "capability": capability,
        "quantity": quantity,
        **extra,
    }


def pledge(
    identifier: str,
    state: str = "BBB",
    capability: str = "inf",
    quantity: int = 1,
    readiness: str = "level1",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": identifier,
        "state": state,
        "capability": capability,
        "quantity": quantity,
        "readiness": readiness,
        **extra,
    }


def scenario_data(
    requirements: list[dict[str, Any]],
    pledges: list[dict[str, Any]],
    donations: list[dict[str, Any]] | None = None,
    trainings: list[dict[str, Any]] | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["requirements"] = requirements
    data["pledges"] = pledges
    data["donations"] = donations or []
    data["trainings"] = trainings or []
    if settings:
        data["settings"] = settings
    return data


def build(*args: Any, **kwargs: Any) -> Scenario:
    return scenario_from_data(scenario_data(*args, **kwargs))


def run(scenario: Scenario, solver: str = "highs") -> Result:
    return solve_scenario(scenario, SolveOptions(solver=solver))


def allocated(result: Result) -> dict[str, int]:
    return {requirement.id: requirement.allocated for requirement in result.requirements}


def units(result: Result) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for assignment in result.assignments:
        key = (assignment.pledge, assignment.requirement)
        out[key] = out.get(key, 0) + assignment.units
    return out


# HiGHS in the quick loop; CBC in the full suite (see the top of this file).
@pytest.fixture(params=["highs", pytest.param("cbc", marks=pytest.mark.slow)])
def solver(request: pytest.FixtureRequest) -> str:
    return str(request.param)
