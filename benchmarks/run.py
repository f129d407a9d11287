"""Run gapsolver's benchmarks and print the figures docs/performance.md reports.

python -m benchmarks.run                  # everything (about 15 minutes on 2 cores)
python -m benchmarks.run scoring          # eligibility and scoring throughput
python -m benchmarks.run solve            # per-phase solve times, peak memory, greedy vs MILP
python -m benchmarks.run solvers          # HiGHS against CBC over several seeds
python -m benchmarks.run plain            # whole `gapsolver solve` commands against a plain HiGHS
                                          #   model of stage 1, seeds 0-9 at 2,000 pledges (not in
                                          #   the default run: up to about an hour on 2 cores)
python -m benchmarks.run stochastic       # `solve --stochastic 50` on the reference and at 2,000
                                          #   pledges, beside the plain solve (not in the default
                                          #   run: about 10 minutes)
python -m benchmarks.run --quick ...      # small cases only
python -m benchmarks.run ... -o out.json  # also write every figure as JSON
python -m benchmarks.run plain --csv p.csv  # and the plain suite's rows as CSV
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from typing import Any

from benchmarks import scoring, solve, stochastic, whole
from benchmarks.cases import SCORING_CASES, SOLVE_CASES


def _machine() -> dict[str, Any]:
    import os

    import highspy
    import numpy
    import pulp

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "numpy": numpy.__version__,
        "pulp": pulp.__version__,
        "highspy": getattr(highspy, "__version__", "?"),
    }


def run_scoring(quick: bool) -> list[dict[str, Any]]:
    rows = []
    for case in SCORING_CASES.values():
        if quick and case.pairs > 2_000_000:
            continue
        row = scoring.run_case(case)
        rows.append(row)
        print(
            f"{row['case']:>14}  {row['pairs']:>11,} pairs  "
            f"mask {row['mask_pairs_per_second'] / 1e6:7.1f} M/s  "
            f"score grid {row['grid_pairs_per_second'] / 1e6:7.1f} M/s  "
            f"pairs {row['pairs_scorer_pairs_per_second'] / 1e6:6.1f} M/s  "
            f"reference {row['reference_pairs_per_second'] / 1e3:6.1f} k/s  "
            f"speed-up {row['speedup_over_reference']:7.0f}x  "
            f"write bound {row['write_bound_pairs_per_second'] / 1e6:8.1f} M/s "
            f"({row['fraction_of_write_bound']:.0%} reached)  "
            f"max error {row['max_abs_error_vs_reference']:.1e}",
            flush=True,
        )
    return rows


def _print_solve(row: dict[str, Any]) -> None:
    if "error" in row:
        print(f"  error: {row['error']}", flush=True)
        return
    phases = "  ".join(f"{name} {seconds:.3f}" for name, seconds in row["phases"].items())
    ratio = row["overhead_over_solve"]
    print(
        f"{row['case']:>12} seed {row['seed']} {row['solver']:>5}: {row['pairs']:>9,} pairs  "
        f"{row['status']:>8} {'/'.join(row['stage_methods'])}  total {row['total_seconds']:.2f} s  "
        f"solve {row['phases']['solve']:.2f} s  overhead/solve {'n/a' if ratio is None else f'{ratio:.0%}'}  "
        f"peak {row['peak_rss_mb']:.0f} MB  gap MILP {row['weighted_gap']:g} vs greedy {row['greedy_weighted_gap']:g}\n"
        f"{'':>14}{phases}",
        flush=True,
    )


def run_solve(quick: bool) -> list[dict[str, Any]]:
    rows = []
    for case in SOLVE_CASES.values():
        if quick and case.pledges > 2_000:
            continue
        row = solve.run_case(
            case, seed=1, solver="highs", time_limit=300 if case.pledges > 5_000 else None
        )
        _print_solve(row)
        rows.append(row)
    return rows


def run_solvers(quick: bool) -> list[dict[str, Any]]:
    rows = []
    seeds = (1, 2, 3) if quick else (1, 2, 3, 4, 5)
    for name in ("solve-200", "solve-2000"):
        for seed in seeds:
            for solver in ("highs", "cbc"):
                row = solve.run_case(SOLVE_CASES[name], seed=seed, solver=solver, time_limit=None)
                _print_solve(row)
                rows.append(row)
    return rows


def run_plain(quick: bool) -> dict[str, Any]:
    return whole.run_suite(quick)


def run_stochastic(quick: bool) -> list[dict[str, Any]]:
    return stochastic.run_suite(quick)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "suites",
        nargs="*",
        metavar="{scoring,solve,solvers,plain,stochastic}",
        help="suites to run (default: scoring, solve, solvers)",
    )
    parser.add_argument("--quick", action="store_true", help="small cases only")
    parser.add_argument("-o", "--output", help="write every figure to this JSON file")
    parser.add_argument("--csv", help="write the plain suite's rows to this CSV file")
    args = parser.parse_args(argv)
    known = ["scoring", "solve", "solvers", "plain", "stochastic"]
    unknown = [suite for suite in args.suites if suite not in known]
    if unknown:  # argparse's choices refuse an empty list on Python 3.11, hence checked here
        parser.error(f"unknown suite {', '.join(unknown)} (choose from {', '.join(known)})")
    suites = args.suites or known[:3]
    report: dict[str, Any] = {"machine": _machine()}
    print(json.dumps(report["machine"]), flush=True)
    runners = {
        "scoring": run_scoring,
        "solve": run_solve,
        "solvers": run_solvers,
        "plain": run_plain,
        "stochastic": run_stochastic,
    }
    for suite in suites:
        print(f"\n== {suite}", flush=True)
        report[suite] = runners[suite](args.quick)
    if args.output:
        from gapsolver.postprocess.write import write_json_atomic

        write_json_atomic(args.output, report)
    if "plain" in report:
        if args.csv:
            whole.write_csv(args.csv, report["plain"])
        if report["plain"]["mismatches"]:
            return 1  # printed loudly by the suite
    return 0


if __name__ == "__main__":
    sys.exit(main())
