"""A plain model of stage 1, built straight into HiGHS: issue 12's yardstick for `gapsolver solve`.

python -m benchmarks.plain SCENARIO [--time-limit SECONDS] [--json]

Minimises the priority-weighted gap Σ_r w_r (q_r − Σ x) over the same eligible pairs as gapsolver,
with the constraints of docs/formulation.md written out here from the encoded arrays: pledge capacity,
requirement cover, training capacity, donation supply (gift variables y[d,s]), equipment balance per
(state, item), budget, state–mission cap. It is deliberately independent of gapsolver's model and
solve layers (`gapsolver.model`, `gapsolver.solve`): it uses only the loader, the encoder and the
eligibility rules, so that it solves the same pairs. One HiGHS MIP with its defaults (presolve on,
one thread) and a relative MIP gap of 0, as gapsolver's stage 1 is exact. No suitability stage.

Run as a whole command (its own start-up, load, build and solve) by `python -m benchmarks.run plain`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import numpy as np


def _rows(
    keys: np.ndarray, cols: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One row per distinct key (a key is a row of ``keys`` for 2-D keys): (unique keys, row of each
    entry, its column, its coefficient)."""
    if cols.size == 0:
        return keys[:0], np.zeros(0, dtype=np.int64), cols, values
    unique, inverse = np.unique(keys, axis=0 if keys.ndim == 2 else None, return_inverse=True)
    return unique, inverse.reshape(-1).astype(np.int64), cols, values


def build_and_solve(path: str, time_limit: float | None, log: bool = False) -> dict[str, Any]:
    timings: dict[str, float] = {}
    began = time.perf_counter()
    from gapsolver.preprocess.encode import NONE, encode
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.preprocess.rules import eligible_pairs

    scenario, _ = load_scenario(path)
    timings["load"] = time.perf_counter() - began

    began = time.perf_counter()
    enc = encode(scenario)
    option, req = eligible_pairs(enc)
    n_x = option.size
    pledge = enc.option_pledge[option]
    state = enc.pledge_state[pledge]
    item = enc.pledge_item[pledge]
    training = enc.option_training[option]

    # Gift variables y[d,s]: s may receive d and has an eligible pair whose pledge needs d's item.
    needs = np.zeros((len(enc.state_ids), max(1, len(enc.item_ids))), dtype=bool)
    with_item = item != NONE
    needs[state[with_item], item[with_item]] = True
    gift_d, gift_s = np.nonzero(enc.donation_recipient & needs[:, enc.donation_item].T)
    n_y = gift_d.size
    x_cols = np.arange(n_x)
    y_cols = n_x + np.arange(n_y)

    lower: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    n_rows = 0

    def family(keys: np.ndarray, cols: np.ndarray, values: np.ndarray, bound: Any) -> None:
        nonlocal n_rows
        unique, row, cols, values = _rows(keys, cols, values)
        entries.append((row + n_rows, cols, values))
        upper.append(np.asarray(bound(unique), dtype=float).reshape(len(unique)))
        lower.append(np.full(len(unique), -np.inf))
        n_rows += len(unique)

    ones = np.ones(n_x)
    # pledge capacity: Σ x[p,·] ≤ q_p
    family(pledge, x_cols, ones, lambda k: enc.pledge_quantity[k])
    # requirement cover: Σ x[·,r] ≤ q_r
    family(req, x_cols, ones, lambda k: enc.req_quantity[k])
    # training capacity: Σ x over options trained by t ≤ κ_t
    trained = training != NONE
    family(training[trained], x_cols[trained], ones[trained], lambda k: enc.training_capacity[k])
    # donation supply: Σ_s y[d,s] ≤ q_d
    family(gift_d, y_cols, np.ones(n_y), lambda k: enc.donation_quantity[k])
    # equipment balance per (state, item): Σ n_p x − Σ y ≤ 0
    family(
        np.concatenate(
            [
                np.column_stack([state[with_item], item[with_item]]),
                np.column_stack([gift_s, enc.donation_item[gift_d]]),
            ]
        ).reshape(-1, 2),
        np.concatenate([x_cols[with_item], y_cols]),
        np.concatenate([enc.pledge_per_unit[pledge[with_item]].astype(float), -np.ones(n_y)]),
        lambda k: np.zeros(len(k)),
    )
    settings = scenario.settings
    if settings.budget is not None and n_x:
        # budget: Σ (pledge cost + training cost) x ≤ B
        family(
            np.zeros(n_x, dtype=np.int64),
            x_cols,
            enc.option_unit_cost[option],
            lambda k: np.full(len(k), float(settings.budget)),
        )
    cap = settings.max_units_per_state_per_mission
    if cap is not None:
        # state–mission cap: Σ x over (state s, mission m) ≤ U
        family(
            np.column_stack([state, enc.req_mission[req]]).reshape(-1, 2),
            x_cols,
            ones,
            lambda k: np.full(len(k), float(cap)),
        )

    rows = np.concatenate([e[0] for e in entries]) if entries else np.zeros(0, np.int64)
    cols = np.concatenate([e[1] for e in entries]) if entries else np.zeros(0, np.int64)
    values = np.concatenate([e[2] for e in entries]) if entries else np.zeros(0)
    order = np.argsort(rows, kind="stable")
    starts = np.searchsorted(rows[order], np.arange(n_rows)).astype(np.int32)

    weight = enc.req_weight[req]
    offset = float(np.sum(enc.req_weight * enc.req_quantity))
    col_cost = np.concatenate([-weight, np.zeros(n_y)])
    col_lower = np.zeros(n_x + n_y)
    col_upper = np.concatenate(
        [
            np.minimum(enc.pledge_quantity[pledge], enc.req_quantity[req]).astype(float),
            enc.donation_quantity[gift_d].astype(float),
        ]
    )
    timings["build"] = time.perf_counter() - began

    import highspy

    began = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", log)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_rel_gap", 0.0)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    n_cols = n_x + n_y
    h.addCols(
        n_cols,
        col_cost,
        col_lower,
        col_upper,
        0,
        np.zeros(n_cols + 1, np.int32),
        np.zeros(0, np.int32),
        np.zeros(0),
    )
    if n_rows:
        h.addRows(
            n_rows,
            np.concatenate(lower),
            np.concatenate(upper),
            values.size,
            starts,
            cols[order].astype(np.int32),
            values[order],
        )
    h.changeObjectiveOffset(offset)
    h.changeColsIntegrality(
        n_cols,
        np.arange(n_cols, dtype=np.int32),
        np.full(n_cols, highspy.HighsVarType.kInteger),
    )
    timings["handoff"] = time.perf_counter() - began

    began = time.perf_counter()
    h.run()
    timings["solve"] = time.perf_counter() - began
    model_status = h.getModelStatus()
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    status = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kTimeLimit: "feasible" if has_solution else "time_limit",
    }.get(model_status, h.modelStatusToString(model_status))
    value = float(info.objective_function_value) if has_solution else None
    if value is not None:  # recomputed from the solution, not read off the solver only
        x = np.asarray(h.getSolution().col_value)[:n_x]
        value = offset - float(weight @ np.round(x))
    return {
        "scenario": path,
        "status": status,
        "weighted_gap": value,
        "bound": float(info.mip_dual_bound) if info.mip_dual_bound > -1e30 else None,
        "mip_gap": float(info.mip_gap) if has_solution else None,
        "pairs": int(n_x),
        "gifts": int(n_y),
        "rows": int(n_rows),
        "nonzeros": int(values.size),
        "timings": timings,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario")
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--log", action="store_true", help="show HiGHS's log")
    args = parser.parse_args(argv)
    result = build_and_solve(args.scenario, args.time_limit, args.log)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['status']}: weighted gap {result['weighted_gap']} "
            f"({result['pairs']:,} pairs, {result['rows']:,} rows)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
