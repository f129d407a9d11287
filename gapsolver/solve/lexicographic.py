"""The lexicographic solve of a built model.

Stage 1 minimises the priority-weighted gap to proven optimality. Stage 2 fixes it (the weighted gap may
not exceed the stage-1 optimum) and maximises total suitability, starting from the stage-1 solution.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gapsolver.backend import Backend, StageOutcome, StageStatus, make_backend, relative_gap
from gapsolver.exceptions import SolverError, raise_if_stopped
from gapsolver.model.model import Model
from gapsolver.schema.result import StageReport
from gapsolver.solve import pricing
from gapsolver.solve.options import SolveOptions, remaining
from gapsolver.solve.pricing import priced_relaxation

GAP_TOLERANCE = 1e-6
"""Slack on the stage-1 optimum when fixing it, relative to max(1, Σ_r w_r q_r)."""
INTEGRALITY_TOLERANCE = 1e-9
DUAL_TOLERANCE = 1e-7
SUITABILITY_SHARE = 0.3
"""Share of a time limit kept for the suitability stage: the weighted-gap stage stops by
(1 − share) × limit, so a slow first stage never leaves the second no time."""
DIVE_SHARE = 0.2
"""Share of the fractional columns a dive rounds at each step (the least fractional first)."""
DIVE_MAX_SOLVES = 60
"""LP re-solves a dive may spend before it gives up."""


def _is_integral(values: np.ndarray) -> np.ndarray:
    return np.abs(values - np.round(values)) <= INTEGRALITY_TOLERANCE


def _integral_rows(model: Model) -> np.ndarray:
    """Rows whose coefficients and bound are all integers: their slack is integral at integer points."""
    row, _, value, _, upper, names = model.matrix()
    fractional = np.zeros(len(names), dtype=bool)
    np.logical_or.at(fractional, row, ~_is_integral(value))
    return ~fractional & _is_integral(np.where(np.isinf(upper), 0.0, upper))


def dive(
    backend: Backend,
    objective: np.ndarray,
    values: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    integer: np.ndarray,
    cutoff: float,
    deadline: Callable[[], float | None],
) -> np.ndarray | None:
    """An integral point with objective ≤ ``cutoff`` found by diving from the LP optimum ``values``
    (within ``lower``/``upper``), or None.

    Each step rounds the least fractional fifth of the fractional integer columns to their nearest
    integer (a lower bound raised, or an upper bound lowered) and re-solves the LP from the previous
    basis. A step whose LP is infeasible or worse than ``cutoff`` is undone and retried with a quarter
    as many columns, down to one, which is then rounded the other way; when that fails too, or after
    :data:`DIVE_MAX_SOLVES` re-solves, the dive gives up. The bounds are restored on return; every
    step is deterministic."""
    lo, up = lower.copy(), upper.copy()
    x = values
    solves = 0
    try:
        while True:
            fraction = x - np.floor(x)
            fractional = np.flatnonzero(
                integer
                & (fraction > INTEGRALITY_TOLERANCE)
                & (fraction < 1.0 - INTEGRALITY_TOLERANCE)
            )
            if fractional.size == 0:
                return np.where(integer, np.round(x), x)
            distance = np.minimum(fraction[fractional], 1.0 - fraction[fractional])
            order = fractional[np.argsort(distance, kind="stable")]
            count = max(1, int(np.ceil(fractional.size * DIVE_SHARE)))
            flipped = False
            while True:
                time_left = deadline()
                if solves >= DIVE_MAX_SOLVES or (time_left is not None and time_left <= 0):
                    return None
                picked = order[:count]
                upward = (fraction[picked] >= 0.5) != flipped
                saved_lo, saved_up = lo[picked], up[picked]
                lo[picked] = np.where(upward, np.ceil(x[picked]), saved_lo)
                up[picked] = np.where(upward, saved_up, np.floor(x[picked]))
                backend.set_col_bounds(lo[picked], up[picked], picked)
                outcome = backend.solve(objective, relax=True, time_limit=time_left)
                solves += 1
                if (
                    outcome.status is StageStatus.optimal
                    and outcome.values is not None
                    and float(objective @ outcome.values) <= cutoff
                ):
                    x = outcome.values
                    break
                lo[picked], up[picked] = saved_lo, saved_up
                backend.set_col_bounds(saved_lo, saved_up, picked)
                if count > 1:
                    count = max(1, count // 4)
                elif not flipped:
                    flipped = True
                else:
                    return None
    finally:
        backend.set_col_bounds(lower, upper)


@dataclass
class _Stage:
    """What one ranked objective's solve produced."""

    name: str
    status: StageStatus
    values: np.ndarray | None
    objective: float | None
    bound: float | None
    seconds: float
    method: str
    relaxation: StageOutcome | None = None

    def report(
        self, offset: float = 0.0, sign: float = 1.0, fixed_columns: int | None = None
    ) -> StageReport:
        def shown(value: float | None) -> float | None:
            return None if value is None else round(sign * (value + offset), 9)

        gap = None
        if self.objective is not None and self.bound is not None:
            gap = (
                0.0
                if self.status is StageStatus.optimal
                else relative_gap(self.objective, self.bound)
            )
        return StageReport(
            objective=self.name,
            status=self.status,
            value=shown(self.objective),
            bound=shown(self.bound),
            mip_gap=gap,
            seconds=round(self.seconds, 6),
            method=self.method,
            fixed_columns=fixed_columns,
        )


def _proven(objective: float, bound: float, gap_rel: float) -> bool:
    return objective - bound <= max(gap_rel * max(1.0, abs(objective)), 1e-9)


def _solve_stage(
    backend: Backend,
    name: str,
    objective: np.ndarray,
    *,
    gap_rel: float,
    integral_objective: bool,
    model: Model,
    state: ModelState,
    start: Callable[[], np.ndarray],
    deadline: Callable[[], float | None],
    seed: np.ndarray | None = None,
) -> _Stage:
    """Minimise ``objective`` over the backend's current model: the LP relaxation first (its bound, and
    often an integral vertex); then, on HiGHS, a dive from the LP optimum (:func:`dive`); then a MIP
    over the columns where the LP and the incumbent disagree,
    the others fixed (relaxation-induced neighbourhood search, so the incumbent stays feasible); then,
    only if that does not prove optimality against the LP bound, the full MIP from the best solution
    found, restricted by reduced-cost fixing against the incumbent when the LP's duals are certified.
    ``start`` gives a feasible integral point: the incumbent to begin with (asked for only when the
    LP's vertex is not integral). With a ``seed`` plan, the LP is solved by pricing
    (:mod:`gapsolver.solve.pricing`) and the dive runs on the restricted model."""
    lower, upper = state.lower, state.upper
    began = time.perf_counter()
    priced = None
    if seed is not None:
        priced = priced_relaxation(
            model, objective, lower, upper, state.tight, state.added, seed, deadline
        )
    if priced is not None:
        relaxation = priced.outcome
    else:
        relaxation = backend.solve(objective, relax=True, time_limit=deadline())
    bound: float | None = None

    def stage(status: StageStatus, method: str) -> _Stage:
        seconds = time.perf_counter() - began
        return _Stage(name, status, incumbent, incumbent_value, bound, seconds, method, relaxation)

    if relaxation.status is StageStatus.optimal and relaxation.values is not None:
        bound = float(relaxation.objective or 0.0)
        if integral_objective:
            bound = float(np.ceil(bound - 1e-6))
        if _is_integral(relaxation.values).all():
            incumbent = np.round(relaxation.values)
            incumbent_value = float(objective @ incumbent)
            bound = min(bound, incumbent_value)
            return stage(StageStatus.optimal, "lp")
    first = start()
    incumbent, incumbent_value = first, float(objective @ first)
    reduced = None  # the LP's certified reduced costs, for the dive and the full MIP
    if relaxation.status is StageStatus.optimal and relaxation.values is not None:
        assert bound is not None
        reduced = certified_reduced_costs(model, objective, relaxation, state)
        if backend.cheap_resolves:
            cutoff = bound + max(gap_rel * max(1.0, abs(bound)), 1e-9)
            # no plan within the cutoff moves a column whose reduced cost exceeds the cutoff's
            # distance to the LP value: the dive rounds among the others only
            dive_lower, dive_upper = lower, upper
            if reduced is not None:
                slack = max(cutoff - float(relaxation.objective or 0.0), 0.0)
                dive_lower, dive_upper = fix_by_reduced_cost(
                    reduced, slack, lower, upper, model.col_integer
                )
            # on the restricted model when priced: a plan over some columns is a plan
            cols: slice | np.ndarray = priced.columns if priced is not None else slice(None)
            diver = priced.backend if priced is not None else backend
            diver.set_col_bounds(dive_lower[cols], dive_upper[cols])
            found = dive(
                diver,
                objective[cols],
                relaxation.values[cols],
                dive_lower[cols],
                dive_upper[cols],
                model.col_integer[cols],
                cutoff,
                deadline,
            )
            diver.set_col_bounds(lower[cols], upper[cols])
            dived = None
            if found is not None:
                dived = np.zeros(model.n_cols)
                dived[cols] = found
            if dived is not None and float(objective @ dived) < incumbent_value:
                incumbent, incumbent_value = dived, float(objective @ dived)
            if _proven(incumbent_value, bound, gap_rel):
                return stage(StageStatus.optimal, "lp+dive")
        # RINS: fix the columns where the LP and the incumbent agree; the incumbent stays feasible.
        rounded = np.round(relaxation.values)
        fixed = _is_integral(relaxation.values) & (rounded == incumbent)
        backend.set_col_bounds(np.where(fixed, rounded, lower), np.where(fixed, rounded, upper))
        restricted = backend.solve(
            objective, time_limit=deadline(), warm_start=None, gap_rel=gap_rel
        )
        backend.set_col_bounds(lower, upper)
        if restricted.values is not None:
            candidate = np.round(restricted.values)
            if float(objective @ candidate) < incumbent_value:
                incumbent, incumbent_value = candidate, float(objective @ candidate)
        if _proven(incumbent_value, bound, gap_rel):
            return stage(StageStatus.optimal, "lp+fix")
    time_left = deadline()
    if time_left is not None and time_left <= 0:
        return stage(StageStatus.feasible, "lp+fix")
    restricted_bounds = False
    if reduced is not None and relaxation.objective is not None:
        slack = max(incumbent_value - relaxation.objective, 0.0)
        fixed_lower, fixed_upper = fix_by_reduced_cost(
            reduced, slack, lower, upper, model.col_integer
        )
        backend.set_col_bounds(fixed_lower, fixed_upper)
        restricted_bounds = True
    full = backend.solve(objective, time_limit=time_left, warm_start=incumbent, gap_rel=gap_rel)
    if restricted_bounds:
        backend.set_col_bounds(lower, upper)
    if full.status in (StageStatus.error, StageStatus.infeasible):
        raise SolverError(
            f"{backend.name} failed on the {name} stage (status {full.status.value}, "
            "although the plan it started from is feasible)"
        )
    if full.values is not None and float(objective @ np.round(full.values)) <= incumbent_value:
        incumbent, incumbent_value = np.round(full.values), float(objective @ np.round(full.values))
    if full.bound is not None and abs(full.bound) < 1e30:  # a solver's "no bound" is ±inf or 1e50
        bound = full.bound if bound is None else max(bound, full.bound)
    status = StageStatus.optimal if full.status is StageStatus.optimal else StageStatus.feasible
    if bound is not None and _proven(incumbent_value, bound, gap_rel):
        status = StageStatus.optimal
    return stage(status, "mip")


CERTIFICATE_TOLERANCE = 1e-7


@dataclass
class ModelState:
    """The model as the backend currently holds it: column bounds, model rows made equalities, and
    rows added since (as (columns, values, upper bound) of ≤ rows)."""

    lower: np.ndarray
    upper: np.ndarray
    tight: np.ndarray
    added: list[tuple[np.ndarray, np.ndarray, float]]


def certified_reduced_costs(
    model: Model, objective: np.ndarray, relaxation: StageOutcome, state: ModelState | None = None
) -> np.ndarray | None:
    """Reduced costs d = c − Aᵀy of the LP relaxation of the model in ``state`` (the model as built
    when None), recomputed from the row duals y and returned only if (x, y) is a verified optimal
    primal–dual pair: x feasible; y ≤ 0 on ≤ rows (free on equalities); rows with y ≠ 0 at their
    bound; d > 0 only at a lower bound and d < 0 only at an upper one. Solver conventions and dual
    quality then do not matter: an unverified answer is simply not used."""
    x, y = relaxation.values, relaxation.row_dual
    if x is None or y is None:
        return None
    if state is None:
        state = ModelState(model.col_lower, model.col_upper, np.zeros(model.n_rows, dtype=bool), [])
    _, _, _, lower, upper, _ = model.matrix()
    if np.isfinite(lower).any():
        return None
    if y.size != len(upper) + len(state.added):
        return None
    row, col, value = model.matrix_with(state.added)
    upper = np.concatenate([upper, [bound for _, _, bound in state.added]])
    equality = np.concatenate([state.tight, np.zeros(len(state.added), dtype=bool)])
    tol = CERTIFICATE_TOLERANCE
    activity = np.bincount(row, weights=value * x[col], minlength=upper.size)
    if (activity > upper + tol).any() or (equality & (activity < upper - tol)).any():
        return None
    if (x < state.lower - tol).any() or (x > state.upper + tol).any():
        return None
    if (y[~equality] > tol).any():
        return None
    binding = (np.abs(y) > tol) & ~equality
    if (np.abs(activity - upper)[binding] > tol).any():
        return None
    reduced = objective - np.bincount(col, weights=value * y[row], minlength=model.n_cols)
    if (x[reduced > tol] > state.lower[reduced > tol] + tol).any():
        return None
    if (x[reduced < -tol] < state.upper[reduced < -tol] - tol).any():
        return None
    return reduced


def fix_by_reduced_cost(
    reduced: np.ndarray, slack: float, lower: np.ndarray, upper: np.ndarray, integer: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds after reduced-cost fixing: an integer column whose reduced cost exceeds ``slack`` in
    magnitude cannot leave its bound in any solution within ``slack`` of the LP bound."""
    threshold = slack + CERTIFICATE_TOLERANCE
    lower, upper = lower.copy(), upper.copy()
    at_lower = (reduced > threshold) & integer
    at_upper = (reduced < -threshold) & integer
    upper[at_lower] = lower[at_lower]
    lower[at_upper] = upper[at_upper]
    return lower, upper


def optimal_face(
    model: Model,
    reduced: np.ndarray,
    row_dual: np.ndarray,
    slack: float,
    integral_rows: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column bounds and tight rows that every integer solution within ``slack`` of the LP bound meets.

    Reduced-cost fixing for the columns (:func:`fix_by_reduced_cost`); likewise a row with integral
    data whose dual exceeds the slack must stay tight. With slack 0 (the LP bound is the integer
    optimum) these describe exactly the face of optimal solutions. ``reduced`` and ``row_dual`` must
    come from :func:`certified_reduced_costs`.
    """
    lower, upper = fix_by_reduced_cost(
        reduced, slack, model.col_lower, model.col_upper, model.col_integer
    )
    tight = (np.abs(row_dual[: model.n_rows]) > slack + CERTIFICATE_TOLERANCE) & integral_rows
    return lower, upper, tight


def first_stage_time(left: float | None, limit: float | None) -> float | None:
    """Seconds the weighted-gap stage may still use when ``left`` of a ``limit`` remain (None: no
    limit): what is left minus the suitability stage's share."""
    if left is None or limit is None:
        return left
    return max(left - SUITABILITY_SHARE * limit, 0.0)


Progress = Callable[[np.ndarray, list[StageReport]], None]


def solve_model(
    model: Model,
    options: SolveOptions,
    start: np.ndarray | Callable[[], np.ndarray] | None = None,
    progress: Progress | None = None,
    backend: Backend | None = None,
) -> tuple[np.ndarray, list[StageReport], dict[str, float]]:
    """Lexicographic solve; returns integral column values, the stage reports and phase timings.

    ``start`` is a feasible integral point (e.g. the greedy plan), or a function giving one when
    first needed (when stage 1's LP vertex is not integral); all zeros when not given.
    ``progress`` is told the plan and the finished stages each time a stage completes.
    ``backend``: one made from this model (or a copy of it with other column bounds) by an earlier
    solve, to re-solve from where it left off; restored to ``model`` first. Made anew when None.
    """
    timings: dict[str, float] = {}
    began = time.perf_counter()
    if backend is None:
        backend = make_backend(options.solver, model)
    else:
        backend.restore(model)
    timings["handoff"] = time.perf_counter() - began
    deadline = lambda: remaining(options, began)  # noqa: E731

    first_deadline = lambda: first_stage_time(deadline(), options.time_limit)  # noqa: E731

    if start is None:
        start = np.zeros(model.n_cols)
    start_plan = start if callable(start) else (lambda plan=start: plan)
    weights_integral = bool(_is_integral(model.primary).all())

    state = ModelState(
        model.col_lower.copy(), model.col_upper.copy(), np.zeros(model.n_rows, dtype=bool), []
    )
    priced = options.solver == "highs" and model.n_cols > pricing.PRICING_COLUMNS
    priced_first = options.solver == "highs" and model.n_cols > pricing.PRICING_COLUMNS_WEIGHTED_GAP
    first = _solve_stage(
        backend,
        "weighted_gap",
        model.primary,
        gap_rel=0.0,
        integral_objective=weights_integral,
        model=model,
        state=state,
        start=start_plan,
        deadline=first_deadline,
        seed=np.zeros(model.n_cols) if priced_first else None,  # no unit assigned: a plan
    )
    timings["solve_primary"] = first.seconds
    assert first.values is not None and first.objective is not None
    stages = [first.report(offset=model.primary_offset)]
    values = first.values
    raise_if_stopped()
    if progress is not None:
        progress(values, list(stages))

    time_left = deadline()
    if not model.n_cols:
        stages.append(
            StageReport(
                objective="suitability",
                status=StageStatus.optimal,
                value=0.0,
                bound=0.0,
                mip_gap=0.0,
                seconds=0.0,
                method="lp",
            )
        )
    elif time_left is not None and time_left <= 0:
        stages.append(StageReport.not_run("suitability", "none"))
    else:
        relaxation = first.relaxation
        reduced = None
        if relaxation is not None and relaxation.status is StageStatus.optimal:
            reduced = certified_reduced_costs(model, model.primary, relaxation, state)
        if reduced is not None and relaxation is not None and relaxation.row_dual is not None:
            slack = max(first.objective - float(relaxation.objective or 0.0), 0.0)
            state.lower, state.upper, state.tight = optimal_face(
                model, reduced, relaxation.row_dual, slack, _integral_rows(model)
            )
            backend.set_col_bounds(state.lower, state.upper)
            backend.set_row_upper_tight(state.tight)
        fixed_columns = int(
            np.sum(state.lower == state.upper) - np.sum(model.col_lower == model.col_upper)
        )
        optimum = first.objective
        support = np.flatnonzero(model.primary)
        scale = max(1.0, model.primary_offset)  # the largest weighted gap possible
        fix_bound = optimum + GAP_TOLERANCE * scale
        backend.add_row(support, model.primary[support], -np.inf, fix_bound, "fix_weighted_gap")
        state.added.append((support, model.primary[support], fix_bound))
        second = _solve_stage(
            backend,
            "suitability",
            model.secondary,
            gap_rel=options.suitability_gap,
            integral_objective=False,
            model=model,
            state=state,
            start=lambda: values,
            deadline=deadline,
            seed=values if priced else None,
        )
        timings["solve_secondary"] = second.seconds
        stages.append(second.report(sign=-1.0, fixed_columns=fixed_columns))
        if (
            second.values is not None
            and float(model.primary @ second.values) <= optimum + GAP_TOLERANCE * scale
        ):
            values = second.values
    return values, stages, timings | {"solver_total": time.perf_counter() - began}
