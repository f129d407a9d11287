"""Run independent solves in worker processes, yielding each result as it finishes.

The caller owns the workers' lives: workers ignore Ctrl-C (the caller stops them), exit on their own
when the caller is killed, and are killed — not waited for — when the caller stops early.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, TypeVar

from gapsolver.runtime.scratch import scratch_root

Job = TypeVar("Job")
Item = TypeVar("Item")

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


def _worker_start(initializer: Callable[..., None] | None, arguments: tuple[Any, ...]) -> None:
    # Ctrl-C reaches the whole terminal process group; only the caller acts on it. (A worker that
    # took it would be interrupted inside a solver, which may then never return.) A SIGTERM sent to
    # a worker ends it (the caller's handler, inherited through fork, does not apply here).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    exit_with_parent()
    if initializer is not None:
        initializer(*arguments)


@contextmanager
def worker_pool(
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple[Any, ...] = (),
) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers are killed, not waited for, when the block ends early (Ctrl-C,
    an error, a consumer that stops)."""
    scratch_root()  # before the workers fork: their solver files go where this process cleans
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=_worker_start, initargs=(initializer, initargs)
    )
    finished = False
    try:
        yield pool
        finished = True
    finally:
        if not finished:
            processes = list(getattr(pool, "_processes", {}).values())
            for process in processes:
                process.kill()  # results in flight are dropped anyway
            for process in processes:
                process.join(timeout=5)
        # Wait for the pool's own threads even after an early end: with the workers dead this is
        # quick, and an executor left running races Python's exit (a traceback at shutdown).
        pool.shutdown(wait=True, cancel_futures=not finished)


CHUNKS_PER_WORKER = 4
"""Jobs dealt by :func:`chunks` per worker: enough to even out the workers' loads, few enough that
what each job builds once (a model, a solver) serves many items."""


def chunks(items: Sequence[Item], workers: int) -> list[tuple[Item, ...]]:
    """``items`` dealt round robin into jobs: one for this process when ``workers`` is 1, else
    :data:`CHUNKS_PER_WORKER` per worker (fewer when there are fewer items; none when none)."""
    count = min(len(items), 1 if workers <= 1 else workers * CHUNKS_PER_WORKER)
    return [tuple(items[start::count]) for start in range(count)]


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
        with worker_pool(min(workers, len(jobs))) as pool:
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
