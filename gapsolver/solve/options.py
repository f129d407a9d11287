"""What a solve is asked to do: the strategy, the solver, a time limit, the suitability gap."""

from __future__ import annotations

import time
from dataclasses import dataclass

from gapsolver.backend import SOLVERS
from gapsolver.exceptions import SolverError

STRATEGIES = ("optimal", "greedy", "sequential")


@dataclass(frozen=True)
class SolveOptions:
    strategy: str = "optimal"
    """'optimal' (the lexicographic MILP), 'greedy' (the hand-planning baseline) or 'sequential'
    (missions in priority order, each solved alone)."""
    solver: str = "highs"
    """'highs', 'cbc', or 'auto' (both race; the first proven optimum wins)."""
    time_limit: float | None = None
    """Seconds for both stages together; None for no limit."""
    suitability_gap: float = 1e-4
    """Relative gap within which the suitability stage counts as optimal (HiGHS's own default);
    the weighted-gap stage is always exact."""

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise SolverError(
                f"unknown strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}"
            )
        if self.solver not in (*SOLVERS, "auto"):
            raise SolverError(
                f"unknown solver {self.solver!r}; choose one of {', '.join(SOLVERS)} or auto"
            )
        if self.time_limit is not None and self.time_limit <= 0:
            raise SolverError("the time limit must be positive")


def remaining(options: SolveOptions, began: float) -> float | None:
    """Seconds left of the options' time limit for a solve that began at ``began``; None: no limit."""
    if options.time_limit is None:
        return None
    return max(options.time_limit - (time.perf_counter() - began), 0.0)
