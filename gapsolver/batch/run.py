"""Run a batch: executors (local worker processes or a Dask cluster) and the loop that stores each run as it finishes, resumably."""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gapsolver.batch.plan import BatchPlan, Task, plan_tasks
from gapsolver.batch.store import (
    connect,
    store_batch,
    store_record,
)
from gapsolver.batch.worker import execute, execute_many, install_scenarios
from gapsolver.exceptions import InputError, Problem
from gapsolver.runtime.parallel import worker_pool
from gapsolver.schema import Scenario
from gapsolver.schema.manifest import Manifest, build_manifest

CHUNK = 16
"""Most runs per call to a worker: scheduling a call costs about as much as a small solve."""


def chunks(tasks: list[Task], workers: int) -> list[list[Task]]:
    size = max(1, min(CHUNK, len(tasks) // (4 * max(workers, 1))))
    return [tasks[i : i + size] for i in range(0, len(tasks), size)]


# ---------------------------------------------------------------------------------------------------
# Running


Executor = Callable[[list[Task], dict[str, Scenario]], Iterator[tuple[Task, dict[str, Any]]]]
"""Runs tasks (given the scenarios by hash), yielding each task with its record as it finishes."""


def lost_records(chunk: list[Task], why: str) -> list[dict[str, Any]]:
    return [{"key": task.key, "status": "failed", "error": why, "gaps": []} for task in chunk]


def local_executor(workers: int) -> Executor:
    """Worker processes on this machine (in this process when ``workers`` is 1)."""

    def run(
        tasks: list[Task], scenarios: dict[str, Scenario]
    ) -> Iterator[tuple[Task, dict[str, Any]]]:
        if workers <= 1 or len(tasks) <= 1:
            for task in tasks:
                yield task, execute(task, scenarios)
            return
        from concurrent.futures import as_completed
        from concurrent.futures.process import BrokenProcessPool

        with worker_pool(min(workers, len(tasks)), install_scenarios, (scenarios,)) as pool:
            futures = {pool.submit(execute_many, chunk): chunk for chunk in chunks(tasks, workers)}
            for future in as_completed(futures):
                chunk = futures[future]
                try:
                    records = future.result()
                except BrokenProcessPool:
                    records = lost_records(
                        chunk, "a worker process died (out of memory?); rerun with --retry-failed"
                    )
                yield from zip(chunk, records, strict=True)

    return run


def dask_executor(address: str, timeout: float = 10.0) -> Executor:
    """Runs on an existing Dask distributed cluster (needs the ``distributed`` extra here and
    gapsolver installed on the workers). Connects now, so that an unreachable scheduler is found
    before anything is planned or written; the scenarios are sent to every worker once."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError(
            [
                Problem(
                    "--dask-scheduler",
                    "needs the distributed extra: pip install 'gapsolver[distributed]'",
                )
            ]
        ) from None
    if not re.fullmatch(r"(tcp|tls|inproc|ucx|ws|wss)://[^\s/]+(:\d{1,5})?/?", address):
        raise InputError(
            [
                Problem(
                    "--dask-scheduler", f"{address!r} is not a scheduler address (tcp://HOST:PORT)"
                )
            ]
        )
    host, _, port = address.partition("://")[2].rstrip("/").rpartition(":")
    if address.startswith("tcp://") and host and port:
        try:  # a refused or unroutable address fails now rather than after the timeout
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
        except (OSError, ValueError) as error:
            raise InputError(
                [Problem("--dask-scheduler", f"cannot reach {address}: {error}")]
            ) from None
    try:
        client = Client(address, timeout=f"{timeout}s", set_as_default=False)
    except Exception as error:  # OSError, TimeoutError, or a refused handshake
        raise InputError(
            [Problem("--dask-scheduler", f"cannot reach {address}: {error}")]
        ) from None

    def run(
        tasks: list[Task], scenarios: dict[str, Scenario]
    ) -> Iterator[tuple[Task, dict[str, Any]]]:
        futures: dict[Any, list[Task]] = {}
        try:
            shared = client.scatter(scenarios, broadcast=True)
            threads = max(sum(client.nthreads().values()), 1)
            futures = {
                client.submit(
                    execute_many,
                    chunk,
                    shared,
                    key=f"gapsolver-runs-{chunk[0].key}-{len(chunk)}",
                    pure=False,
                ): chunk
                for chunk in chunks(tasks, threads)
            }
            for future in as_completed(futures, loop=client.loop):
                chunk = futures[future]
                try:
                    records = future.result()
                except Exception as error:  # the worker itself was lost
                    records = lost_records(chunk, f"dask: {error}")
                yield from zip(chunk, records, strict=True)
        finally:  # stopped early (Ctrl-C): take the remaining runs off the cluster
            with contextlib.suppress(Exception):
                client.cancel([future for future in futures if not future.done()])
            client.close()

    return run


def batch_manifest(plan: BatchPlan) -> Manifest:
    """The batch's manifest: every file the plan read (the spec, the scenarios, the variants file),
    the spec's options, the solver, the robustness seed. A run of the batch is replayed from it and
    its case key (the runs table has the scenario's hash, case, strategy, sample and seed)."""
    spec = plan.spec
    seeds = {} if spec.robustness is None else {"robustness": spec.robustness.seed}
    options = {"spec_file": plan.spec_path, **spec.model_dump(mode="json")}
    return build_manifest("batch", plan.files, options, spec.solver, seeds)


@dataclass
class BatchSummary:
    planned: int
    skipped: int
    ran: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    timed_out: int = 0
    seconds: float = 0.0


def run_batch(
    plan: BatchPlan | str | Path,
    database: str | Path,
    executor: Executor,
    retry_failed: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BatchSummary:
    """Plan the runs (unless given the plan), skip those the database already has, run the rest,
    storing each as it finishes."""
    began = time.perf_counter()
    if not isinstance(plan, BatchPlan):
        plan = plan_tasks(plan)
    spec, tasks, scenarios, spec_path = plan.spec, plan.tasks, plan.scenarios, plan.spec_path
    connection = connect(database)
    store_batch(connection, spec_path, spec, len(tasks), batch_manifest(plan))
    finished = {
        key
        for key, status in connection.execute("SELECT run_key, status FROM runs")
        if status != "failed" or not retry_failed
    }
    pending = [task for task in tasks if task.key not in finished]
    summary = BatchSummary(planned=len(tasks), skipped=len(tasks) - len(pending))
    if progress is not None:
        progress(0, len(pending))
    try:
        for task, record in executor(pending, scenarios):
            store_record(connection, spec, task, record)
            summary.ran += 1
            summary.timed_out += record["status"] == "time_limit"
            if record["status"] == "failed":
                sample = "" if task.sample is None else f"/sample {task.sample}"
                summary.failed.append(
                    {
                        "run": f"{task.scenario_name}/{task.case.name}/{task.strategy}{sample}",
                        "error": record["error"],
                    }
                )
            if progress is not None:
                progress(summary.ran, len(pending))
    finally:
        connection.close()
    summary.seconds = time.perf_counter() - began
    return summary
