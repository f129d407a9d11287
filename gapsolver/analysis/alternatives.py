"""Diverse near-optimal plans (modelling to generate alternatives, MGA), for negotiating.

The first plan is the optimal one (the lexicographic solve). Each next plan solves one MIP over the
same model:

- **within the slack:** its weighted gap is at most (1 + ε) × the optimum;
- **distinct from every earlier plan:** its assignments differ from each earlier plan's in at least
  one unit, by an exact disjunction. Either it deploys a unit on a (pledge, training, requirement)
  the earlier plan left empty, or it deploys more or fewer units on one it used. That takes one
  binary per earlier plan, and two per column the earlier plan used;
- **as different as possible:** it minimises its overlap with the earlier plans, with the earlier
  plans chosen by ``diversify``:
  - ``assignments``: units on (pledge, training, requirement) columns they used, counted once per
    earlier plan using each;
  - ``states``: units on a (state, requirement) they used;
  - ``donors``: donated items on a (donation, recipient) gift they used.

  Ties in overlap go to the more suitable plan (a weight of 10⁻⁴ per unit of suitability score,
  too small to trade against one unit of overlap).

When the MIP is infeasible, no further distinct plan exists within the slack: the list is complete
(``exhausted``). Every plan is read back through the model's own rows (:func:`violations`) and its
weighted gap recomputed before it is reported. ``keep`` pins the assignments of some states or
pledges to the optimal plan's: a state already agreed to go stays where it goes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import numpy as np

from gapsolver.backend import StageStatus
from gapsolver.backend.highs import HighsBackend
from gapsolver.exceptions import InputError, Problem, SolverError
from gapsolver.model.model import Model, violations
from gapsolver.schema import Scenario
from gapsolver.schema.alternatives import AlternativePlan, Alternatives, Differences, Diversify
from gapsolver.schema.result import Result, SolveStatus, StageReport
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.pipeline import build_result, solve_plan

TIE_WEIGHT = 1e-4
"""Weight of the suitability score in a plan's objective, against 1 per unit of overlap (less when
the plan's total score could reach half a unit of overlap)."""
SLACK_TOLERANCE = 1e-6
"""Room on the weighted-gap bound for floating point, relative to max(1, bound)."""


def _pinned(
    model: Model, plan: np.ndarray, keep: Iterable[str], scenario: Scenario
) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds with the kept states' and pledges' assignments fixed to ``plan``'s."""
    enc = model.enc
    states = {state.id for state in scenario.member_states}
    pledges = {pledge.id for pledge in scenario.pledges}
    unknown = [name for name in keep if name not in states and name not in pledges]
    if unknown:
        raise InputError(
            [Problem("--keep", f"no member state or pledge {name!r}") for name in unknown]
        )
    chosen = set(keep)
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    pledge = enc.option_pledge[model.pair_option]
    state = enc.option_state[model.pair_option]
    pinned = np.array(
        [
            enc.pledge_ids[p] in chosen or enc.state_ids[s] in chosen
            for p, s in zip(pledge.tolist(), state.tolist(), strict=True)
        ],
        dtype=bool,
    )
    columns = np.flatnonzero(pinned)
    lower[columns] = upper[columns] = plan[columns]
    return lower, upper


def _overlap_weights(model: Model, earlier: list[np.ndarray], diversify: Diversify) -> np.ndarray:
    """Per column, how many earlier plans used what the column stands for (see the module)."""
    enc = model.enc
    weights = np.zeros(model.n_cols)
    pairs = slice(0, model.n_pairs)
    gifts = slice(model.n_pairs, model.n_cols)
    for plan in earlier:
        if diversify == "assignments":
            weights[pairs] += plan[pairs] > 0.5
        elif diversify == "states":
            key = (
                enc.option_state[model.pair_option] * len(enc.requirement_ids)
                + model.pair_requirement
            )
            used = np.unique(key[plan[pairs] > 0.5])
            weights[pairs] += np.isin(key, used)
        else:
            weights[gifts] += plan[gifts] > 0.5
    return weights


def _next_plan(
    model: Model,
    earlier: list[np.ndarray],
    bound: float,
    diversify: Diversify,
    lower: np.ndarray,
    upper: np.ndarray,
    time_limit: float | None,
) -> tuple[np.ndarray, float, bool] | None:
    """The plan within ``bound`` that differs from every earlier plan and overlaps them least, its
    overlap, and whether that overlap is proven least (not when the time limit stopped the search
    with a plan); None when there is none, or when time ran out before any was found."""
    backend = HighsBackend(model)
    backend.set_col_bounds(lower, upper)
    support = np.flatnonzero(model.primary)
    backend.add_row(
        support,
        model.primary[support],
        -np.inf,
        bound - model.primary_offset + SLACK_TOLERANCE * max(1.0, bound),
        "weighted_gap_within_slack",
    )
    n_pairs = model.n_pairs
    for number, plan in enumerate(earlier):
        used = np.flatnonzero(plan[:n_pairs] > 0.5)
        units = np.round(plan[used])
        room = upper[used]
        first = backend.n_cols
        # b0, then an "up" and a "down" binary per used column
        count = 1 + 2 * used.size
        backend.add_columns(
            np.zeros(count),
            np.ones(count),
            np.ones(count, dtype=bool),
            np.zeros(count, dtype=np.int64),
            np.zeros(0, dtype=np.int64),
            np.zeros(0),
        )
        b0 = first
        up = first + 1 + np.arange(used.size)
        down = first + 1 + used.size + np.arange(used.size)
        unused = np.setdiff1d(np.arange(n_pairs), used)
        backend.add_row(
            np.concatenate([unused, [b0]]),
            np.concatenate([np.ones(unused.size), [-1.0]]),
            0.0,
            np.inf,
            f"new_column_if_chosen[{number}]",
        )
        for index, column in enumerate(used.tolist()):
            a, u = float(units[index]), float(room[index])
            # up: at least a + 1 units there (impossible when a is already the column's upper bound)
            if a < u:
                backend.add_row(
                    np.array([column, up[index]]), np.array([1.0, -(a + 1.0)]), 0.0, np.inf, "up"
                )
            else:
                backend.set_col_bounds(np.zeros(1), np.zeros(1), np.array([up[index]]))
            # down: at most a − 1 units there
            backend.add_row(
                np.array([column, down[index]]),
                np.array([1.0, u - a + 1.0]),
                -np.inf,
                u,
                "down",
            )
        backend.add_row(
            np.arange(first, first + count), np.ones(count), 1.0, np.inf, f"differs[{number}]"
        )
    weights = _overlap_weights(model, earlier, diversify)
    # the overlap is a whole number: ties broken by suitability with a total weight under half a
    # unit, so a plan within half a unit of the best objective has the least overlap
    tie = min(TIE_WEIGHT, 0.4 / max(float(np.abs(model.secondary).sum()), 1.0))
    objective = np.concatenate(
        [weights + tie * model.secondary, np.zeros(backend.n_cols - model.n_cols)]
    )
    backend.highs.setOptionValue("mip_abs_gap", 0.5)
    outcome = backend.solve(objective, time_limit=time_limit, gap_rel=0.0)
    if outcome.status is StageStatus.infeasible:
        return None
    if outcome.values is None or outcome.status not in (StageStatus.optimal, StageStatus.feasible):
        if time_limit is not None:
            return None  # out of time before a plan was found
        raise SolverError(
            f"highs could not find the next alternative (status {outcome.status.value})"
        )
    values = np.round(outcome.values[: model.n_cols])
    return values, float(weights @ values), outcome.status is StageStatus.optimal


def _differences(model: Model, first: np.ndarray, plan: np.ndarray) -> Differences:
    enc = model.enc
    pairs = slice(0, model.n_pairs)

    def states(values: np.ndarray) -> set[str]:
        used = values[pairs] > 0.5
        return {enc.state_ids[s] for s in enc.option_state[model.pair_option[used]].tolist()}

    def gifts(values: np.ndarray) -> set[str]:
        used = values[model.n_pairs :] > 0.5
        return {
            f"{enc.donation_ids[d]}→{enc.state_ids[s]}"
            for d, s in zip(
                model.give_donation[used].tolist(), model.give_state[used].tolist(), strict=True
            )
        }

    def per_mission(values: np.ndarray) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for column in np.flatnonzero(values[pairs] > 0.5).tolist():
            mission = enc.mission_ids[enc.req_mission[model.pair_requirement[column]]]
            state = enc.state_ids[enc.option_state[model.pair_option[column]]]
            found.setdefault(mission, {})
            found[mission][state] = found[mission].get(state, 0) + round(values[column])
        return found

    a, b = per_mission(first), per_mission(plan)
    return Differences(
        states_added=sorted(states(plan) - states(first)),
        states_dropped=sorted(states(first) - states(plan)),
        gifts_added=sorted(gifts(plan) - gifts(first)),
        gifts_dropped=sorted(gifts(first) - gifts(plan)),
        missions_changed=sorted(m for m in set(a) | set(b) if a.get(m) != b.get(m)),
        units_moved=int(np.abs(plan[pairs] - first[pairs]).sum()),
    )


def alternatives(
    scenario: Scenario,
    count: int,
    slack: float = 0.0,
    diversify: Diversify = "assignments",
    keep: Iterable[str] = (),
    options: SolveOptions | None = None,
) -> Alternatives:
    """Up to ``count`` plans, the first optimal, each next within ``slack`` of the optimal weighted
    gap and as different as possible from those before it (see the module). HiGHS only."""
    began = time.perf_counter()
    options = options or SolveOptions()
    if options.solver != "highs":
        raise InputError([Problem("--solver", "alternatives are found with highs only")])
    if count < 1:
        raise InputError([Problem("-n", "ask for at least one plan")])
    if not 0.0 <= slack <= 10.0:
        raise InputError([Problem("--slack", f"{slack:g} is not in 0..10")])
    first_result, model, first = solve_plan(scenario, options, reasons=True)
    if first_result.status is not SolveStatus.optimal:
        raise SolverError("the optimum was not proven; alternatives need it as their yardstick")
    optimum = float(model.primary_offset + model.primary @ first)
    bound = optimum * (1.0 + slack)
    kept = sorted(set(keep))
    lower, upper = _pinned(model, first, kept, scenario)
    plans: list[np.ndarray] = [first]
    overlaps = [0.0]
    proven = [True]
    exhausted = timed_out = False
    while len(plans) < count:
        left = None
        if options.time_limit is not None:
            left = options.time_limit - (time.perf_counter() - began)
            if left <= 0:
                timed_out = True
                break
        found = _next_plan(model, plans, bound, diversify, lower, upper, left)
        if found is None:
            # none left within the bound, unless the time limit ended the search first
            timed_out = (
                options.time_limit is not None and time.perf_counter() - began >= options.time_limit
            )
            exhausted = not timed_out
            break
        plans.append(found[0])
        overlaps.append(found[1])
        proven.append(found[2])
    results: list[Result] = []
    for index, values in enumerate(plans):
        broken = violations(model, values)
        gap = float(model.primary_offset + model.primary @ values)
        if broken or gap > bound + SLACK_TOLERANCE * max(1.0, bound):
            raise SolverError(
                f"alternative {index + 1} breaks the model ({', '.join(broken[:5])}) or the slack "
                f"(weighted gap {gap:g} > {bound:g})"
            )
        if index == 0:
            results.append(first_result)
            continue
        stage = StageReport(
            objective="overlap",
            status=StageStatus.optimal if proven[index] else StageStatus.feasible,
            value=round(overlaps[index], 9),
            bound=None,
            mip_gap=0.0 if proven[index] else None,
            seconds=0.0,
            method="mip",
        )
        results.append(build_result(model, values, [stage], SolveStatus.feasible, options))
    distances = [
        [int(np.abs(a[: model.n_pairs] - b[: model.n_pairs]).sum()) for b in plans] for a in plans
    ]
    return Alternatives(
        scenario=scenario.name,
        asked=count,
        slack=slack,
        diversify=diversify,
        optimum=round(optimum, 9),
        bound=round(bound, 9),
        kept=kept,
        exhausted=exhausted,
        timed_out=timed_out,
        plans=[
            AlternativePlan(
                index=index + 1,
                overlap=round(overlaps[index], 9),
                differences=_differences(model, first, values),
                result=result,
            )
            for index, (values, result) in enumerate(zip(plans, results, strict=True))
        ],
        distances=distances,
        seconds=round(time.perf_counter() - began, 6),
    )
