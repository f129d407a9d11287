"""The constraint families: each is one function named for what it enforces, with its mathematics in
the docstring (docs/formulation.md has them all), a stable row name per row (``pledge_capacity[P12]``)
so LP files and reports read well, and a key per row (the pledge, the (state, item) pair, …) by which
a plan's use of it is read back (:meth:`gapsolver.model.model.Model.use`).

This is the one place a capacity is stated. The greedy baseline, the explanations and the chains read
what a plan leaves of each through :class:`gapsolver.model.model.PlanUse`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gapsolver.model.model import INF, Model, RowBlock
from gapsolver.preprocess.encode import NONE, FloatArray, IntArray


def _group(keys: np.ndarray) -> tuple[np.ndarray, IntArray]:
    """Unique keys (rows along axis 0 for 2-D keys) and, for each input, the index of its key."""
    if keys.shape[0] == 0:
        return keys, np.zeros(0, dtype=np.int64)
    if keys.ndim == 1:
        unique, inverse = np.unique(keys, return_inverse=True)
    else:
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    return unique, inverse.reshape(-1).astype(np.int64)


def _ones(n: int) -> FloatArray:
    return np.ones(n, dtype=float)


def _grouped_rows(
    family: str,
    keys: np.ndarray,
    cols: IntArray,
    values: FloatArray,
    upper: Callable[[np.ndarray], FloatArray],
    label: Callable[[Any], str],
) -> RowBlock:
    """One row ``Σ values[k]·v[cols[k]] ≤ upper(key)`` per distinct key, the columns grouped by key."""
    unique, row = _group(keys)
    return RowBlock(
        family,
        [f"{family}[{label(key)}]" for key in unique.tolist()],
        row,
        cols,
        values,
        np.full(len(unique), -INF),
        np.asarray(upper(unique), dtype=float),
        unique,
    )


# ---------------------------------------------------------------------------------------------------
# Constraint families


def define_pledge_capacity(model: Model) -> RowBlock:
    """No pledge gives more than it offers: Σ_{r,t} x[p,r,t] ≤ quantity_p for every pledge p."""
    enc = model.enc
    return _grouped_rows(
        "pledge_capacity",
        enc.option_pledge[model.pair_option],
        np.arange(model.n_pairs),
        _ones(model.n_pairs),
        lambda pledges: enc.pledge_quantity[pledges],
        lambda p: enc.pledge_ids[p],
    )


def define_requirement_cover(model: Model) -> RowBlock:
    """No requirement receives more than it asks: Σ_{p,t} x[p,r,t] ≤ quantity_r for every r."""
    enc = model.enc
    return _grouped_rows(
        "requirement_cover",
        model.pair_requirement,
        np.arange(model.n_pairs),
        _ones(model.n_pairs),
        lambda requirements: enc.req_quantity[requirements],
        lambda r: enc.requirement_ids[r],
    )


def define_training_capacity(model: Model) -> RowBlock:
    """Each trained unit takes one seat: Σ_{p,r} x[p,r,t] ≤ capacity_t for every training t."""
    enc = model.enc
    training = enc.option_training[model.pair_option]
    cols = np.flatnonzero(training != NONE)
    return _grouped_rows(
        "training_capacity",
        training[cols],
        cols,
        _ones(cols.size),
        lambda trainings: enc.training_capacity[trainings],
        lambda t: enc.training_ids[t],
    )


def define_donation_supply(model: Model) -> RowBlock:
    """No donation gives more than it offers: Σ_s y[d,s] ≤ quantity_d for every donation d."""
    enc = model.enc
    return _grouped_rows(
        "donation_supply",
        model.give_donation,
        model.n_pairs + np.arange(model.give_donation.size),
        _ones(model.give_donation.size),
        lambda donations: enc.donation_quantity[donations],
        lambda d: enc.donation_ids[d],
    )


def define_equipment_balance(model: Model) -> RowBlock:
    """Donated items cover the conditional units a state deploys, per state s and item i:

    Σ_{p of s needing i} per_unit_p · Σ_{r,t} x[p,r,t] − Σ_{d of item i} y[d,s] ≤ 0.

    One aggregated row per (state, item) rather than a link per pair: items go to a state, and any of
    its units needing that item may use them.
    """
    enc = model.enc
    pledge = enc.option_pledge[model.pair_option]
    needing = np.flatnonzero(enc.pledge_item[pledge] != NONE)
    use_keys = np.column_stack(
        [enc.pledge_state[pledge[needing]], enc.pledge_item[pledge[needing]]]
    )
    give_keys = np.column_stack([model.give_state, enc.donation_item[model.give_donation]])
    return _grouped_rows(
        "equipment_balance",
        np.concatenate([use_keys, give_keys]).reshape(-1, 2),
        np.concatenate([needing, model.n_pairs + np.arange(model.give_donation.size)]),
        np.concatenate(
            [enc.pledge_per_unit[pledge[needing]].astype(float), -_ones(model.give_donation.size)]
        ),
        lambda keys: np.zeros(len(keys)),
        lambda key: f"{enc.state_ids[key[0]]},{enc.item_ids[key[1]]}",
    )


def define_budget(model: Model) -> RowBlock | None:
    """Spending stays within the budget B when one is set:

    Σ_k (cost_p + cost_t) · x[p,r,t] ≤ B (cost_t = 0 for untrained options).
    """
    budget = model.enc.scenario.settings.budget
    if budget is None:
        return None
    return RowBlock(
        "budget",
        ["budget"],
        np.zeros(model.n_pairs, dtype=np.int64),
        np.arange(model.n_pairs),
        model.enc.option_unit_cost[model.pair_option],
        np.array([-INF]),
        np.array([float(budget)]),
        np.zeros(1, dtype=np.int64),
    )


def define_state_mission_cap(model: Model) -> RowBlock | None:
    """One state sends at most U units to one mission when ``max_units_per_state_per_mission`` = U:

    Σ_{p of s, r of m, t} x[p,r,t] ≤ U for every (state s, mission m).
    """
    enc = model.enc
    cap = enc.scenario.settings.max_units_per_state_per_mission
    if cap is None:
        return None
    return _grouped_rows(
        "state_mission_cap",
        np.column_stack(
            [enc.option_state[model.pair_option], enc.req_mission[model.pair_requirement]]
        ).reshape(-1, 2),
        np.arange(model.n_pairs),
        _ones(model.n_pairs),
        lambda keys: np.full(len(keys), float(cap)),
        lambda key: f"{enc.state_ids[key[0]]},{enc.mission_ids[key[1]]}",
    )


CONSTRAINT_FAMILIES = (
    define_pledge_capacity,
    define_requirement_cover,
    define_training_capacity,
    define_donation_supply,
    define_equipment_balance,
    define_budget,
    define_state_mission_cap,
)
QUANTITY_FAMILIES = {
    "pledge_capacity": define_pledge_capacity,
    "requirement_cover": define_requirement_cover,
    "training_capacity": define_training_capacity,
    "donation_supply": define_donation_supply,
}
"""The families whose bounds are the scenario's quantities and capacities (the others' rows do not
change when only those do: see :func:`gapsolver.model.build.requantified`)."""
