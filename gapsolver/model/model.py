"""The mixed-integer model, as sparse arrays.

Variables, then constraints, then objectives, in :func:`build_model`. Each constraint family is one
function named for what it enforces, with its mathematics in the docstring (docs/formulation.md has
them all) and a stable row name per row (``pledge_capacity[P12]``) so LP files and reports read well.

The model is solver-neutral: a matrix in coordinate form with row and column bounds, integrality and
two objective vectors. A backend (``gapsolver.backend``) hands it to HiGHS or CBC.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gapsolver.preprocess.encode import NONE, Encoded, FloatArray, IntArray
from gapsolver.preprocess.rules import eligible_pairs
from gapsolver.preprocess.scoring import Scores, score_pairs

INF = float("inf")


@dataclass
class RowBlock:
    """Rows of one constraint family: ``lower ≤ A[rows] x ≤ upper`` with A in coordinate form
    (row indices local to the block)."""

    family: str
    names: list[str]
    row: IntArray
    col: IntArray
    value: FloatArray
    lower: FloatArray
    upper: FloatArray


@dataclass
class Model:
    """The MILP in array form plus the pair arrays needed to read a solution back.

    Columns ``0 .. K-1`` are the assignment variables x[k] for eligible pairs (``pair_option[k]``,
    ``pair_requirement[k]``); columns ``K .. K+Y-1`` are the donation variables y[j] giving items of
    donation ``give_donation[j]`` to state ``give_state[j]``.
    """

    enc: Encoded
    pair_option: IntArray
    pair_requirement: IntArray
    scores: Scores
    give_donation: IntArray
    give_state: IntArray
    col_names: list[str]
    col_lower: FloatArray
    col_upper: FloatArray
    col_integer: np.ndarray
    blocks: list[RowBlock] = field(default_factory=list)
    primary: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Minimise ``primary_offset + primary @ v``: the weighted gap."""
    primary_offset: float = 0.0
    secondary: FloatArray = field(default_factory=lambda: np.zeros(0))
    """Minimise ``secondary @ v``: minus the total suitability score."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent on eligibility, scoring and rows while building."""
    _matrix: tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray, list[str]] | None = (
        field(default=None, repr=False)
    )

    @property
    def n_pairs(self) -> int:
        return int(self.pair_option.size)

    @property
    def n_cols(self) -> int:
        return len(self.col_names)

    @property
    def n_rows(self) -> int:
        return sum(len(block.names) for block in self.blocks)

    def matrix(self) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray, list[str]]:
        """All blocks stacked: (row, col, value, lower, upper, names) with global row indices.
        Computed once: the blocks do not change after :func:`build_model`."""
        if self._matrix is None:
            self._matrix = self._stack()
        return self._matrix

    def _stack(self) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray, list[str]]:
        rows, cols, values, lowers, uppers, names = [], [], [], [], [], []
        offset = 0
        for block in self.blocks:
            rows.append(block.row + offset)
            cols.append(block.col)
            values.append(block.value)
            lowers.append(block.lower)
            uppers.append(block.upper)
            names += block.names
            offset += len(block.names)
        if not rows:
            empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0)
            return empty_i, empty_i, empty_f, empty_f, empty_f, []
        return (
            np.concatenate(rows),
            np.concatenate(cols),
            np.concatenate(values),
            np.concatenate(lowers),
            np.concatenate(uppers),
            names,
        )


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


# ---------------------------------------------------------------------------------------------------
# Assembly


def _donation_gifts(enc: Encoded, pair_option: IntArray) -> tuple[IntArray, IntArray]:
    """(donation, recipient) pairs worth a variable: the recipient is eligible and has at least one
    eligible pair whose pledge needs the donation's item."""
    pledge = enc.option_pledge[pair_option]
    needs = np.zeros((len(enc.state_ids), len(enc.item_ids)), dtype=bool)
    with_item = enc.pledge_item[pledge] != NONE
    needs[enc.pledge_state[pledge[with_item]], enc.pledge_item[pledge[with_item]]] = True
    useful = enc.donation_recipient & needs[:, enc.donation_item].T  # [D, S]
    donation, state = np.nonzero(useful)
    return donation.astype(np.int64), state.astype(np.int64)


def build_model(enc: Encoded) -> Model:
    """Variables, then constraints, then objectives."""
    # Variables: x over eligible pairs only; y over useful (donation, recipient) pairs.
    began = time.perf_counter()
    pair_option, pair_requirement = eligible_pairs(enc)
    eligibility_seconds = time.perf_counter() - began
    give_donation, give_state = _donation_gifts(enc, pair_option)
    pledge = enc.option_pledge[pair_option]
    training = enc.option_training[pair_option]
    x_names = [
        f"x[{enc.pledge_ids[p]},{enc.requirement_ids[r]}"
        + (f",{enc.training_ids[t]}]" if t != NONE else "]")
        for p, r, t in zip(
            pledge.tolist(), pair_requirement.tolist(), training.tolist(), strict=True
        )
    ]
    y_names = [
        f"y[{enc.donation_ids[d]},{enc.state_ids[s]}]"
        for d, s in zip(give_donation.tolist(), give_state.tolist(), strict=True)
    ]
    x_upper = np.minimum(enc.pledge_quantity[pledge], enc.req_quantity[pair_requirement])
    began = time.perf_counter()
    scores = score_pairs(enc, pair_option, pair_requirement)
    score_seconds = time.perf_counter() - began
    model = Model(
        enc=enc,
        pair_option=pair_option,
        pair_requirement=pair_requirement,
        scores=scores,
        give_donation=give_donation,
        give_state=give_state,
        col_names=x_names + y_names,
        col_lower=np.zeros(len(x_names) + len(y_names)),
        col_upper=np.concatenate(
            [x_upper.astype(float), enc.donation_quantity[give_donation].astype(float)]
        ),
        col_integer=np.ones(len(x_names) + len(y_names), dtype=bool),
    )

    # Constraints
    began = time.perf_counter()
    for define in CONSTRAINT_FAMILIES:
        block = define(model)
        if block is not None and block.names:
            model.blocks.append(block)

    # Objectives: weighted gap = Σ_r w_r q_r − Σ_k w_{r(k)} x_k; suitability = Σ_k score_k x_k.
    n_give = give_donation.size
    model.primary = np.concatenate([-enc.req_weight[pair_requirement], np.zeros(n_give)])
    model.primary_offset = float(enc.req_weight @ enc.req_quantity)
    model.secondary = np.concatenate([-model.scores.score, np.zeros(n_give)])
    model.timings = {
        "eligibility": eligibility_seconds,
        "score": score_seconds,
        "rows": time.perf_counter() - began,
    }
    return model


def violations(model: Model, values: np.ndarray, tolerance: float = 1e-6) -> list[str]:
    """Names of the rows and columns ``values`` breaks (empty for a feasible plan)."""
    broken = [
        model.col_names[j]
        for j in np.flatnonzero(
            (values < model.col_lower - tolerance) | (values > model.col_upper + tolerance)
        ).tolist()
    ]
    broken += [
        model.col_names[j] for j in np.flatnonzero(np.abs(values - np.round(values)) > tolerance)
    ]
    row, col, value, lower, upper, names = model.matrix()
    activity = np.bincount(row, weights=value * values[col], minlength=len(names))
    bad = (activity > upper + tolerance) | (activity < lower - tolerance)
    return broken + [names[i] for i in np.flatnonzero(bad).tolist()]
