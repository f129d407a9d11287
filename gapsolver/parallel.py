"""Run independent solves in worker processes, yielding each result as it finishes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

Job = TypeVar("Job")

Progress = Callable[[int, int], None]
"""Told (jobs done, jobs in all) as each finishes."""


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
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
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
