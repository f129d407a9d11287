"""One lexicographic solve as the options ask: in this process, supervised in a child process under a
time limit, or as a race of both solvers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gapsolver.model.model import Model
from gapsolver.schema.result import StageReport
from gapsolver.solve.lexicographic import solve_model
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.supervise import race, supervised


def run_solver(
    model: Model, options: SolveOptions, start: np.ndarray | Callable[[], np.ndarray]
) -> tuple[str, np.ndarray, list[StageReport], dict[str, float]]:
    """The lexicographic solve as the options ask: a race of both solvers (``auto``), supervised in a
    child process (a time limit), or in this process. Returns the solver that produced the plan too.
    ``start``: the plan to begin from; a function giving it when needed only in this process."""
    if options.solver == "auto" or options.time_limit is not None:
        plan = start() if callable(start) else start
        if options.solver == "auto":
            return race(model, options, start=plan)
        return (options.solver, *supervised(model, options, start=plan))
    return (options.solver, *solve_model(model, options, start=start))
