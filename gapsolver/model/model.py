"""The mixed-integer model, as sparse arrays, and a plan read against its rows.

The constraint families are in :mod:`gapsolver.model.families`; :func:`gapsolver.model.build.build_model`
assembles variables, rows and objectives. Whatever wants to know how much room a family leaves in a
plan (greedy, explanations, chains) reads it here, through :meth:`Model.use`, never by recounting.

The model is solver-neutral: a matrix in coordinate form with row and column bounds, integrality and
two objective vectors. A backend (``gapsolver.backend``) hands it to HiGHS or CBC.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gapsolver.preprocess.encode import Encoded, FloatArray, IntArray
from gapsolver.preprocess.scoring import Scores

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
    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """What each row is about, in row order (a pledge index; a (state, item) pair; …): the key
    :meth:`PlanUse.family` looks rows up by."""


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

    # Derived models (the shortfall, sequential missions, alternatives) are copies: a built model is
    # never changed, so the solve that built it and every analysis reading it see the same rows.

    def derived(self, **fields: Any) -> Model:
        """A copy with some fields replaced: column bounds, objectives."""
        return dataclasses.replace(self, **fields)

    def with_row_lower(self, family: str, lower: dict[Any, float]) -> Model:
        """A copy whose rows of ``family`` get lower bounds by row key (the others stay −∞)."""
        return self._with_block(
            family,
            lambda block: dataclasses.replace(
                block,
                lower=np.array([lower.get(key, -INF) for key in block.keys.tolist()], dtype=float),
            ),
        )

    def without_columns_in(self, family: str, columns: np.ndarray) -> Model:
        """A copy in which the columns flagged in ``columns`` do not count in ``family``'s rows."""
        return self._with_block(
            family,
            lambda block: dataclasses.replace(
                block, value=np.where(columns[block.col], 0.0, block.value)
            ),
        )

    def restricted(self, columns: np.ndarray) -> Model:
        """The model over the columns ``columns`` only (ascending indices), every row kept (some may
        be empty): row ``i`` of the copy is row ``i`` of this model, column ``j`` is ``columns[j]``."""
        position = np.full(self.n_cols, -1, dtype=np.int64)
        position[columns] = np.arange(columns.size)
        pairs = columns[columns < self.n_pairs]
        gifts = columns[columns >= self.n_pairs] - self.n_pairs
        blocks = []
        for block in self.blocks:
            kept = position[block.col] >= 0
            blocks.append(
                dataclasses.replace(
                    block,
                    row=block.row[kept],
                    col=position[block.col[kept]],
                    value=block.value[kept],
                )
            )
        return dataclasses.replace(
            self,
            pair_option=self.pair_option[pairs],
            pair_requirement=self.pair_requirement[pairs],
            scores=Scores(
                features={name: value[pairs] for name, value in self.scores.features.items()},
                score=self.scores.score[pairs],
            ),
            give_donation=self.give_donation[gifts],
            give_state=self.give_state[gifts],
            col_names=[self.col_names[c] for c in columns.tolist()],
            col_lower=self.col_lower[columns],
            col_upper=self.col_upper[columns],
            col_integer=self.col_integer[columns],
            blocks=blocks,
            primary=self.primary[columns],
            secondary=self.secondary[columns],
            _matrix=None,
        )

    def with_blocks(self, blocks: list[RowBlock]) -> Model:
        """A copy with these row blocks (same families, in the same order)."""
        return dataclasses.replace(self, blocks=blocks, _matrix=None)

    def _with_block(self, family: str, change: Callable[[RowBlock], RowBlock]) -> Model:
        blocks = [change(block) if block.family == family else block for block in self.blocks]
        return dataclasses.replace(self, blocks=blocks, _matrix=None)

    def use(self, values: np.ndarray) -> PlanUse:
        """Every constraint family's rows read against the column values ``values`` (each family's
        activity computed when first asked for)."""
        return PlanUse(self, values)

    @property
    def n_rows(self) -> int:
        return sum(len(block.names) for block in self.blocks)

    def matrix(self) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray, list[str]]:
        """All blocks stacked: (row, col, value, lower, upper, names) with global row indices.
        Computed once: the blocks do not change after :func:`build_model`."""
        if self._matrix is None:
            self._matrix = self._stack()
        return self._matrix

    def matrix_with(
        self, rows: list[tuple[IntArray, FloatArray, float]]
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """(row, col, value) of every block and then of ``rows`` (each ``(cols, values, upper)``,
        rows added to the model by a solve), numbered after the model's own."""
        row, col, value, _, _, _ = self.matrix()
        extra_rows = [np.full(cols.size, self.n_rows + i) for i, (cols, _, _) in enumerate(rows)]
        return (
            np.concatenate([row, *extra_rows]).astype(np.int64),
            np.concatenate([col, *(cols for cols, _, _ in rows)]).astype(np.int64),
            np.concatenate([value, *(values for _, values, _ in rows)]),
        )

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


@dataclass
class FamilyUse:
    """One constraint family's rows against a plan: per row, its key, activity and bounds."""

    family: str
    keys: np.ndarray
    activity: FloatArray
    lower: FloatArray
    upper: FloatArray
    _index: dict[Any, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {
            (tuple(k) if isinstance(k, list) else k): i for i, k in enumerate(self.keys.tolist())
        }

    def used(self, key: Any) -> float:
        """The row's activity for ``key`` (0 when the family has no row for it: nothing uses it)."""
        row = self._index.get(key)
        return 0.0 if row is None else float(self.activity[row])

    def left(self, key: Any) -> float:
        """Room the row for ``key`` has left (infinite when the family has no row for it)."""
        row = self._index.get(key)
        return INF if row is None else float(self.upper[row] - self.activity[row])

    def used_by(self, count: int) -> FloatArray:
        """For a family keyed by one index (pledge, training, donation): activity per index."""
        out = np.zeros(count)
        out[self.keys.astype(np.int64)] = self.activity
        return out


class PlanUse:
    """Every family's rows against one plan (:meth:`Model.use`), each read when first asked for."""

    def __init__(self, model: Model, values: np.ndarray) -> None:
        self.model = model
        self.values = values
        self._families: dict[str, FamilyUse | None] = {}

    def family(self, name: str) -> FamilyUse | None:
        """The family's rows, or None when the model has none (e.g. no budget is set)."""
        if name not in self._families:
            block = next((b for b in self.model.blocks if b.family == name), None)
            self._families[name] = None if block is None else self._read(block)
        return self._families[name]

    def _read(self, block: RowBlock) -> FamilyUse:
        activity = np.bincount(
            block.row, weights=block.value * self.values[block.col], minlength=len(block.names)
        ).astype(float)
        return FamilyUse(block.family, block.keys, activity, block.lower, block.upper)


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
