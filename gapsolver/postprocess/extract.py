"""Read the solver's column values back into a :class:`Result`."""

from __future__ import annotations

import numpy as np

from gapsolver.model.model import Model
from gapsolver.preprocess.encode import NONE, FloatArray
from gapsolver.schema.reasons import Reason
from gapsolver.schema.result import (
    Assignment,
    DonationUse,
    RequirementOutcome,
    Result,
    TrainingUse,
)


def assignments_from(model: Model, units: np.ndarray) -> list[Assignment]:
    enc = model.enc
    used = np.flatnonzero(units[: model.n_pairs] > 0)
    out = []
    for k in used.tolist():
        option = int(model.pair_option[k])
        r = int(model.pair_requirement[k])
        p = int(enc.option_pledge[option])
        t = int(enc.option_training[option])
        out.append(
            Assignment(
                pledge=enc.pledge_ids[p],
                state=enc.state_ids[int(enc.pledge_state[p])],
                requirement=enc.requirement_ids[r],
                mission=enc.mission_ids[int(enc.req_mission[r])],
                capability=enc.capability_ids[int(enc.pledge_capability[p])],
                units=int(units[k]),
                training=None if t == NONE else enc.training_ids[t],
                ready=str(enc.day(int(enc.option_ready[option]))),
                unit_cost=float(enc.option_unit_cost[option]),
                score=round(float(model.scores.score[k]), 9),
                equipment=None
                if enc.pledge_item[p] == NONE
                else enc.item_ids[int(enc.pledge_item[p])],
            )
        )
    return out


def allocated_units(model: Model, units: np.ndarray) -> np.ndarray:
    """Units a plan allocates to each requirement, in scenario order."""
    return np.bincount(
        model.pair_requirement,
        weights=units[: model.n_pairs],
        minlength=len(model.enc.requirement_ids),
    ).astype(np.int64)


def gap_figures(model: Model, units: np.ndarray) -> tuple[float, int, np.ndarray]:
    """A plan's weighted gap and unfilled units, as its :class:`Result` gives them, and the units
    short per requirement."""
    enc = model.enc
    gaps = enc.req_quantity - allocated_units(model, units)
    weighted = [float(weight * gap) for weight, gap in zip(enc.req_weight, gaps, strict=True)]
    return round(sum(weighted), 9), int(gaps.sum()), gaps


def requirement_outcomes(
    model: Model, units: np.ndarray, reasons: list[list[Reason]]
) -> list[RequirementOutcome]:
    """One outcome per requirement, in scenario order, with its reasons (see gapsolver.postprocess.reasons)."""
    enc = model.enc
    allocated = allocated_units(model, units)
    out = []
    for r, requirement in enumerate(enc.scenario.requirements):
        gap = int(enc.req_quantity[r] - allocated[r])
        out.append(
            RequirementOutcome(
                id=requirement.id,
                mission=requirement.mission,
                capability=requirement.capability,
                priority=requirement.priority.value,
                weight=float(enc.req_weight[r]),
                quantity=int(enc.req_quantity[r]),
                allocated=int(allocated[r]),
                gap=gap,
                weighted_gap=float(enc.req_weight[r] * gap),
                reasons=reasons[r],
            )
        )
    return out


def _item_needs(model: Model, x: np.ndarray) -> np.ndarray:
    """[S, I] donated items each state's deployed units use: the equipment balance rows' activity
    with no gift."""
    enc = model.enc
    need = np.zeros((len(enc.state_ids), len(enc.item_ids)), dtype=np.int64)
    rows = model.use(np.concatenate([x, np.zeros(model.give_donation.size)])).family(
        "equipment_balance"
    )
    if rows is not None:
        for (state, item), used in zip(rows.keys.tolist(), rows.activity.tolist(), strict=True):
            need[state, item] = round(used)
    return need


def trimmed_gifts(model: Model, units: np.ndarray) -> np.ndarray:
    """The donation columns y trimmed to what the recipients' deployed units use.

    The model only requires donated items ≥ items used; any surplus the solver left on y carries no
    meaning, so each (state, item) need is met from the solver's gifts in donation order.
    """
    enc = model.enc
    gifts = units[model.n_pairs :]
    need = _item_needs(model, units[: model.n_pairs])
    trimmed = np.zeros(gifts.size, dtype=np.int64)
    for j in np.lexsort((model.give_state, model.give_donation)).tolist():
        s, item = int(model.give_state[j]), int(enc.donation_item[model.give_donation[j]])
        trimmed[j] = max(int(min(gifts[j], need[s, item])), 0)
        need[s, item] -= trimmed[j]
    return trimmed


def donation_uses(model: Model, units: np.ndarray) -> list[DonationUse]:
    """Items each recipient receives (:func:`trimmed_gifts`), with what its units using them fill."""
    enc = model.enc
    x = units[: model.n_pairs]
    pledge = enc.option_pledge[model.pair_option]
    with_item = enc.pledge_item[pledge] != NONE
    fills: dict[tuple[int, int], list[dict[str, object]]] = {}
    for k in np.flatnonzero((x > 0) & with_item).tolist():
        key = (int(enc.pledge_state[pledge[k]]), int(enc.pledge_item[pledge[k]]))
        r = int(model.pair_requirement[k])
        fills.setdefault(key, []).append(
            {
                "requirement": enc.requirement_ids[r],
                "mission": enc.mission_ids[int(enc.req_mission[r])],
                "units": int(x[k]),
            }
        )
    trimmed = trimmed_gifts(model, units)
    out = []
    for j in np.lexsort((model.give_state, model.give_donation)).tolist():
        if trimmed[j] <= 0:
            continue
        d, s = int(model.give_donation[j]), int(model.give_state[j])
        donation = enc.scenario.donations[d]
        out.append(
            DonationUse(
                donation=donation.id,
                donor=donation.donor,
                item=donation.item,
                recipient=enc.state_ids[s],
                items=int(trimmed[j]),
                requirements=fills.get((s, int(enc.donation_item[d])), []),
            )
        )
    return out


def training_uses(model: Model, units: np.ndarray) -> list[TrainingUse]:
    enc = model.enc
    training = enc.option_training[model.pair_option]
    trained = training != NONE
    seats = np.bincount(
        training[trained], weights=units[: model.n_pairs][trained], minlength=len(enc.training_ids)
    ).astype(np.int64)
    return [
        TrainingUse(
            training=course.id,
            trainer=course.trainer,
            capability=course.capability,
            capacity=course.capacity,
            seats_used=int(seats[t]),
        )
        for t, course in enumerate(enc.scenario.trainings)
    ]


def plan_totals(model: Model, units: FloatArray) -> tuple[float, float, float | None]:
    """(suitability, cost, women share of deployed personnel where committed)."""
    enc = model.enc
    x = units[: model.n_pairs]
    suitability = float(model.scores.score @ x)
    cost = float(enc.option_unit_cost[model.pair_option] @ x)
    pledge = enc.option_pledge[model.pair_option]
    personnel = (
        np.array([c.personnel for c in enc.scenario.capabilities], dtype=float)[
            enc.pledge_capability[pledge]
        ]
        * x
    )
    women = enc.pledge_women[pledge]
    known = ~np.isnan(women)
    total = personnel[known].sum()
    women_share = float((women[known] * personnel[known]).sum() / total) if total > 0 else None
    return suitability, cost, women_share


def values_from_result(model: Model, result: Result) -> np.ndarray:
    """A result's plan back in the model's columns (the inverse of the extraction): units per
    assignment on its pair's column, items per donation use on its gift's column."""
    position = {name: j for j, name in enumerate(model.col_names)}
    values = np.zeros(model.n_cols)
    for a in result.assignments:
        name = f"x[{a.pledge},{a.requirement}" + (f",{a.training}]" if a.training else "]")
        values[position[name]] += a.units
    for use in result.donations:
        values[position[f"y[{use.donation},{use.recipient}]"]] += use.items
    return values
