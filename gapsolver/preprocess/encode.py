"""Encode a scenario once into index maps and numpy arrays.

Everything downstream — eligibility, scoring, the model, the greedy baseline — reads these arrays, never
the pydantic objects, so each rule is computed by array operations over many pairs at once.

Dates become day offsets from ``scenario.start``. A pledge that needs training is split into one
*option* per training it could take (its readiness date depends on that training's lead time); any
other pledge has exactly one option with no training. Options are the rows of the eligibility grid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import numpy.typing as npt

from gapsolver.partnerships.links import donation_links, training_links
from gapsolver.schema import READINESS_ORDER, Scenario
from gapsolver.schema.scenario import GENDER_PARITY_TARGET_2028

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NO_DEADLINE = np.iinfo(np.int64).max // 4
"""Day offset standing for "no needed_by date"."""
NONE = -1
"""Index standing for "none" (no language, no item, no training)."""


def index_map(ids: Iterable[str]) -> dict[str, int]:
    return {identifier: position for position, identifier in enumerate(ids)}


@dataclass(frozen=True, eq=False)
class Encoded:
    """A scenario as arrays. Sizes: S states, M missions, C capabilities, L languages, I items,
    R requirements, P pledges, T trainings, D donations, O options."""

    scenario: Scenario
    state_ids: list[str]
    mission_ids: list[str]
    capability_ids: list[str]
    language_ids: list[str]
    item_ids: list[str]
    requirement_ids: list[str]
    pledge_ids: list[str]
    training_ids: list[str]
    donation_ids: list[str]

    state_speaks: BoolArray  # [S, L]
    state_location: FloatArray  # [S, 2] degrees, NaN when unknown
    state_item_donor: BoolArray  # [S, I] some donation of item i lists state s as recipient

    mission_is_host: BoolArray  # [M, S]
    mission_location: FloatArray  # [M, 2]

    capability_gender_target: FloatArray  # [C]

    req_capability: IntArray  # [R]
    req_mission: IntArray
    req_min_readiness: IntArray
    req_needed_by: IntArray  # day offset, NO_DEADLINE when unset
    req_require_language: IntArray  # NONE when unset
    req_preferred_language: IntArray
    req_quantity: IntArray
    req_weight: FloatArray

    pledge_state: IntArray  # [P]
    pledge_capability: IntArray
    pledge_readiness: IntArray
    pledge_available: IntArray  # day offset
    pledge_quantity: IntArray
    pledge_cost: FloatArray
    pledge_women: FloatArray  # NaN when not committed
    pledge_item: IntArray  # NONE when no equipment is needed
    pledge_per_unit: IntArray  # 0 when no equipment is needed
    pledge_needs_training: BoolArray
    pledge_excluded: BoolArray  # [P, M]
    pledge_has_only: BoolArray  # [P]
    pledge_only: BoolArray  # [P, M]

    training_capability: IntArray  # [T]
    training_ready: IntArray  # day offset start + lead time
    training_capacity: IntArray
    training_cost: FloatArray
    training_trainee: BoolArray  # [T, S]

    donation_item: IntArray  # [D]
    donation_quantity: IntArray
    donation_recipient: BoolArray  # [D, S]

    option_pledge: IntArray  # [O]
    option_training: IntArray  # NONE for options without training
    option_ready: IntArray  # day offset the option's units can deploy
    option_unit_cost: FloatArray  # pledge cost per unit plus, when trained, the training's

    @property
    def option_state(self) -> IntArray:
        return self.pledge_state[self.option_pledge]

    @property
    def option_capability(self) -> IntArray:
        return self.pledge_capability[self.option_pledge]

    def day(self, offset: int) -> dt.date | None:
        return (
            None if offset >= NO_DEADLINE else self.scenario.start + dt.timedelta(days=int(offset))
        )


def _days(date: dt.date | None, start: dt.date, default: int) -> int:
    return default if date is None else (date - start).days


def _membership(rows: Sequence[Iterable[str]], columns: dict[str, int]) -> BoolArray:
    matrix = np.zeros((len(rows), len(columns)), dtype=bool)
    for row, members in enumerate(rows):
        matrix[row, [columns[member] for member in members]] = True
    return matrix


def _locations(objects: Sequence[object]) -> FloatArray:
    return np.array(
        [getattr(obj, "location", None) or (np.nan, np.nan) for obj in objects], dtype=float
    ).reshape(len(objects), 2)


class Quantities(TypedDict):
    req_quantity: IntArray
    pledge_quantity: IntArray
    training_capacity: IntArray
    donation_quantity: IntArray


def quantities(scenario: Scenario) -> Quantities:
    """The scenario's quantities and capacities, as :class:`Encoded` holds them (a re-solve with
    other quantities replaces just these)."""
    return Quantities(
        req_quantity=np.array([r.quantity for r in scenario.requirements], dtype=np.int64),
        pledge_quantity=np.array([p.quantity for p in scenario.pledges], dtype=np.int64),
        training_capacity=np.array([t.capacity for t in scenario.trainings], dtype=np.int64),
        donation_quantity=np.array([d.quantity for d in scenario.donations], dtype=np.int64),
    )


def encode(scenario: Scenario) -> Encoded:
    """Encode a consistent scenario (as returned by :func:`load_scenario`)."""
    start = scenario.start
    states = index_map(state.id for state in scenario.member_states)
    missions = index_map(mission.id for mission in scenario.missions)
    capabilities = index_map(capability.id for capability in scenario.capabilities)
    language_ids = sorted(
        {code for state in scenario.member_states for code in state.languages}
        | {code for mission in scenario.missions for code in mission.languages}
        | {
            code
            for requirement in scenario.requirements
            for code in (requirement.require_language, requirement.preferred_language)
            if code is not None
        }
    )
    languages = index_map(language_ids)
    item_ids = sorted(
        {donation.item for donation in scenario.donations}
        | {pledge.needs_equipment.item for pledge in scenario.pledges if pledge.needs_equipment}
    )
    items = index_map(item_ids)
    weights = scenario.settings.priority_weights

    def lang(code: str | None) -> int:
        return NONE if code is None else languages[code]

    requirements = scenario.requirements
    pledges = scenario.pledges
    trainings = scenario.trainings
    donations = scenario.donations

    # Who may receive which donation, and whose units may take which course: the partnership links,
    # the one source of truth the partnership graph draws its edges from.
    donation_position = index_map(d.id for d in donations)
    training_position = index_map(t.id for t in trainings)
    donation_recipient = np.zeros((len(donations), len(states)), dtype=bool)
    for gift in donation_links(scenario):
        donation_recipient[donation_position[gift.donation], states[gift.recipient]] = True
    donation_item = np.array([items[d.item] for d in donations], dtype=np.int64)
    state_item_donor = np.zeros((len(states), len(items)), dtype=bool)
    for donation_index in range(len(donations)):
        state_item_donor[:, donation_item[donation_index]] |= donation_recipient[donation_index]

    mission_is_host = _membership([[m.host, *m.co_hosts] for m in scenario.missions], states)

    pledge_state = np.array([states[p.state] for p in pledges], dtype=np.int64)
    pledge_capability = np.array([capabilities[p.capability] for p in pledges], dtype=np.int64)
    pledge_available = np.array(
        [_days(p.available_from, start, 0) for p in pledges], dtype=np.int64
    )
    pledge_needs_training = np.array([p.needs_training for p in pledges], dtype=bool)

    training_capability = np.array([capabilities[t.capability] for t in trainings], dtype=np.int64)
    training_ready = np.array([t.lead_time_days for t in trainings], dtype=np.int64)
    training_trainee = np.zeros((len(trainings), len(states)), dtype=bool)
    for course in training_links(scenario):
        training_trainee[training_position[course.training], states[course.trainee]] = True

    # Options: untrained pledges once; pledges needing training once per training they could take.
    untrained = np.flatnonzero(~pledge_needs_training)
    trained = np.flatnonzero(pledge_needs_training)
    can_take = (
        pledge_capability[trained, None] == training_capability[None, :]
    ) & training_trainee[:, pledge_state[trained]].T
    trained_rows, training_cols = np.nonzero(can_take)
    option_pledge = np.concatenate([untrained, trained[trained_rows]])
    option_training = np.concatenate([np.full(untrained.size, NONE), training_cols])
    option_ready = pledge_available[option_pledge].copy()
    with_training = option_training >= 0
    option_ready[with_training] = np.maximum(
        option_ready[with_training], training_ready[option_training[with_training]]
    )
    pledge_cost = np.array([p.cost_per_unit for p in pledges], dtype=float)
    training_cost = np.array([t.cost_per_unit for t in trainings], dtype=float)
    option_unit_cost = pledge_cost[option_pledge]
    option_unit_cost[with_training] += training_cost[option_training[with_training]]
    order = np.lexsort((option_training, option_pledge))  # options in pledge order, then training

    return Encoded(
        **quantities(scenario),
        scenario=scenario,
        state_ids=list(states),
        mission_ids=list(missions),
        capability_ids=list(capabilities),
        language_ids=language_ids,
        item_ids=item_ids,
        requirement_ids=[r.id for r in requirements],
        pledge_ids=[p.id for p in pledges],
        training_ids=[t.id for t in trainings],
        donation_ids=[d.id for d in donations],
        state_speaks=_membership([s.languages for s in scenario.member_states], languages),
        state_location=_locations(scenario.member_states),
        state_item_donor=state_item_donor,
        mission_is_host=mission_is_host,
        mission_location=_locations(scenario.missions),
        capability_gender_target=np.array(
            [GENDER_PARITY_TARGET_2028[c.category] for c in scenario.capabilities], dtype=float
        ),
        req_capability=np.array([capabilities[r.capability] for r in requirements], dtype=np.int64),
        req_mission=np.array([missions[r.mission] for r in requirements], dtype=np.int64),
        req_min_readiness=np.array(
            [READINESS_ORDER[r.readiness_needed] for r in requirements],
            dtype=np.int64,
        ),
        req_needed_by=np.array(
            [_days(r.needed_by, start, NO_DEADLINE) for r in requirements], dtype=np.int64
        ),
        req_require_language=np.array(
            [lang(r.require_language) for r in requirements], dtype=np.int64
        ),
        req_preferred_language=np.array(
            [lang(r.preferred_language) for r in requirements], dtype=np.int64
        ),
        req_weight=np.array([weights.of(r.priority) for r in requirements], dtype=float),
        pledge_state=pledge_state,
        pledge_capability=pledge_capability,
        pledge_readiness=np.array([READINESS_ORDER[p.readiness] for p in pledges], dtype=np.int64),
        pledge_available=pledge_available,
        pledge_cost=pledge_cost,
        pledge_women=np.array(
            [np.nan if p.women_share is None else p.women_share for p in pledges], dtype=float
        ),
        pledge_item=np.array(
            [items[p.needs_equipment.item] if p.needs_equipment else NONE for p in pledges],
            dtype=np.int64,
        ),
        pledge_per_unit=np.array(
            [p.needs_equipment.per_unit if p.needs_equipment else 0 for p in pledges],
            dtype=np.int64,
        ),
        pledge_needs_training=pledge_needs_training,
        pledge_excluded=_membership([p.caveats.exclude_missions for p in pledges], missions),
        pledge_has_only=np.array([bool(p.caveats.only_missions) for p in pledges], dtype=bool),
        pledge_only=_membership([p.caveats.only_missions for p in pledges], missions),
        training_capability=training_capability,
        training_ready=training_ready,
        training_cost=training_cost,
        training_trainee=training_trainee,
        donation_item=donation_item,
        donation_recipient=donation_recipient,
        option_pledge=option_pledge[order].astype(np.int64),
        option_training=option_training[order].astype(np.int64),
        option_ready=option_ready[order],
        option_unit_cost=option_unit_cost[order],
    )
