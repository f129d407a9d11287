"""The LP relaxation of a large model by pricing instead of enumerating (column generation).

The suitability stage's LP over every eligible pair is the slowest step at 10,000 pledges (81–87 s
by dual simplex over 441,017 columns), although an optimal vertex uses a few per requirement. So it
is solved over a restricted set of columns — the columns of a feasible plan (stage 1's), the
:data:`INITIAL_PER_REQUIREMENT` cheapest free columns of every requirement and every gift column —
and then every column is priced in one vectorised pass from the restricted LP's row duals,
d = c − Aᵀy; the :data:`ADDED_PER_REQUIREMENT` most negative of each requirement join, and the LP is
solved again, until no free column has a negative reduced cost. That LP optimum is the optimum over all
columns (the restricted duals are then feasible for the whole LP), returned in the whole model's
space, where :func:`gapsolver.solve.lexicographic.certified_reduced_costs` checks it like any other.
The restricted model's solver is returned too: the stage's dive runs on it (a plan over some columns
is a plan of the model). HiGHS only: it adds columns to a solved LP and re-solves from its basis.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gapsolver.backend import StageOutcome, StageStatus
from gapsolver.backend.base import relaxation_outcome
from gapsolver.backend.highs import HighsBackend
from gapsolver.model.model import Model

PRICING_COLUMNS = 200_000
"""Models with more columns than this solve the suitability LP by pricing (below it, measured at
2,000 pledges, pricing is no faster than the whole LP: 5.0 s against 1.5 s on seed 2)."""
PRICING_COLUMNS_WEIGHTED_GAP = 1_000_000
"""And the weighted gap's LP above this many (at 441,017 columns its whole LP takes 2 s, priced
4.5 s, and the priced vertex was fractional)."""
INITIAL_PER_REQUIREMENT = 30
ADDED_PER_REQUIREMENT = 5
PRICING_TOLERANCE = 1e-9
MAX_ROUNDS = 100


@dataclass
class Priced:
    """The LP optimum over every column, found over ``columns`` (in the order of ``backend``'s
    columns); ``backend`` holds the restricted LP at that optimum."""

    outcome: StageOutcome
    columns: np.ndarray
    backend: HighsBackend
    rounds: int


def _cheapest_per_requirement(
    model: Model, candidates: np.ndarray, cost: np.ndarray, count: int
) -> np.ndarray:
    """Of the assignment columns among ``candidates``, the ``count`` of least ``cost`` for each
    requirement (ties by suitability, then column order)."""
    pairs = candidates[candidates < model.n_pairs]
    requirement = model.pair_requirement[pairs]
    order = pairs[np.lexsort((pairs, model.secondary[pairs], cost[pairs], requirement))]
    ranked = model.pair_requirement[order]
    rank = np.arange(order.size) - np.searchsorted(ranked, ranked)
    return order[rank < count]


def restricted_backend(
    model: Model,
    columns: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    tight: np.ndarray,
    added: list[tuple[np.ndarray, np.ndarray, float]],
) -> HighsBackend:
    """HiGHS holding ``model`` over ``columns`` only (ascending; see :meth:`Model.restricted`), with
    those columns' bounds from ``lower``/``upper``, the rows flagged in ``tight`` made equalities
    and the ``added`` ≤ rows over the columns kept."""
    backend = HighsBackend(model.restricted(columns))
    backend.set_col_bounds(lower[columns], upper[columns])
    backend.set_row_upper_tight(tight)
    position = np.full(model.n_cols, -1, dtype=np.int64)
    position[columns] = np.arange(columns.size)
    for index, (cols, values, bound) in enumerate(added):
        kept = position[cols] >= 0
        backend.add_row(position[cols[kept]], values[kept], -np.inf, bound, f"added_{index}")
    return backend


def priced_relaxation(
    model: Model,
    objective: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    tight: np.ndarray,
    added: list[tuple[np.ndarray, np.ndarray, float]],
    seed: np.ndarray,
    deadline: Callable[[], float | None],
) -> Priced | None:
    """The LP relaxation of ``model`` with column bounds ``lower``/``upper``, the rows flagged in
    ``tight`` made equalities and the ``added`` ≤ rows, by pricing. ``seed``: a feasible plan, whose
    columns start the restricted set. The restricted model's solver keeps its basis as columns join
    (HiGHS ``addCols``). None when the restricted LP fails (the caller then solves the whole LP) or
    time runs out."""
    began = time.perf_counter()
    free = np.flatnonzero(upper > lower)
    gifts = np.arange(model.n_pairs, model.n_cols)
    active = np.union1d(
        np.union1d(np.flatnonzero(seed), gifts),
        _cheapest_per_requirement(model, free, objective, INITIAL_PER_REQUIREMENT),
    )
    all_row, all_col, all_value = model.matrix_with(added)
    order = np.argsort(all_col, kind="stable")
    by_col_row, by_col_value = all_row[order], all_value[order]
    col_start = np.searchsorted(all_col[order], np.arange(model.n_cols + 1))
    is_free = upper > lower

    backend = restricted_backend(model, active, lower, upper, tight, added)
    in_set = np.zeros(model.n_cols, dtype=bool)
    in_set[active] = True
    for rounds in range(1, MAX_ROUNDS + 1):
        time_left = deadline()
        if time_left is not None and time_left <= 0:
            return None
        outcome = backend.solve(objective[active], relax=True, time_limit=time_left)
        if outcome.status is not StageStatus.optimal or outcome.values is None:
            return None
        duals = outcome.row_dual
        if duals is None:
            return None
        reduced = np.asarray(
            objective
            - np.bincount(all_col, weights=all_value * duals[all_row], minlength=model.n_cols),
            dtype=float,
        )
        entering = np.flatnonzero(~in_set & is_free & (reduced < -PRICING_TOLERANCE))
        if entering.size == 0:
            values = np.zeros(model.n_cols)
            values[active] = outcome.values
            full = relaxation_outcome(
                values, float(objective @ values), time.perf_counter() - began, reduced, duals
            )
            return Priced(full, active, backend, rounds)
        chosen = np.union1d(
            _cheapest_per_requirement(model, entering, reduced, ADDED_PER_REQUIREMENT),
            entering[entering >= model.n_pairs],
        )
        lengths = col_start[chosen + 1] - col_start[chosen]
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        entries = np.repeat(col_start[chosen] - starts, lengths) + np.arange(lengths.sum())
        backend.add_columns(
            lower[chosen],
            upper[chosen],
            model.col_integer[chosen],
            starts,
            by_col_row[entries],
            by_col_value[entries],
        )
        active = np.concatenate([active, chosen])  # in the solver's column order
        in_set[chosen] = True
    return None
