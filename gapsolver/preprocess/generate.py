"""Synthetic scenarios of any size with realistic proportions, for benchmarks and batch studies.

The unit types are those of the reference scenario; supply and demand shares follow the chronic
shortfalls (helicopters, quick reaction forces, ISR, level 2 hospitals, engineers short; infantry and
observers plentiful). A seeded numpy generator drives every draw, so the same arguments always give the
same scenario, byte for byte.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from gapsolver.exceptions import InputError, Problem
from gapsolver.limits import MAX_SEED
from gapsolver.schema import Priority

RATE_PER_PERSON_YEAR = 1428 * 12
PRIORITY_SHARES = [0.15, 0.35, 0.5]
"""Share of requirements per priority, in the order of :class:`gapsolver.schema.Priority`."""


@dataclass(frozen=True)
class UnitType:
    id: str
    name: str
    personnel: int
    category: str
    equipment_factor: float  # contingent-owned equipment as a share of personnel cost
    supply: float  # share of pledged units
    demand: float  # share of required units
    item: str | None = None  # donated equipment its conditional pledges need


UNIT_TYPES = (
    UnitType("inf_bn", "Infantry battalion", 850, "military_contingent", 0.6, 0.22, 0.14),
    UnitType(
        "qrf_coy", "Quick reaction force company", 250, "military_contingent", 0.8, 0.04, 0.07
    ),
    UnitType("eng_coy", "Combat engineer company", 140, "military_contingent", 1.2, 0.08, 0.11),
    UnitType("fpu", "Formed police unit", 140, "formed_police_unit", 0.5, 0.13, 0.12),
    UnitType("l1_hosp", "Level 1 hospital", 11, "military_contingent", 1.5, 0.08, 0.05),
    UnitType("l2_hosp", "Level 2 hospital", 57, "military_contingent", 2.0, 0.04, 0.07),
    UnitType("l3_hosp", "Level 3 hospital", 90, "military_contingent", 2.5, 0.01, 0.01),
    UnitType(
        "uh_unit",
        "Utility helicopter unit",
        110,
        "military_contingent",
        6.0,
        0.06,
        0.11,
        "utility_helicopter",
    ),
    UnitType(
        "ah_unit",
        "Armed helicopter unit",
        120,
        "military_contingent",
        7.0,
        0.02,
        0.04,
        "attack_helicopter",
    ),
    UnitType("isr_uav", "ISR / UAV unit", 100, "military_contingent", 4.0, 0.02, 0.04),
    UnitType(
        "staff_obs", "Staff officer and observer team", 20, "staff_and_observers", 0.2, 0.18, 0.14
    ),
    UnitType(
        "ipo_team", "Individual police officer team", 20, "individual_police", 0.2, 0.12, 0.10
    ),
)
PARITY = {
    "military_contingent": 0.15,
    "formed_police_unit": 0.20,
    "staff_and_observers": 0.25,
    "individual_police": 0.30,
}
READINESS = ("level1", "level2", "level3", "rapid")
REGIONS = ("Africa", "Asia-Pacific", "Eastern Europe", "Latin America", "WEOG")
WORLD_LANGUAGES = (
    ("en", 0.6),
    ("fr", 0.25),
    ("ar", 0.12),
    ("es", 0.10),
    ("pt", 0.04),
    ("ru", 0.04),
)
LOCAL_LANGUAGES = (
    "sw",
    "hi",
    "bn",
    "ur",
    "ne",
    "am",
    "id",
    "zh",
    "ko",
    "de",
    "it",
    "nl",
    "tr",
    "vi",
)


MAX_GENERATED_STATES = 2_000
MAX_GENERATED_MISSIONS = 200
MAX_GENERATED_PLEDGES = 20_000
MAX_GENERATED_REQUIREMENTS = 10_000
"""Largest generated scenarios: their files stay well within gapsolver.limits.MAX_FILE_BYTES."""


UNRELIABLE_RANGE = (0.6, 0.95)
"""An uncertain element's reliability is drawn uniformly from this range (two decimals)."""


def _check(
    states: int,
    missions: int,
    pledges: int,
    requirements: int | None,
    seed: int,
    unreliable: float = 0.0,
) -> None:
    problems = []
    if not 0.0 <= unreliable <= 1.0:
        problems.append(Problem("--unreliable", f"a share from 0 to 1 (got {unreliable})"))
    if states < 3:
        problems.append(Problem("--states", "need at least 3 member states"))
    if missions < 1:
        problems.append(Problem("--missions", "need at least 1 mission"))
    if missions > states:
        problems.append(
            Problem(
                "--missions", f"{missions} missions need at least as many states (each has a host)"
            )
        )
    if pledges < 1:
        problems.append(Problem("--pledges", "need at least 1 pledge"))
    if requirements is not None and requirements < 1:
        problems.append(Problem("--requirements", "need at least 1 requirement"))
    for option, value, most in (
        ("--states", states, MAX_GENERATED_STATES),
        ("--missions", missions, MAX_GENERATED_MISSIONS),
        ("--pledges", pledges, MAX_GENERATED_PLEDGES),
        ("--requirements", requirements or 0, MAX_GENERATED_REQUIREMENTS),
    ):
        if value > most:
            problems.append(Problem(option, f"at most {most:,} (got {value:,})"))
    if not 0 <= seed <= MAX_SEED:
        problems.append(Problem("--seed", f"a seed from 0 to {MAX_SEED} (got {seed})"))
    if problems:
        raise InputError(problems, "generate")


def generate(
    *,
    states: int = 60,
    missions: int = 12,
    pledges: int = 200,
    requirements: int | None = None,
    seed: int = 0,
    start: dt.date = dt.date(2022, 1, 1),
    unreliable: float = 0.0,
) -> dict[str, Any]:
    """Scenario data (plain dicts, as a scenario file holds them). ``requirements`` (requirement lines)
    defaults to pledges // 4, at least 2 and at most 60 per mission. With ``unreliable`` > 0 each
    pledge, donation and training is uncertain with that probability, its reliability drawn from
    :data:`UNRELIABLE_RANGE` (by a second generator: the rest of the file is as without it)."""
    _check(states, missions, pledges, requirements, seed, unreliable)
    rng = np.random.default_rng(seed)
    n_requirements = requirements or min(max(2 * missions, pledges // 4), 60 * missions)
    day = lambda offset: (start + dt.timedelta(days=int(offset))).isoformat()  # noqa: E731
    cap_ids = [unit.id for unit in UNIT_TYPES]
    supply = np.array([unit.supply for unit in UNIT_TYPES])
    demand = np.array([unit.demand for unit in UNIT_TYPES])

    # Member states: languages, locations and a contributor size (a few large contributors).
    state_ids = [f"S{index + 1:04d}" for index in range(states)]
    member_states = []
    for index, state_id in enumerate(state_ids):
        languages = [code for code, share in WORLD_LANGUAGES if rng.random() < share]
        if not languages:
            languages = ["en"]
        if rng.random() < 0.5:
            languages.append(LOCAL_LANGUAGES[int(rng.integers(len(LOCAL_LANGUAGES)))])
        member_states.append(
            {
                "id": state_id,
                "name": f"State {index + 1}",
                "region": REGIONS[int(rng.integers(len(REGIONS)))],
                "languages": list(dict.fromkeys(languages)),
                "location": [
                    round(float(rng.uniform(-35, 60)), 2),
                    round(float(rng.uniform(-100, 150)), 2),
                ],
            }
        )
    size = rng.pareto(1.2, states) + 1.0
    contributor_share = size / size.sum()

    # Missions: a host each, French-speaking about 40% of the time.
    hosts = rng.choice(states, size=missions, replace=False)
    mission_list = []
    for index, host in enumerate(hosts.tolist()):
        host_location = member_states[host]["location"]
        mission_list.append(
            {
                "id": f"M{index + 1:02d}",
                "name": f"Mission {index + 1}",
                "host": state_ids[host],
                "languages": ["fr"] if rng.random() < 0.4 else ["en"],
                "location": [
                    round(min(max(host_location[0] + float(rng.normal(0, 1)), -90), 90), 2),
                    round(min(max(host_location[1] + float(rng.normal(0, 1)), -180), 180), 2),
                ],
            }
        )

    # Requirements.
    requirement_list = []
    mission_of = rng.integers(missions, size=n_requirements)
    capability_of = rng.choice(len(UNIT_TYPES), size=n_requirements, p=demand / demand.sum())
    for index in range(n_requirements):
        mission = mission_list[int(mission_of[index])]
        item: dict[str, Any] = {
            "id": f"R{index + 1:05d}",
            "mission": mission["id"],
            "capability": cap_ids[int(capability_of[index])],
            "quantity": int(min(rng.geometric(0.55), 5)),
            "priority": str(rng.choice([p.value for p in Priority], p=PRIORITY_SHARES)),
        }
        readiness = str(rng.choice(["any", "level2", "level3", "rapid"], p=[0.4, 0.25, 0.25, 0.1]))
        if readiness != "any":
            item["min_readiness"] = readiness
        if rng.random() < 0.5:
            item["needed_by"] = day(rng.integers(60, 720))
        if "fr" in mission["languages"]:
            if rng.random() < 0.3:
                item["require_language"] = "fr"
            elif rng.random() < 0.5:
                item["preferred_language"] = "fr"
        requirement_list.append(item)

    # Pledges.
    pledge_list = []
    state_of = rng.choice(states, size=pledges, p=contributor_share)
    pledged_capability = rng.choice(len(UNIT_TYPES), size=pledges, p=supply / supply.sum())
    mission_ids = [mission["id"] for mission in mission_list]
    conditional_states: dict[str, set[str]] = {}
    training_needs: dict[str, set[str]] = {}
    for index in range(pledges):
        unit = UNIT_TYPES[int(pledged_capability[index])]
        state_id = state_ids[int(state_of[index])]
        item = {
            "id": f"P{index + 1:05d}",
            "state": state_id,
            "capability": unit.id,
            "quantity": int(min(rng.geometric(0.6), 4)),
            "readiness": str(rng.choice(READINESS, p=[0.15, 0.35, 0.35, 0.15])),
        }
        if rng.random() < 0.4:
            item["available_from"] = day(rng.integers(0, 540))
        cost = (
            unit.personnel
            * RATE_PER_PERSON_YEAR
            * (1 + unit.equipment_factor)
            * rng.uniform(0.9, 1.1)
        )
        item["cost_per_unit"] = float(round(cost, -3))
        if rng.random() < 0.5:
            item["women_share"] = round(
                float(np.clip(rng.normal(PARITY[unit.category] * 0.8, 0.06), 0, 1)), 3
            )
        caveat = rng.random()
        if caveat < 0.08:
            item["caveats"] = {
                "exclude_missions": sorted(
                    set(rng.choice(mission_ids, size=min(2, missions)).tolist())
                )
            }
        elif caveat < 0.12:
            item["caveats"] = {
                "only_missions": sorted(
                    set(rng.choice(mission_ids, size=min(3, missions)).tolist())
                )
            }
        if unit.item is not None and rng.random() < 0.4:
            item["needs_equipment"] = {"item": unit.item, "per_unit": 3}
            item["needs_training"] = True
            conditional_states.setdefault(unit.item, set()).add(state_id)
        elif rng.random() < 0.05:
            item["needs_training"] = True
        if item.get("needs_training"):
            training_needs.setdefault(unit.id, set()).add(state_id)
        pledge_list.append(item)

    # Donations: helicopters for states whose crews need them.
    donation_list = []
    items = sorted(conditional_states)
    for index in range(max(1, pledges // 150) if items else 0):
        equipment = items[int(rng.integers(len(items)))]
        needing = sorted(conditional_states[equipment])
        recipients = set(
            rng.choice(
                needing, size=min(len(needing), int(rng.integers(2, 7))), replace=False
            ).tolist()
        )
        recipients |= set(rng.choice(state_ids, size=2).tolist())
        donor = state_ids[int(rng.integers(states))]
        recipients.discard(donor)
        if not recipients:
            continue
        donation_list.append(
            {
                "id": f"D{index + 1:04d}",
                "donor": donor,
                "item": equipment,
                "quantity": int(rng.integers(3, 19)),
                "eligible_recipients": sorted(recipients),
            }
        )

    # Trainings: mostly for the capabilities conditional pledges need.
    training_list = []
    trained = sorted(training_needs)
    for index in range(max(2, states // 3)):
        if trained and rng.random() < 0.7:
            capability = trained[int(rng.integers(len(trained)))]
            pool = sorted(training_needs[capability])
        else:
            capability = cap_ids[int(rng.integers(len(cap_ids)))]
            pool = state_ids
        trainees = set(
            rng.choice(pool, size=min(len(pool), int(rng.integers(2, 8))), replace=False).tolist()
        )
        training_list.append(
            {
                "id": f"T{index + 1:04d}",
                "trainer": state_ids[int(rng.integers(states))],
                "capability": capability,
                "capacity": int(rng.integers(1, 5)),
                "lead_time_days": int(rng.integers(30, 400)),
                "cost_per_unit": float(round(float(rng.uniform(1e5, 2e6)), -3)),
                "eligible_trainees": sorted(trainees),
            }
        )

    if unreliable > 0:
        chance = np.random.default_rng([seed, 1])
        for element in (*pledge_list, *donation_list, *training_list):
            draw, level = chance.random(), chance.uniform(*UNRELIABLE_RANGE)
            if draw < unreliable:
                element["reliability"] = round(float(level), 2)

    return {
        "name": f"generated-s{states}-m{missions}-p{pledges}-seed{seed}",
        "description": (
            f"Synthetic scenario from `gapsolver generate --states {states} --missions {missions} "
            f"--pledges {pledges} --requirements {n_requirements} --seed {seed}"
            + (f" --unreliable {unreliable:g}" if unreliable > 0 else "")
            + "`. Entirely illustrative."
        ),
        "start": start.isoformat(),
        "capabilities": [
            {
                "id": unit.id,
                "name": unit.name,
                "personnel": unit.personnel,
                "category": unit.category,
            }
            for unit in UNIT_TYPES
        ],
        "member_states": member_states,
        "missions": mission_list,
        "requirements": requirement_list,
        "pledges": pledge_list,
        "donations": donation_list,
        "trainings": training_list,
        "settings": {"max_units_per_state_per_mission": 4},
    }
