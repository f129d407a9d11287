"""Enabling chains: for every conditional pledge (one that needs donated equipment and/or training),
the chain donor → recipient (+ trainer) → mission the plan used, or why none could be used.

Why-not reasons, checked in this order (the first that holds is reported, with its details):

- ``no_eligible_donor``: no donation of the needed item lists the state as a recipient;
- ``no_training_offered``: no training for the capability lists the state as a trainee;
- ``lead_time_misses_needed_by``: every requirement it could otherwise serve needs the units before the
  trainings it could take would have them ready;
- ``blocked_by_rules``: no requirement it could serve at all (the hard rules that block it are named);
- ``no_training_seat``: the trainings it could take are full in the plan;
- ``no_donated_items_left``: the donations it could draw on are given out in full in the plan;
- ``not_needed``: it could serve, but the plan fills those requirements at least as well without it.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from gapsolver.model.build import build_model
from gapsolver.model.model import Model, PlanUse
from gapsolver.postprocess.extract import values_from_result
from gapsolver.preprocess.encode import NONE, encode
from gapsolver.preprocess.rules import failed_rules, has_course, has_donor
from gapsolver.schema import Pledge, Scenario
from gapsolver.schema.result import Result


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChainDonation(_Part):
    donation: str
    donor: str
    items: int


class ChainTraining(_Part):
    training: str
    trainer: str
    seats: int


class ChainDeployment(_Part):
    requirement: str
    mission: str
    units: int


class NoEligibleDonor(_Part):
    type: Literal["no_eligible_donor"] = "no_eligible_donor"
    item: str


class NoTrainingOffered(_Part):
    type: Literal["no_training_offered"] = "no_training_offered"
    capability: str


class LeadTimeMissesNeededBy(_Part):
    type: Literal["lead_time_misses_needed_by"] = "lead_time_misses_needed_by"
    ready: str
    trainings: list[str]


class BlockedByRules(_Part):
    type: Literal["blocked_by_rules"] = "blocked_by_rules"
    rules: dict[str, int]
    """Rule name → option–requirement pairs it blocks."""


class NoTrainingSeat(_Part):
    type: Literal["no_training_seat"] = "no_training_seat"
    trainings: list[str]


class NoDonatedItemsLeft(_Part):
    type: Literal["no_donated_items_left"] = "no_donated_items_left"
    donations: list[str]


class NotNeeded(_Part):
    type: Literal["not_needed"] = "not_needed"


WhyNot = Annotated[
    NoEligibleDonor
    | NoTrainingOffered
    | LeadTimeMissesNeededBy
    | BlockedByRules
    | NoTrainingSeat
    | NoDonatedItemsLeft
    | NotNeeded,
    Field(discriminator="type"),
]


class Chain(_Part):
    """A conditional pledge: the chain donor → recipient (+ trainer) → mission the plan used, or why
    none could be used."""

    pledge: str
    state: str
    capability: str
    needs: str
    """``equipment``, ``training`` or ``equipment+training``."""
    used: bool
    units: int = 0
    donations: list[ChainDonation] = Field(default_factory=list)
    trainings: list[ChainTraining] = Field(default_factory=list)
    deployments: list[ChainDeployment] = Field(default_factory=list)
    reason: WhyNot | None = None
    """Why it was not used (None when it was)."""

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _needs(pledge: Pledge) -> str:
    parts = (["equipment"] if pledge.needs_equipment else []) + (
        ["training"] if pledge.needs_training else []
    )
    return "+".join(parts)


def _why_not(scenario: Scenario, model: Model, use: PlanUse, pledge_index: int) -> WhyNot:
    """The first reason the pledge could not be used, read off the eligibility rules and the plan's
    use of the model's families (the same ones the solve used)."""
    enc = model.enc
    pledge = scenario.pledges[pledge_index]
    state, item = int(enc.pledge_state[pledge_index]), int(enc.pledge_item[pledge_index])
    if not has_donor(enc, np.array([pledge_index]))[0]:  # the equipment rule
        return NoEligibleDonor(item=enc.item_ids[item])
    options = np.flatnonzero(enc.option_pledge == pledge_index)
    courses = sorted({int(t) for t in enc.option_training[options].tolist() if t != NONE})
    course_ids = sorted(enc.training_ids[t] for t in courses)
    if not has_course(enc)[pledge_index]:  # the training rule
        return NoTrainingOffered(capability=pledge.capability)

    requirements = np.flatnonzero(enc.req_capability == enc.pledge_capability[pledge_index])
    blocked: Counter[str] = Counter()
    eligible_any = False
    late_only = False
    for option in options.tolist():
        for requirement in requirements.tolist():
            failed = failed_rules(enc, option, requirement)
            if not failed:
                eligible_any = True
            elif failed == ["date"]:
                late_only = True
            blocked.update(failed)
    if not eligible_any:
        if late_only:
            ready = min(enc.option_ready[options].tolist()) if options.size else 0
            return LeadTimeMissesNeededBy(ready=str(enc.day(int(ready))), trainings=course_ids)
        return BlockedByRules(rules=dict(sorted(blocked.items())))
    seats = use.family("training_capacity")
    if pledge.needs_training and seats is not None and all(seats.left(t) <= 0 for t in courses):
        return NoTrainingSeat(trainings=course_ids)
    if item != NONE:
        sources = np.flatnonzero((enc.donation_item == item) & enc.donation_recipient[:, state])
        supply = use.family("donation_supply")
        per_unit = int(enc.pledge_per_unit[pledge_index])
        if supply is not None and all(supply.left(d) < per_unit for d in sources.tolist()):
            return NoDonatedItemsLeft(
                donations=sorted(enc.donation_ids[d] for d in sources.tolist())
            )
    return NotNeeded()


def enabling_chains(scenario: Scenario, result: Result, model: Model | None = None) -> list[Chain]:
    """One chain per conditional pledge, in scenario order (``model``: the one the result was solved
    on, built again when not given)."""
    model = model or build_model(encode(scenario))
    use = model.use(values_from_result(model, result))
    donors = {d.id: d for d in scenario.donations}
    trainers = {t.id: t.trainer for t in scenario.trainings}
    chains = []
    for index, pledge in enumerate(scenario.pledges):
        if not (pledge.needs_equipment or pledge.needs_training):
            continue
        assignments = [a for a in result.assignments if a.pledge == pledge.id]
        units = sum(a.units for a in assignments)
        if units == 0:
            chains.append(
                Chain(
                    pledge=pledge.id,
                    state=pledge.state,
                    capability=pledge.capability,
                    needs=_needs(pledge),
                    used=False,
                    reason=_why_not(scenario, model, use, index),
                )
            )
            continue
        seats: Counter[str] = Counter()
        for a in assignments:
            if a.training is not None:
                seats[a.training] += a.units
        donations = []
        if pledge.needs_equipment:
            item = pledge.needs_equipment.item
            donations = [
                ChainDonation(donation=gift.donation, donor=gift.donor, items=gift.items)
                for gift in result.donations
                if gift.recipient == pledge.state and donors[gift.donation].item == item
            ]
        chains.append(
            Chain(
                pledge=pledge.id,
                state=pledge.state,
                capability=pledge.capability,
                needs=_needs(pledge),
                used=True,
                units=units,
                donations=donations,
                trainings=[
                    ChainTraining(training=t, trainer=trainers[t], seats=n)
                    for t, n in sorted(seats.items())
                ],
                deployments=[
                    ChainDeployment(requirement=a.requirement, mission=a.mission, units=a.units)
                    for a in assignments
                ],
            )
        )
    return chains
