"""HiGHS through highspy, with the whole matrix handed over at once (column-wise)."""

from __future__ import annotations

import contextlib
import os
import sys
import time

import highspy
import numpy as np

from gapsolver.backend.base import StageOutcome, StageStatus, relative_gap, relaxation_outcome
from gapsolver.exceptions import SolverError
from gapsolver.model.model import Model
from gapsolver.preprocess.encode import FloatArray, IntArray

_STATUS = {
    highspy.HighsModelStatus.kOptimal: StageStatus.optimal,
    highspy.HighsModelStatus.kInfeasible: StageStatus.infeasible,
    highspy.HighsModelStatus.kTimeLimit: StageStatus.feasible,
    highspy.HighsModelStatus.kInterrupt: StageStatus.feasible,
    highspy.HighsModelStatus.kIterationLimit: StageStatus.feasible,
    highspy.HighsModelStatus.kSolutionLimit: StageStatus.feasible,
}
_POLL_SECONDS = 0.05
_STOP_SECONDS = 5.0
_GRACE_SECONDS = 2.0
"""How long past the time limit HiGHS may run before it is interrupted from outside (some phases,
such as sub-MIP heuristics, do not check the clock)."""
_INLINE_NONZEROS = 20_000
"""LP relaxations up to this many nonzeros run in the calling thread: they take milliseconds, less
than starting and polling a solver thread (a Ctrl-C waits for them at most that long)."""


def _kinds(integer: np.ndarray) -> np.ndarray:
    """HiGHS's variable type per column: integer where flagged, else continuous."""
    kinds = np.full(integer.shape, highspy.HighsVarType.kContinuous, dtype=object)
    kinds[integer] = highspy.HighsVarType.kInteger
    return kinds


def _new_highs() -> highspy.Highs:
    """A Highs instance, with the copyright banner HiGHS prints to the C-level stdout on its first
    construction in a process kept off our output (it would corrupt JSON written to stdout)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no usable stdout: nothing to protect
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return highs


class HighsBackend:
    name = "highs"
    cheap_resolves = True

    def __init__(self, model: Model) -> None:
        self.highs = _new_highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("threads", 1)
        self.highs.setOptionValue("random_seed", 0)
        self.highs.setOptionValue("mip_abs_gap", 1e-9)
        self.highs.HandleUserInterrupt = True

        row, col, value, lower, upper, _ = model.matrix()
        n_cols, n_rows = model.n_cols, len(lower)
        self.n_cols, self.n_rows = n_cols, n_rows
        self.row_lower, self.row_upper = lower, upper
        order = np.lexsort((row, col))
        counts = np.bincount(col, minlength=n_cols)
        lp = highspy.HighsLp()
        lp.num_col_ = n_cols
        lp.num_row_ = n_rows
        lp.col_cost_ = np.zeros(n_cols)
        lp.col_lower_ = model.col_lower
        lp.col_upper_ = model.col_upper
        lp.row_lower_ = lower
        lp.row_upper_ = upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        lp.a_matrix_.index_ = row[order].astype(np.int32)
        lp.a_matrix_.value_ = value[order]
        self.integrality = _kinds(model.col_integer)
        self.relaxed = False
        """Whether HiGHS holds the LP relaxation (integrality dropped, presolve off): switched only
        when a solve asks for the other kind, so a run of LP re-solves (a dive) keeps its basis."""
        lp.integrality_ = list(self.integrality)
        if self.highs.passModel(lp) == highspy.HighsStatus.kError:
            raise SolverError("HiGHS rejected the model")
        self.all_cols = np.arange(n_cols, dtype=np.int32)
        self.nonzeros = int(value.size)
        self.start_basis: highspy.HighsBasis | None = None

    def set_col_bounds(
        self, lower: FloatArray, upper: FloatArray, cols: IntArray | None = None
    ) -> None:
        if cols is None:
            self.highs.changeColsBounds(self.n_cols, self.all_cols, lower, upper)
        else:
            self.highs.changeColsBounds(int(cols.size), cols.astype(np.int32), lower, upper)

    def _relax(self, relax: bool) -> None:
        if relax == self.relaxed or not self.n_cols:
            return
        # LPs of this structure solve fastest without presolve, at a vertex (often integral)
        kinds = _kinds(np.zeros(self.n_cols, dtype=bool)) if relax else self.integrality
        self.highs.changeColsIntegrality(self.n_cols, self.all_cols, kinds)
        self.highs.setOptionValue("presolve", "off" if relax else "choose")
        self.relaxed = relax

    def set_row_upper_tight(self, tight: np.ndarray) -> None:
        rows = np.arange(self.n_rows, dtype=np.int32)
        lower = np.where(tight, self.row_upper, self.row_lower)
        self.highs.changeRowsBounds(self.n_rows, rows, lower, self.row_upper)  # type: ignore[attr-defined]

    def add_columns(
        self,
        lower: FloatArray,
        upper: FloatArray,
        integer: np.ndarray,
        starts: IntArray,
        index: IntArray,
        value: FloatArray,
    ) -> None:
        """Append columns (column-wise entries: ``starts`` per column into ``index``/``value``,
        row indices including added rows), keeping the basis: a priced LP re-solves warm."""
        count = int(lower.size)
        if count == 0:
            return
        self.highs.addCols(
            count,
            np.zeros(count),
            lower,
            upper,
            int(value.size),
            starts.astype(np.int32),
            index.astype(np.int32),
            value.astype(float),
        )
        kinds = _kinds(integer)
        new = np.arange(self.n_cols, self.n_cols + count, dtype=np.int32)
        self.integrality = np.concatenate([self.integrality, kinds])
        if not self.relaxed:
            self.highs.changeColsIntegrality(count, new, kinds)
        self.n_cols += count
        self.all_cols = np.arange(self.n_cols, dtype=np.int32)

    def restore(self, model: Model) -> None:
        highs = self.highs
        added = highs.getNumRow() - self.n_rows
        if added > 0:
            highs.deleteRows(added, np.arange(self.n_rows, self.n_rows + added, dtype=np.int32))
        _, _, _, self.row_lower, self.row_upper, _ = model.matrix()
        self.set_row_upper_tight(np.zeros(self.n_rows, dtype=bool))
        self.set_col_bounds(model.col_lower, model.col_upper)
        if self.start_basis is not None:
            # every re-solve from the same start, whatever ran before: same answer
            highs.clearSolver()
            highs.setBasis(self.start_basis)

    def remember_start(self) -> None:
        self.start_basis = self.highs.getBasis()

    def add_row(
        self, cols: IntArray, values: FloatArray, lower: float, upper: float, name: str
    ) -> None:
        inf = highspy.kHighsInf
        self.highs.addRow(
            -inf if np.isinf(lower) else lower,
            inf if np.isinf(upper) else upper,
            int(cols.size),
            cols.astype(np.int32),
            values.astype(float),
        )

    def _run(self, time_limit: float | None) -> highspy.HighsStatus | None:
        """Run with HiGHS's own time limit, and interrupt it from outside shortly after (some
        phases, such as sub-MIP heuristics, do not check the clock). An interrupt of this process
        (Ctrl-C, SIGTERM) stops the solver and propagates: an interrupted solve is not a result."""
        highs = self.highs
        highs.setOptionValue("time_limit", float(time_limit) if time_limit is not None else np.inf)
        if self.relaxed and self.nonzeros <= _INLINE_NONZEROS:
            return highs.run()
        highs.startSolve()
        began = time.perf_counter()
        cancelled = False
        try:
            while True:
                finished, status = highs.wait(_POLL_SECONDS)
                if finished:
                    return status
                late = time.perf_counter() - began - (time_limit or 0.0)
                if time_limit is not None and not cancelled and late > _GRACE_SECONDS:
                    highs.cancelSolve()
                    cancelled = True
        except BaseException:
            highs.cancelSolve()
            with contextlib.suppress(BaseException):  # the solver stops at its next check
                highs.wait(_STOP_SECONDS)
            raise

    def solve(
        self,
        objective: FloatArray,
        *,
        relax: bool = False,
        time_limit: float | None = None,
        warm_start: FloatArray | None = None,
        gap_rel: float = 0.0,
    ) -> StageOutcome:
        highs = self.highs
        n = objective.size
        if n == 0:
            return StageOutcome(StageStatus.optimal, np.zeros(0), 0.0, 0.0, 0.0, 0.0)
        highs.changeColsCost(n, self.all_cols, objective.astype(float))
        highs.setOptionValue("mip_rel_gap", gap_rel)
        self._relax(relax)
        if not relax and warm_start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(warm_start)
            highs.setSolution(solution)
        began = time.perf_counter()
        run = self._run(time_limit)
        seconds = time.perf_counter() - began
        # read everything before the model is touched again: any change clears the solution
        status = _STATUS.get(self.highs.getModelStatus(), StageStatus.error)
        info = highs.getInfo()
        solution = highs.getSolution()
        if run == highspy.HighsStatus.kError:
            return StageOutcome(StageStatus.error, None, None, None, None, seconds)
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if status is StageStatus.feasible and not has_solution:
            status = StageStatus.no_solution
        if status not in (StageStatus.optimal, StageStatus.feasible) or not has_solution:
            return StageOutcome(status, None, None, None, None, seconds)
        values = np.array(solution.col_value, dtype=float)
        objective_value = float(objective @ values)
        if relax:
            if status is not StageStatus.optimal:
                return StageOutcome(StageStatus.no_solution, None, None, None, None, seconds)
            return relaxation_outcome(
                values,
                objective_value,
                seconds,
                np.array(solution.col_dual, dtype=float),
                np.array(solution.row_dual, dtype=float),
            )
        bound = float(info.mip_dual_bound)  # ±inf until proven; the solve reads that as no bound
        gap = relative_gap(objective_value, bound)
        return StageOutcome(status, values, objective_value, bound, gap, seconds)
