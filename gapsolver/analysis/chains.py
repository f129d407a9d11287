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
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from gapsolver.model.build import build_model
from gapsolver.model.model import Model, PlanUse
from gapsolver.postprocess.extract import values_from_result
from gapsolver.preprocess.encode import NONE, encode
from gapsolver.preprocess.rules import failed_rules, has_course, has_donor
from gapsolver.schema import Pledge, Scenario
from gapsolver.schema.result import Result


@dataclass(frozen=True)
class Chain:
    pledge: str
    state: str
    capability: str
    needs: str  # "equipment", "training" or "equipment+training"
    used: bool
    units: int = 0
    donations: list[dict[str, Any]] = field(default_factory=list)  # {donation, donor, items}
    trainings: list[dict[str, Any]] = field(default_factory=list)  # {training, trainer, seats}
    deployments: list[dict[str, Any]] = field(default_factory=list)  # {requirement, mission, units}
    reason: dict[str, Any] | None = None  # why not used: {type, ...details}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _needs(pledge: Pledge) -> str:
    parts = (["equipment"] if pledge.needs_equipment else []) + (
        ["training"] if pledge.needs_training else []
    )
    return "+".join(parts)


def _why_not(scenario: Scenario, model: Model, use: PlanUse, pledge_index: int) -> dict[str, Any]:
    """The first reason the pledge could not be used, read off the eligibility rules and the plan's
    use of the model's families (the same ones the solve used)."""
    enc = model.enc
    pledge = scenario.pledges[pledge_index]
    state, item = int(enc.pledge_state[pledge_index]), int(enc.pledge_item[pledge_index])
    if not has_donor(enc, np.array([pledge_index]))[0]:  # the equipment rule
        return {"type": "no_eligible_donor", "item": enc.item_ids[item]}
    options = np.flatnonzero(enc.option_pledge == pledge_index)
    courses = sorted({int(t) for t in enc.option_training[options].tolist() if t != NONE})
    course_ids = sorted(enc.training_ids[t] for t in courses)
    if not has_course(enc)[pledge_index]:  # the training rule
        return {"type": "no_training_offered", "capability": pledge.capability}

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
            return {
                "type": "lead_time_misses_needed_by",
                "ready": str(enc.day(int(ready))),
                "trainings": course_ids,
            }
        return {"type": "blocked_by_rules", "rules": dict(sorted(blocked.items()))}
    seats = use.family("training_capacity")
    if pledge.needs_training and seats is not None and all(seats.left(t) <= 0 for t in courses):
        return {"type": "no_training_seat", "trainings": course_ids}
    if item != NONE:
        sources = np.flatnonzero((enc.donation_item == item) & enc.donation_recipient[:, state])
        supply = use.family("donation_supply")
        per_unit = int(enc.pledge_per_unit[pledge_index])
        if supply is not None and all(supply.left(d) < per_unit for d in sources.tolist()):
            return {
                "type": "no_donated_items_left",
                "donations": sorted(enc.donation_ids[d] for d in sources.tolist()),
            }
    return {"type": "not_needed"}


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
                    pledge.id,
                    pledge.state,
                    pledge.capability,
                    _needs(pledge),
                    False,
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
                {"donation": use.donation, "donor": use.donor, "items": use.items}
                for use in result.donations
                if use.recipient == pledge.state and donors[use.donation].item == item
            ]
        chains.append(
            Chain(
                pledge.id,
                pledge.state,
                pledge.capability,
                _needs(pledge),
                True,
                units=units,
                donations=donations,
                trainings=[
                    {"training": t, "trainer": trainers[t], "seats": n}
                    for t, n in sorted(seats.items())
                ],
                deployments=[
                    {"requirement": a.requirement, "mission": a.mission, "units": a.units}
                    for a in assignments
                ],
            )
        )
    return chains
