"""Run independent solves in worker processes, yielding each result as it finishes."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

Job = TypeVar("Job")

Progress = Callable[[int, int], None]
"""Told (jobs done, jobs in all) as each finishes."""


def exit_with_parent(poll_seconds: float = 0.5, group: bool = False) -> None:
    """End this process when its parent is gone: a parent killed with SIGKILL cannot stop its
    children, and forked pool workers would otherwise wait for work forever. With ``group`` (for a
    child that leads its own process group) the whole group goes, solver processes included."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        if group:
            os.killpg(os.getpgrp(), signal.SIGKILL)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def run_parallel(
    function: Callable[[Job], Any],
    jobs: Sequence[Job],
    workers: int,
    progress: Progress | None = None,
) -> Iterator[tuple[int, Any]]:
    """``(index, function(jobs[index]))`` in order of completion; in this process when ``workers``
    is 1 or there is one job. ``function`` must be importable (a module-level function)."""
    if progress is not None:
        progress(0, len(jobs))
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(
            max_workers=min(workers, len(jobs)), initializer=exit_with_parent
        ) as pool:
            futures = {pool.submit(function, job): index for index, job in enumerate(jobs)}
            for done, future in enumerate(as_completed(futures), start=1):
                yield futures[future], future.result()
                if progress is not None:
                    progress(done, len(jobs))
        return
    for index, job in enumerate(jobs):
        yield index, function(job)
        if progress is not None:
            progress(index + 1, len(jobs))
