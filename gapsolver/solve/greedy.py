"""The greedy baseline: the plan a planner would draw up by hand from a ranked list.

Requirements are taken in priority order (heaviest weight first, then scenario order); for each, the
eligible options are taken best score first, and each gets as many units as every capacity allows —
pledge units left, requirement units left, training seats, donated items the state can still receive,
budget, and the state-per-mission cap. Eligibility and scores come from the same code as the MILP's,
so the two differ only in how they search. The plan is returned in the model's column space, so it
is read back, checked and reported exactly like a solver's.
"""

from __future__ import annotations

import numpy as np

from gapsolver.model.model import Model
from gapsolver.preprocess.encode import NONE


def greedy_plan(model: Model) -> np.ndarray:
    """Column values (x then y) of the greedy plan; feasible for every constraint of the model."""
    enc = model.enc
    settings = enc.scenario.settings
    values = np.zeros(model.n_cols)
    k_count = model.n_pairs

    pledge = enc.option_pledge[model.pair_option]
    training = enc.option_training[model.pair_option]
    state = enc.pledge_state[pledge]
    mission = enc.req_mission[model.pair_requirement]
    item = enc.pledge_item[pledge]
    per_unit = enc.pledge_per_unit[pledge]
    unit_cost = enc.option_unit_cost[model.pair_option]

    pledge_left = enc.pledge_quantity.astype(np.int64).copy()
    requirement_left = enc.req_quantity.astype(np.int64).copy()
    seats_left = enc.training_capacity.astype(np.int64).copy()
    items_left = enc.donation_quantity.astype(np.int64).copy()
    budget_left = np.inf if settings.budget is None else float(settings.budget)
    cap = settings.max_units_per_state_per_mission
    sent: dict[tuple[int, int], int] = {}

    # gift columns per (state, item), in donation order
    gifts: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for j in np.lexsort((model.give_donation, model.give_state)).tolist():
        d, s = int(model.give_donation[j]), int(model.give_state[j])
        gifts.setdefault((s, int(enc.donation_item[d])), []).append((d, k_count + j))

    order = np.lexsort(
        (
            np.arange(k_count),
            -model.scores.score,
            model.pair_requirement,
            -enc.req_weight[model.pair_requirement],
        )
    )
    for k in order.tolist():
        r, p = int(model.pair_requirement[k]), int(pledge[k])
        units = min(int(requirement_left[r]), int(pledge_left[p]))
        if units <= 0:
            continue
        t = int(training[k])
        if t != NONE:
            units = min(units, int(seats_left[t]))
        key = (int(state[k]), int(mission[k]))
        if cap is not None:
            units = min(units, cap - sent.get(key, 0))
        if unit_cost[k] > 0 and np.isfinite(budget_left):
            units = min(units, int(budget_left // unit_cost[k]))
        sources: list[tuple[int, int]] = []
        if item[k] != NONE:
            sources = gifts.get((int(state[k]), int(item[k])), [])
            available = sum(int(items_left[d]) for d, _ in sources)
            units = min(units, available // int(per_unit[k]))
        if units <= 0:
            continue
        values[k] += units
        requirement_left[r] -= units
        pledge_left[p] -= units
        if t != NONE:
            seats_left[t] -= units
        sent[key] = sent.get(key, 0) + units
        budget_left -= units * unit_cost[k]
        need = units * int(per_unit[k]) if item[k] != NONE else 0
        for d, column in sources:
            take = min(need, int(items_left[d]))
            items_left[d] -= take
            values[column] += take
            need -= take
            if need == 0:
                break
    return values
