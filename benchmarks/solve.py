"""The solve, phase by phase, on generated scenarios; each case in a fresh process for its peak memory.

Phases: load (YAML file → validated scenario), encode, eligibility, score, rows (the model's
constraint families), greedy (the baseline and warm start), handoff (matrix to the solver), solve
(both ranked stages), extract (result). "Overhead" is every phase but solve.
"""

from __future__ import annotations

import multiprocessing
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.cases import SolveCase


def peak_rss_mb() -> float:
    """Peak resident memory of this process's address space (VmHWM). ru_maxrss is not used where
    VmHWM exists: Linux carries it over fork and exec, so a fresh child would report its parent's."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(case: SolveCase, seed: int, solver: str, time_limit: float | None) -> dict[str, Any]:
    from gapsolver import SolveOptions, load_scenario
    from gapsolver.model.build import build_model
    from gapsolver.preprocess.encode import encode
    from gapsolver.preprocess.generate import generate
    from gapsolver.schema.result import SolveStatus
    from gapsolver.solve.greedy import greedy_plan
    from gapsolver.solve.pipeline import build_result
    from gapsolver.solve.run import run_solver

    data = generate(**case.generator_args(seed))  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        rss_before = peak_rss_mb()
        began = time.perf_counter()
        scenario, _ = load_scenario(path)
        phases = {"load": time.perf_counter() - began}
    options = SolveOptions(solver=solver, time_limit=time_limit)
    began = time.perf_counter()
    enc = encode(scenario)
    phases["encode"] = time.perf_counter() - began
    model = build_model(enc)
    phases |= model.timings
    began = time.perf_counter()
    start = greedy_plan(model)
    phases["greedy"] = time.perf_counter() - began
    began = time.perf_counter()
    _, values, stages, timings = run_solver(model, options, start=start)
    elapsed = time.perf_counter() - began
    phases["handoff"] = timings.get("handoff", 0.0)  # unknown when the limit stopped the solve
    phases["solve"] = elapsed - phases["handoff"]
    began = time.perf_counter()
    proven = all(stage.status == "optimal" for stage in stages)
    result = build_result(
        model, values, stages, SolveStatus.optimal if proven else SolveStatus.feasible, options
    )
    phases["extract"] = time.perf_counter() - began
    greedy_gap = float(model.primary @ start) + model.primary_offset
    overhead = sum(seconds for phase, seconds in phases.items() if phase != "solve")
    return {
        "case": case.name,
        "seed": seed,
        "solver": solver,
        "pledges": len(scenario.pledges),
        "requirements": len(scenario.requirements),
        "pairs": model.n_pairs,
        "rows": model.n_rows,
        "status": result.status.value,
        "stage_methods": [stage.method for stage in stages],
        "stage_seconds": [stage.seconds for stage in stages],
        "weighted_gap": result.weighted_gap,
        "greedy_weighted_gap": round(greedy_gap, 6),
        "phases": phases,
        "total_seconds": sum(phases.values()),
        "overhead_seconds": overhead,
        "overhead_over_solve": overhead / phases["solve"] if phases["solve"] > 0 else None,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_load_mb": rss_before,
    }


def _child(queue: Any, *args: Any) -> None:
    try:
        queue.put(_run(*args))
    except Exception as error:  # report, never hang the parent
        queue.put({"error": f"{type(error).__name__}: {error}"})


def run_case(
    case: SolveCase, seed: int = 1, solver: str = "highs", time_limit: float | None = 600
) -> dict[str, Any]:
    """Run one case in a fresh process (so its peak memory is its own)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, case, seed, solver, time_limit))
    process.start()
    outcome = queue.get()
    process.join()
    return outcome
