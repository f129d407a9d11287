"""Whole commands against a plain model (issue 12's yardstick: benchmarks that cannot flatter).

Per scenario, two whole commands, each a fresh process timed from launch to exit (start-up, imports,
load, build, solve, output):

- `python -m gapsolver.cli solve FILE --json --time-limit L`: its wall time and peak memory, and the
  stage split read from its JSON (`stages`, `timings`);
- `python -m benchmarks.plain FILE --json --time-limit L`: a plain MIP of stage 1 only (the weighted
  gap), built straight into HiGHS (benchmarks/plain.py).

The ratio is gapsolver's wall over the plain model's. HiGHS does not always honour its own time
limit (the plain MIP can sit in root-node heuristics past it): the runner stops a command at its
limit plus two minutes, and the ratio is then an upper bound (`ratio_is_upper_bound`); the summary
gives the median and worst over all cases and over those where both commands finished. Both must agree on the optimal weighted gap
(the reference scenario's is 161): a mismatch is printed loudly, kept in the figures, and makes
`python -m benchmarks.run plain` exit non-zero.

Peak memory is the largest resident set of the command's processes (ru_maxrss of the process and its
descendants, as `/usr/bin/time` reports it; the solve with a time limit runs in a child process).
`/usr/bin/time` sits between this runner and the command so that the runner's own memory is not
carried over into the command's figure (Linux keeps ru_maxrss across fork and exec).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "seoul-2021.yaml"
REFERENCE_GAP = 161.0
TIME_LIMIT = 300.0
GRACE = 120.0  # past the command's own limit, the runner stops it
SEEDS = tuple(range(10))
QUICK_SEEDS = (0, 1, 2)
CHECK_SEEDS = (1, 2, 3)  # small generated scenarios (200 pledges) for the agreement check
TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None  # GNU time, for %M


def run_command(args: list[str], hard_limit: float) -> dict[str, Any]:
    """Run one command; its wall seconds, peak MiB, exit code and stdout."""
    with tempfile.TemporaryDirectory() as folder:
        out, err, mem = (Path(folder) / name for name in ("out", "err", "mem"))
        command = [TIME, "-f", "%M", "-o", str(mem), *args] if TIME else args
        with out.open("wb") as stdout, err.open("wb") as stderr:
            began = time.perf_counter()
            process = subprocess.Popen(
                command, stdout=stdout, stderr=stderr, cwd=ROOT, start_new_session=True
            )
            killed = False
            if TIME:
                try:
                    process.wait(timeout=hard_limit)
                except subprocess.TimeoutExpired:
                    killed = True
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                wall = time.perf_counter() - began
                peak_kb = None
            else:  # no /usr/bin/time: this child's own rusage (the runner's memory is a floor)
                _, status, usage = os.wait4(process.pid, 0)
                wall = time.perf_counter() - began
                process.returncode = os.waitstatus_to_exitcode(status)
                peak_kb = usage.ru_maxrss
        if TIME and not killed:
            lines = [line for line in mem.read_text().split() if line.strip().isdigit()]
            peak_kb = int(lines[-1]) if lines else None
        return {
            "wall_seconds": wall,
            "peak_mib": None if peak_kb is None else peak_kb / 1024,
            "exit_code": process.returncode,
            "killed": killed,
            "stdout": out.read_text(),
            "stderr_tail": err.read_text()[-2000:],
        }


def _json(text: str) -> dict[str, Any] | None:
    """The command's JSON: the whole output, or its last line (highspy prints a banner first)."""
    lines = text.strip().splitlines()
    try:
        value = json.loads(text if text.lstrip().startswith("{") else lines[-1] if lines else "")
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def measure(case: str, path: Path, time_limit: float = TIME_LIMIT) -> dict[str, Any]:
    """Both whole commands on one scenario file, and whether they agree."""
    python = sys.executable
    limit = f"{time_limit:g}"
    ours = run_command(
        [python, "-m", "gapsolver.cli", "solve", str(path), "--json", "--time-limit", limit],
        time_limit + GRACE,
    )
    plain = run_command(
        [python, "-m", "benchmarks.plain", str(path), "--json", "--time-limit", limit],
        time_limit + GRACE,
    )
    result = _json(ours["stdout"]) or {}
    stages = result.get("stages") or [{}, {}]
    first, second = stages[0], stages[1] if len(stages) > 1 else {}
    figures = _json(plain["stdout"]) or {}
    row: dict[str, Any] = {
        "case": case,
        "scenario": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name,
        "pairs": (result.get("model_size") or {}).get("pairs", figures.get("pairs")),
        "plain_pairs": figures.get("pairs"),
        "status": result.get("status", f"exit {ours['exit_code']}"),
        "weighted_gap": result.get("weighted_gap"),
        "stage1_status": first.get("status"),
        "stage1_value": first.get("value"),
        "stage1_method": first.get("method"),
        "stage1_seconds": first.get("seconds"),
        "stage2_status": second.get("status"),
        "stage2_method": second.get("method"),
        "stage2_seconds": second.get("seconds"),
        "timings": result.get("timings"),
        "wall_seconds": ours["wall_seconds"],
        "peak_mib": ours["peak_mib"],
        "plain_status": figures.get(
            "status", "stopped" if plain["killed"] else f"exit {plain['exit_code']}"
        ),
        "plain_weighted_gap": figures.get("weighted_gap"),
        "plain_timings": figures.get("timings"),
        "plain_wall_seconds": plain["wall_seconds"],
        "plain_peak_mib": plain["peak_mib"],
        "ratio": ours["wall_seconds"] / plain["wall_seconds"],
        # the plain command stopped by the runner: its time is a lower bound, the ratio an upper one
        "ratio_is_upper_bound": plain["killed"],
        # gapsolver's whole command less its suitability stage, against the plain stage-1 model
        "ratio_without_stage2": (ours["wall_seconds"] - (second.get("seconds") or 0.0))
        / plain["wall_seconds"],
    }
    for name, run in (("gapsolver", ours), ("plain", plain)):
        if run["exit_code"] != 0 or run["killed"]:
            row[f"{name}_error"] = (
                f"exit {run['exit_code']}{' (killed)' if run['killed'] else ''}: "
                f"{run['stderr_tail'][-500:]}"
            )
    row["agree"] = _agree(row)
    return row


def _agree(row: dict[str, Any]) -> bool | None:
    """True/False when both proved stage 1 optimal; None when either did not (nothing to compare)."""
    if row["stage1_status"] != "optimal" or row["plain_status"] != "optimal":
        return None
    plain = float(row["plain_weighted_gap"])
    return all(
        value is not None and abs(float(value) - plain) <= 1e-6
        for value in (row["stage1_value"], row["weighted_gap"])
    )


def generate(folder: Path, pledges: int, seed: int) -> Path:
    path = folder / f"generated-{pledges}-seed{seed}.yaml"
    subprocess.run(
        [sys.executable, "-m", "gapsolver.cli", "generate", "--pledges", str(pledges),
         "--seed", str(seed), "-o", str(path)],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return path


def _cell(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_row(row: dict[str, Any]) -> None:
    agree = {True: "agree", False: "!!! MISMATCH !!!", None: "not compared"}[row["agree"]]
    bound = "≤" if row["ratio_is_upper_bound"] else " "
    print(
        f"{row['case']:>18} {_cell(row['pairs']):>7} pairs  gapsolver {row['wall_seconds']:7.2f} s "
        f"(stage 1 {_cell(row['stage1_status'])} {_cell(row['stage1_seconds'])} s "
        f"{_cell(row['stage1_method'])}, stage 2 {_cell(row['stage2_status'])} "
        f"{_cell(row['stage2_seconds'])} s {_cell(row['stage2_method'])}) "
        f"peak {_cell(row['peak_mib'], 0)} MiB | plain {row['plain_wall_seconds']:7.2f} s "
        f"{row['plain_status']} peak {_cell(row['plain_peak_mib'], 0)} MiB | "
        f"ratio {bound}{row['ratio']:5.2f} (without stage 2 {row['ratio_without_stage2']:5.2f}) | "
        f"gap {_cell(row['weighted_gap'], 0)} vs {_cell(row['plain_weighted_gap'], 0)} {agree}",
        flush=True,
    )
    for name in ("gapsolver_error", "plain_error"):
        if name in row:
            print(f"{'':>20}{name}: {row[name]}", flush=True)


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ratios = [row["ratio"] for row in rows]
    without = [row["ratio_without_stage2"] for row in rows]
    if not ratios:
        return {}
    worst = max(rows, key=lambda row: row["ratio"])
    return {
        "cases": len(rows),
        "plain_stopped": [row["case"] for row in rows if row["ratio_is_upper_bound"]],
        "median_ratio": statistics.median(ratios),
        "worst_ratio": worst["ratio"],
        "worst_case": worst["case"],
        "median_ratio_without_stage2": statistics.median(without),
        "worst_ratio_without_stage2": max(without),
        "median_wall_seconds": statistics.median(row["wall_seconds"] for row in rows),
        "median_plain_wall_seconds": statistics.median(row["plain_wall_seconds"] for row in rows),
        "median_stage2_seconds": statistics.median(row["stage2_seconds"] or 0.0 for row in rows),
        **_finished(rows),
    }


def _finished(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The same figures over the cases where both commands finished (exact ratios only)."""
    both = [row for row in rows if not row["ratio_is_upper_bound"]]
    if not both:
        return {}
    return {
        "both_finished": len(both),
        "median_ratio_both_finished": statistics.median(row["ratio"] for row in both),
        "worst_ratio_both_finished": max(row["ratio"] for row in both),
        "median_ratio_without_stage2_both_finished": statistics.median(
            row["ratio_without_stage2"] for row in both
        ),
        "worst_ratio_without_stage2_both_finished": max(
            row["ratio_without_stage2"] for row in both
        ),
    }


def run_suite(quick: bool, time_limit: float = TIME_LIMIT) -> dict[str, Any]:
    """The check cases (reference, small generated), then 2,000 pledges seeds 0–9 (0–2 with quick)."""
    checks: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        row = measure("seoul-2021", REFERENCE, time_limit)
        row["expected_weighted_gap"] = REFERENCE_GAP
        if row["agree"] and row["plain_weighted_gap"] != REFERENCE_GAP:
            row["agree"] = False
        print_row(row)
        checks.append(row)
        for seed in CHECK_SEEDS:
            row = measure(f"gen-200 seed {seed}", generate(folder, 200, seed), time_limit)
            print_row(row)
            checks.append(row)
        for seed in QUICK_SEEDS if quick else SEEDS:
            row = measure(f"gen-2000 seed {seed}", generate(folder, 2000, seed), time_limit)
            row["seed"] = seed
            print_row(row)
            cases.append(row)
    figures = summary(cases)
    if figures:
        print(
            f"{'gen-2000':>18} median ratio {figures['median_ratio']:.2f}, worst "
            f"{figures['worst_ratio']:.2f} ({figures['worst_case']}); without stage 2: median "
            f"{figures['median_ratio_without_stage2']:.2f}, worst "
            f"{figures['worst_ratio_without_stage2']:.2f}"
            + (
                f"; the plain model stopped unfinished on {', '.join(figures['plain_stopped'])} "
                "(ratio an upper bound there); where both finished "
                f"({figures.get('both_finished', 0)}): median "
                f"{figures.get('median_ratio_both_finished', float('nan')):.2f}, worst "
                f"{figures.get('worst_ratio_both_finished', float('nan')):.2f}"
                if figures["plain_stopped"]
                else ""
            ),
            flush=True,
        )
    mismatches = [row["case"] for row in checks + cases if row["agree"] is False]
    if mismatches:
        print(
            "\n!!! MISMATCH: gapsolver's stage 1 and the plain HiGHS model disagree on the weighted "
            f"gap for {', '.join(mismatches)} !!!\n",
            file=sys.stderr,
            flush=True,
        )
    return {
        "time_limit_seconds": time_limit,
        "memory_tool": TIME or "wait4",
        "checks": checks,
        "cases": cases,
        "summary": figures,
        "mismatches": mismatches,
    }


CSV_FIELDS = (
    "case", "pairs", "status", "weighted_gap", "stage1_status", "stage1_method", "stage1_seconds",
    "stage2_status", "stage2_method", "stage2_seconds", "wall_seconds", "peak_mib", "plain_status",
    "plain_weighted_gap", "plain_wall_seconds", "plain_peak_mib", "ratio", "ratio_is_upper_bound",
    "ratio_without_stage2", "agree",
)  # fmt: skip


def write_csv(path: str, suite: dict[str, Any]) -> None:
    import csv

    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in suite["checks"] + suite["cases"]:
            writer.writerow(row)
