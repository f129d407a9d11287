"""The greedy baseline: the plan a planner would draw up by hand from a ranked list.

Requirements are taken in priority order (heaviest weight first, then scenario order); for each, the
eligible options are taken best score first, and each gets as many units as every capacity allows.
The capacities are the model's own rows, whatever their family: a pair's column gets as many units as
each row it is in leaves room for (pledge units left, requirement units left, training seats, budget,
the state-per-mission cap, …). A row whose room can be made by raising other columns with a negative
coefficient — the equipment balance, where gifts of donated items make room for the units that use
them — counts those columns' own room too, and they are raised (in column order: donation order) as
the units are placed. Eligibility and scores come from the same code as the MILP's, so the two differ
only in how they search. The plan is returned in the model's column space, so it is read back,
checked and reported exactly like a solver's.
"""

from __future__ import annotations

import numpy as np

from gapsolver.model.model import Model


class _Rows:
    """The model's rows by column and by row, with their activity as columns are raised."""

    def __init__(self, model: Model) -> None:
        row, col, value, _, upper, names = model.matrix()
        by_col = np.argsort(col, kind="stable")
        self.col_start = np.searchsorted(col[by_col], np.arange(model.n_cols + 1)).tolist()
        self.col_row = row[by_col].tolist()
        self.col_value = value[by_col].tolist()
        negative = np.flatnonzero(value < 0)
        self.row_helpers: dict[int, list[tuple[int, float]]] = {}
        for k in negative[np.lexsort((col[negative], row[negative]))].tolist():
            self.row_helpers.setdefault(int(row[k]), []).append((int(col[k]), float(value[k])))
        self.upper = upper.tolist()
        self.activity = [0.0] * len(names)
        self.col_upper = model.col_upper.tolist()
        self.values = [0.0] * model.n_cols

    def entries(self, j: int) -> list[tuple[int, float]]:
        begin, end = self.col_start[j], self.col_start[j + 1]
        return list(zip(self.col_row[begin:end], self.col_value[begin:end], strict=True))

    def helpers(self, i: int) -> list[tuple[int, float]]:
        """Columns with a negative coefficient in row ``i``, in column order: raising them makes
        room in it."""
        return self.row_helpers.get(i, [])

    def own_room(self, j: int) -> float:
        """How far column ``j`` can rise within its bound and the rows it uses capacity of."""
        room = self.col_upper[j] - self.values[j]
        for i, a in self.entries(j):
            if a > 0:
                room = min(room, (self.upper[i] - self.activity[i]) // a)
        return room

    def room(self, i: int) -> float:
        """Room in row ``i``: its slack, plus what its helper columns could still add."""
        helpers = self.row_helpers.get(i)
        slack = self.upper[i] - self.activity[i]
        if helpers is None:
            return slack
        return slack + sum(-a * self.own_room(j) for j, a in helpers)

    def raise_column(self, j: int, units: float) -> None:
        self.values[j] += units
        for i, a in self.entries(j):
            self.activity[i] += a * units

    def make_room(self, i: int) -> None:
        """Raise row ``i``'s helper columns, in column order, until it holds again."""
        for j, a in self.helpers(i):
            over = self.activity[i] - self.upper[i]
            if over <= 0:
                return
            take = min(-(-over // -a), self.own_room(j))
            if take > 0:
                self.raise_column(j, take)


def greedy_plan(model: Model) -> np.ndarray:
    """Column values (x then y) of the greedy plan; feasible for every constraint of the model."""
    enc = model.enc
    rows = _Rows(model)
    order = np.lexsort(
        (
            np.arange(model.n_pairs),
            -model.scores.score,
            model.pair_requirement,
            -enc.req_weight[model.pair_requirement],
        )
    )
    col_start, col_row, col_value = rows.col_start, rows.col_row, rows.col_value
    upper, activity, helpers = rows.upper, rows.activity, rows.row_helpers
    for k in order.tolist():
        units = rows.col_upper[k] - rows.values[k]
        for at in range(col_start[k], col_start[k + 1]):
            a = col_value[at]
            if a > 0:
                i = col_row[at]
                room = rows.room(i) if i in helpers else upper[i] - activity[i]
                units = min(units, room // a)
                if units <= 0:
                    break
        if units <= 0:
            continue
        rows.raise_column(k, units)
        for i, _ in rows.entries(k):
            if activity[i] > upper[i]:
                rows.make_room(i)
    return np.asarray(rows.values, dtype=float)
