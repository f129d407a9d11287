"""CBC through PuLP (CBC ships with PuLP). The model is built once with PuLP's bulk constructs —
one affine expression per row from its coefficient list, never term by term."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import time
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pulp

from gapsolver.backend.base import StageOutcome, StageStatus, relative_gap, relaxation_outcome
from gapsolver.exceptions import SolverError
from gapsolver.model.model import Model
from gapsolver.preprocess.encode import FloatArray, IntArray
from gapsolver.runtime.scratch import TrackedPopen, scratch_folder, tracked_subprocesses

_BOUND = re.compile(r"^(?:Lower bound|Best possible):\s*(-?[\d.eE+-]+)", re.MULTILINE)


def _safe(name: str) -> str:
    """CBC's MPS and LP readers dislike some characters; PuLP renames columns for MPS anyway, but row
    names must be unique and tame."""
    return re.sub(r"[^A-Za-z0-9_\[\],.]", "_", name)


def cbc_command(**options: Any) -> pulp.LpSolver_CMD:
    """CBC from the `cbcbox` wheel (gapsolver's opt-in `cbcbox` extra, PuLP's own `cbc` extra) through
    COIN_CMD, or PuLP's bundled binary (gapsolver's `cbc` extra) when that wheel is absent."""
    try:
        import cbcbox

        path = cbcbox.cbc_bin_path()
        if os.access(path, os.X_OK):
            return pulp.COIN_CMD(path=path, **options)
    except ImportError:
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(**options)


class _TrackedSubprocessModule:
    """PuLP's view of the subprocess module while gapsolver runs CBC: the same, except that CBC
    starts as a :class:`gapsolver.runtime.scratch.TrackedPopen` (killed if the solve is interrupted)."""

    Popen = TrackedPopen

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)


@contextlib.contextmanager
def _tracked_cbc() -> Iterator[None]:
    """Run CBC through PuLP with its process tracked (PuLP gives no hook for its Popen)."""
    from pulp.apis import coin_api

    saved = coin_api.subprocess
    coin_api.subprocess = _TrackedSubprocessModule()
    try:
        with tracked_subprocesses():
            yield
    finally:
        coin_api.subprocess = saved


class CbcBackend:
    name = "cbc"
    cheap_resolves = False

    def __init__(self, model: Model) -> None:
        solver = cbc_command(msg=False)
        if not solver.available():
            raise SolverError("CBC is not available (it normally ships with PuLP)")
        self._build(model)

    def _build(self, model: Model) -> None:
        self.problem = pulp.LpProblem("gapsolver", pulp.LpMinimize)
        self.variables = [
            self.problem.add_variable(
                f"v{index}",
                lowBound=float(model.col_lower[index]),
                upBound=float(model.col_upper[index]),
                cat=pulp.LpInteger if model.col_integer[index] else pulp.LpContinuous,
            )
            for index in range(model.n_cols)
        ]
        row, col, value, lower, upper, names = model.matrix()
        if np.isfinite(lower).any():
            raise SolverError("the CBC backend expects rows with an upper bound only")
        order = np.argsort(row, kind="stable")
        starts = np.searchsorted(row[order], np.arange(len(names) + 1))
        self.rows: list[pulp.LpConstraint] = []
        self.added: list[pulp.LpConstraint] = []
        for index, name in enumerate(names):
            span = order[starts[index] : starts[index + 1]]
            self.rows.append(self._add(col[span], value[span], -np.inf, float(upper[index]), name))

    def _add(
        self, cols: IntArray, values: FloatArray, lower: float, upper: float, name: str
    ) -> pulp.LpConstraint:
        expression = pulp.LpAffineExpression(
            [
                (self.variables[c], float(v))
                for c, v in zip(cols.tolist(), values.tolist(), strict=True)
            ]
        )
        if np.isfinite(lower) and np.isfinite(upper) and lower == upper:
            sense, rhs = pulp.LpConstraintEQ, upper
        elif np.isfinite(upper):
            sense, rhs = pulp.LpConstraintLE, upper
            if np.isfinite(lower):
                raise SolverError("ranged rows are not supported by the CBC backend")
        else:
            sense, rhs = pulp.LpConstraintGE, lower
        constraint = pulp.LpConstraint(expression, sense, rhs=rhs, name=_safe(name))
        self.problem.addConstraint(constraint)
        return constraint

    def add_row(
        self, cols: IntArray, values: FloatArray, lower: float, upper: float, name: str
    ) -> None:
        self.added.append(self._add(cols, values, lower, upper, name))

    def restore(self, model: Model) -> None:
        self._build(model)  # PuLP offers no way to remove a row; CBC starts from files anyway

    def remember_start(self) -> None:
        """Nothing to remember: every CBC solve starts from scratch."""

    def set_col_bounds(
        self, lower: FloatArray, upper: FloatArray, cols: IntArray | None = None
    ) -> None:
        variables = self.variables if cols is None else [self.variables[c] for c in cols.tolist()]
        for variable, low, up in zip(variables, lower.tolist(), upper.tolist(), strict=True):
            variable.lowBound, variable.upBound = low, up

    def set_row_upper_tight(self, tight: np.ndarray) -> None:
        for constraint, flag in zip(self.rows, tight.tolist(), strict=True):
            constraint.sense = pulp.LpConstraintEQ if flag else pulp.LpConstraintLE

    def solve(
        self,
        objective: FloatArray,
        *,
        relax: bool = False,
        time_limit: float | None = None,
        warm_start: FloatArray | None = None,
        gap_rel: float = 0.0,
    ) -> StageOutcome:
        n = objective.size
        if n == 0:
            return StageOutcome(StageStatus.optimal, np.zeros(0), 0.0, 0.0, 0.0, 0.0)
        nonzero = np.flatnonzero(objective)
        self.problem.setObjective(
            pulp.LpAffineExpression(
                [(self.variables[i], float(objective[i])) for i in nonzero.tolist()]
            )
        )
        use_start = warm_start is not None and not relax
        if use_start and warm_start is not None:
            for variable, value in zip(self.variables, warm_start.tolist(), strict=True):
                variable.setInitialValue(round(value))
        with scratch_folder() as folder, _tracked_cbc():
            log = folder / "cbc.log"
            solver = cbc_command(
                mip=not relax,
                msg=False,
                timeLimit=None if time_limit is None else max(1, int(np.ceil(time_limit))),
                gapRel=None if relax else gap_rel,
                warmStart=use_start,
                threads=1,
                logPath=str(log),
                options=["randomSeed 1", "randomCbcSeed 1"],
            )
            solver.tmpDir = str(folder)  # PuLP's model and solution files, removed with it
            began = time.perf_counter()
            try:
                self.problem.solve(solver)
            except pulp.PulpSolverError as error:
                raise SolverError(f"CBC failed: {error}") from None
            seconds = time.perf_counter() - began
            log_text = log.read_text(errors="replace") if log.exists() else ""
        status_code = self.problem.status
        solution_code = self.problem.sol_status
        if status_code == pulp.LpStatusInfeasible:
            return StageOutcome(StageStatus.infeasible, None, None, None, None, seconds)
        if solution_code == pulp.LpSolutionOptimal:
            status = StageStatus.optimal
        elif solution_code == pulp.LpSolutionIntegerFeasible and not relax:
            status = StageStatus.feasible
        elif status_code == pulp.LpStatusNotSolved:
            return StageOutcome(StageStatus.no_solution, None, None, None, None, seconds)
        else:
            return StageOutcome(StageStatus.error, None, None, None, None, seconds)
        values = np.array([variable.varValue or 0.0 for variable in self.variables], dtype=float)
        objective_value = float(objective @ values)
        if relax:
            return relaxation_outcome(
                values,
                objective_value,
                seconds,
                np.array([variable.dj or 0.0 for variable in self.variables], dtype=float),
                np.array([row.pi or 0.0 for row in self.rows + self.added], dtype=float),
            )
        if status is StageStatus.optimal:
            return StageOutcome(status, values, objective_value, objective_value, 0.0, seconds)
        match = _BOUND.search(log_text)
        bound = float(match.group(1)) if match else None
        return StageOutcome(
            status, values, objective_value, bound, relative_gap(objective_value, bound), seconds
        )
