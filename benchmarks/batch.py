"""Batch throughput: the same runs in one process, in two local worker processes and on a two-worker
Dask LocalCluster; and what storing each run in SQLite costs over executing it.

python -m benchmarks.batch [--runs N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "seoul-2021.yaml"


def _spec(folder: Path, runs: int) -> Path:
    spec = folder / "spec.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "scenarios": [str(REFERENCE)],
                "strategies": ["optimal"],
                "robustness": {"samples": runs - 1, "seed": 1},
            }
        )
    )
    return spec


def measure(runs: int) -> dict[str, Any]:
    from gapsolver.batch.plan import plan_tasks
    from gapsolver.batch.run import dask_executor, local_executor, run_batch
    from gapsolver.batch.worker import execute

    figures: dict[str, Any] = {"runs": runs}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        spec = _spec(folder, runs)
        plan = plan_tasks(spec)
        tasks, scenarios = plan.tasks, plan.scenarios
        began = time.perf_counter()
        for task in tasks:
            execute(task, scenarios)
        figures["execute_only_1_process"] = time.perf_counter() - began
        for label, executor in (
            ("batch_1_process", local_executor(1)),
            ("batch_2_workers", local_executor(2)),
        ):
            began = time.perf_counter()
            run_batch(spec, folder / f"{label}.db", executor)
            figures[label] = time.perf_counter() - began
        try:
            import distributed
        except ImportError:
            return figures
        with distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            began = time.perf_counter()
            run_batch(spec, folder / "dask.db", dask_executor(cluster.scheduler_address))
            figures["batch_dask_2_workers"] = time.perf_counter() - began
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=400)
    args = parser.parse_args()
    figures = measure(args.runs)
    base = figures["batch_1_process"]
    for name, seconds in figures.items():
        if name == "runs":
            continue
        print(
            f"{name:>24}: {seconds:6.2f} s  {figures['runs'] / seconds:6.1f} runs/s  "
            f"{base / seconds:4.2f}x the one-process batch"
        )


if __name__ == "__main__":
    main()
