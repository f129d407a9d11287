"""What every solver backend offers and returns.

Both backends offer the same calls, which is all the lexicographic solve needs: solve with an objective
(as a MIP, or its LP relaxation with duals), change column or row bounds, and add a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from gapsolver.model.model import Model
from gapsolver.preprocess.encode import FloatArray, IntArray
from gapsolver.schema.result import StageStatus  # re-exported: the backends' outcomes


@dataclass(frozen=True)
class StageOutcome:
    status: StageStatus
    values: FloatArray | None
    objective: float | None
    bound: float | None
    mip_gap: float | None
    seconds: float
    col_dual: FloatArray | None = None  # reduced costs, LP relaxations only
    row_dual: FloatArray | None = (
        None  # row duals (model rows, then added rows), LP relaxations only
    )


def relaxation_outcome(
    values: FloatArray, objective: float, seconds: float, col_dual: FloatArray, row_dual: FloatArray
) -> StageOutcome:
    """The outcome of an LP relaxation solved to optimality: its value is its own bound."""
    return StageOutcome(
        StageStatus.optimal, values, objective, objective, 0.0, seconds, col_dual, row_dual
    )


class Backend(Protocol):
    name: str
    cheap_resolves: bool
    """Whether an LP re-solve after a bound change is cheap (warm from the last basis, in process):
    the lexicographic solve dives only on such backends."""

    def solve(
        self,
        objective: FloatArray,
        *,
        relax: bool = False,
        time_limit: float | None = None,
        warm_start: FloatArray | None = None,
        gap_rel: float = 0.0,
    ) -> StageOutcome: ...

    def set_col_bounds(
        self, lower: FloatArray, upper: FloatArray, cols: IntArray | None = None
    ) -> None:
        """Set the bounds of every column, or of the columns ``cols`` (then ``lower`` and ``upper``
        hold theirs, in that order)."""
        ...

    def set_row_upper_tight(self, tight: np.ndarray) -> None:
        """Make the model rows flagged in ``tight`` equalities at their upper bound (others as built)."""
        ...

    def add_row(
        self, cols: IntArray, values: FloatArray, lower: float, upper: float, name: str
    ) -> None: ...

    def restore(self, model: Model) -> None:
        """Back to ``model``: the model this backend was made from, or a copy of it with other
        column bounds and row bounds (the same columns, rows and coefficients) — its bounds, no
        added row, no row made an equality; and, after
        :meth:`remember_start`, the solver's state as it was then (so a re-solve does not depend on
        what ran before it)."""
        ...

    def remember_start(self) -> None:
        """Keep the solver's present state (an LP basis) as where every solve after
        :meth:`restore` starts."""
        ...


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective − bound| / max(1, |objective|), the convention HiGHS and CBC report."""
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return abs(objective - bound) / max(1.0, abs(objective))


SOLVERS = ("highs", "cbc")
