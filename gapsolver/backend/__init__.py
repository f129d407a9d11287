"""Solver backends: hand a :class:`gapsolver.model.model.Model` to a MILP solver and read the answer back
(HiGHS by default; CBC through PuLP with the `cbc` extra). Every backend offers the calls of
:class:`gapsolver.backend.base.Backend`."""

from __future__ import annotations

from gapsolver.backend.base import (
    SOLVERS,
    Backend,
    StageOutcome,
    StageStatus,
    relative_gap,
    relaxation_outcome,
)
from gapsolver.backend.highs import HighsBackend
from gapsolver.exceptions import SolverError, import_extra
from gapsolver.model.model import Model

__all__ = [
    "SOLVERS",
    "Backend",
    "StageOutcome",
    "StageStatus",
    "make_backend",
    "relative_gap",
    "relaxation_outcome",
]


def make_backend(solver: str, model: Model) -> Backend:
    """A backend for ``solver`` ('highs' or 'cbc') holding ``model``; deterministic settings."""
    if solver == "highs":
        return HighsBackend(model)
    if solver == "cbc":
        import_extra("pulp", "CBC (--solver cbc)", "PuLP", "cbc")
        from gapsolver.backend.cbc import CbcBackend  # PuLP: the optional `cbc` extra

        return CbcBackend(model)
    raise SolverError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")
