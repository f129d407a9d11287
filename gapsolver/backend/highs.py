"""HiGHS through highspy, with the whole matrix handed over at once (column-wise)."""

from __future__ import annotations

import os
import sys
import time

import highspy
import numpy as np

from gapsolver.backend import StageOutcome, StageStatus, relative_gap
from gapsolver.exceptions import SolverError
from gapsolver.model import Model
from gapsolver.preprocess.encode import FloatArray, IntArray

_STATUS = {
    highspy.HighsModelStatus.kOptimal: StageStatus.optimal,
    highspy.HighsModelStatus.kInfeasible: StageStatus.infeasible,
    highspy.HighsModelStatus.kTimeLimit: StageStatus.feasible,
    highspy.HighsModelStatus.kInterrupt: StageStatus.feasible,
    highspy.HighsModelStatus.kIterationLimit: StageStatus.feasible,
    highspy.HighsModelStatus.kSolutionLimit: StageStatus.feasible,
}


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

    def __init__(self, model: Model) -> None:
        self.highs = _new_highs()
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("threads", 1)
        self.highs.setOptionValue("random_seed", 0)
        self.highs.setOptionValue("mip_rel_gap", 0.0)
        self.highs.setOptionValue("mip_abs_gap", 1e-9)

        row, col, value, lower, upper, _ = model.matrix()
        n_cols, n_rows = model.n_cols, len(lower)
        order = np.lexsort((row, col))
        counts = np.bincount(col, minlength=n_cols)
        lp = highspy.HighsLp()
        lp.num_col_ = n_cols
        lp.num_row_ = n_rows
        lp.col_cost_ = np.zeros(n_cols)
        lp.col_lower_ = model.col_lower
        lp.col_upper_ = model.col_upper
        lp.row_lower_ = np.where(np.isinf(lower), -highspy.kHighsInf, lower)
        lp.row_upper_ = np.where(np.isinf(upper), highspy.kHighsInf, upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        lp.a_matrix_.index_ = row[order].astype(np.int32)
        lp.a_matrix_.value_ = value[order]
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in model.col_integer
        ]
        status = self.highs.passModel(lp)
        if status == highspy.HighsStatus.kError:
            raise SolverError("HiGHS rejected the model")

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

    def solve(
        self,
        objective: FloatArray,
        *,
        time_limit: float | None,
        warm_start: FloatArray | None,
        gap_rel: float,
    ) -> StageOutcome:
        highs = self.highs
        n = objective.size
        highs.changeColsCost(n, np.arange(n, dtype=np.int32), objective.astype(float))
        if n == 0:
            return StageOutcome(StageStatus.optimal, np.zeros(0), 0.0, 0.0, 0.0, 0.0)
        highs.setOptionValue("mip_rel_gap", gap_rel)
        highs.setOptionValue("time_limit", float(time_limit) if time_limit is not None else np.inf)
        if warm_start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(warm_start)
            highs.setSolution(solution)
        began = time.perf_counter()
        run = highs.run()
        seconds = time.perf_counter() - began
        if run == highspy.HighsStatus.kError:
            return StageOutcome(StageStatus.error, None, None, None, None, seconds)
        model_status = highs.getModelStatus()
        status = _STATUS.get(model_status, StageStatus.error)
        info = highs.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if status is StageStatus.feasible and not has_solution:
            status = StageStatus.no_solution
        if status in (StageStatus.optimal, StageStatus.feasible) and has_solution:
            values = np.array(highs.getSolution().col_value, dtype=float)
            objective_value = float(objective @ values)
            bound = float(info.mip_dual_bound) if n else objective_value
            gap = 0.0 if status is StageStatus.optimal else relative_gap(objective_value, bound)
            return StageOutcome(status, values, objective_value, bound, gap, seconds)
        return StageOutcome(status, None, None, None, None, seconds)
