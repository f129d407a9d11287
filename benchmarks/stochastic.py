"""The stochastic plan as a whole command (`gapsolver solve --stochastic N`), beside the plain solve.

Per case, two fresh processes timed from launch to exit, peak memory by `/usr/bin/time`
(benchmarks/whole.py's runner): `gapsolver solve FILE --json` (the baseline) and `gapsolver solve
FILE --stochastic N --seed 1 --json [--time-limit L]`. From the stochastic JSON: the
phases (nominal solve, draw, build, EEV, WS, programme), each stage's method and status, the size of
the extensive form, and SP, EEV and WS.

Cases: the reference scenario with N = 50, and `gapsolver generate --pledges 2000 --states 66
--missions 12 --seed 1 --unreliable 0.2` with N = 50 (a 300 s time limit on the programme; the
nominal plan, EEV and WS are solved exactly whatever the limit). `--quick`: the reference only.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.whole import REFERENCE, _json, run_command

SAMPLES = 50
LARGE_TIME_LIMIT = 300.0
HARD_LIMIT = 3600.0


def _large(folder: Path) -> Path:
    import yaml

    from gapsolver.postprocess.write import write_text_atomic
    from gapsolver.preprocess.generate import generate

    path = folder / "generated-2000-unreliable.yaml"
    data = generate(pledges=2000, states=66, missions=12, seed=1, unreliable=0.2)
    write_text_atomic(path, yaml.safe_dump(data, sort_keys=False, width=120))
    return path


def measure(case: str, path: Path, time_limit: float | None) -> dict[str, Any]:
    python = sys.executable
    base = run_command([python, "-m", "gapsolver.cli", "solve", str(path), "--json"], HARD_LIMIT)
    args = [python, "-m", "gapsolver.cli", "solve", str(path), "--stochastic", str(SAMPLES)]
    args += ["--seed", "1", "--json"]
    if time_limit is not None:
        args += ["--time-limit", f"{time_limit:g}"]
    ours = run_command(args, HARD_LIMIT)
    report = _json(ours["stdout"]) or {}
    row: dict[str, Any] = {
        "case": case,
        "samples": SAMPLES,
        "time_limit": time_limit,
        "solve_seconds": round(base["wall_seconds"], 2),
        "solve_peak_mib": base["peak_mib"],
        "stochastic_seconds": round(ours["wall_seconds"], 2),
        "stochastic_peak_mib": ours["peak_mib"],
        "exit_code": ours["exit_code"],
        "ratio": round(ours["wall_seconds"] / base["wall_seconds"], 1),
    }
    if report:
        row |= {
            "timings": report["timings"],
            "stages": [
                (stage["objective"], stage["method"], stage["status"], stage["seconds"])
                for stage in report["stages"]
            ],
            "model_size": report["model_size"],
            "distinct_samples": report["distinct_samples"],
            "sp": report["sp"]["objective"],
            "eev": report["eev"]["objective"],
            "ws": report["ws"]["objective"],
            "status": report["status"],
        }
    else:
        row["stderr_tail"] = ours["stderr_tail"]
    return row


def _print(row: dict[str, Any]) -> None:
    print(
        f"{row['case']:>22}  N={row['samples']}  solve {row['solve_seconds']:.2f} s "
        f"({row['solve_peak_mib'] or 0:.0f} MiB)  stochastic {row['stochastic_seconds']:.2f} s "
        f"({row['stochastic_peak_mib'] or 0:.0f} MiB)  ratio {row['ratio']:g}x  "
        f"status {row.get('status', 'exit ' + str(row['exit_code']))}",
        flush=True,
    )
    if "timings" in row:
        print(f"{'':>24}phases {row['timings']}", flush=True)
        print(f"{'':>24}stages {row['stages']}", flush=True)
        print(
            f"{'':>24}form {row['model_size']}; SP {row['sp']} EEV {row['eev']} WS {row['ws']}",
            flush=True,
        )


def run_suite(quick: bool) -> list[dict[str, Any]]:
    rows = [measure("reference", REFERENCE, None)]
    _print(rows[-1])
    if not quick:
        with tempfile.TemporaryDirectory() as folder:
            rows.append(measure("generated-2000", _large(Path(folder)), LARGE_TIME_LIMIT))
            _print(rows[-1])
    return rows
