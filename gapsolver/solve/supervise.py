"""Solves in child processes: `--solver auto` races HiGHS and CBC, and any solve with a time limit
runs under supervision so that the limit holds even where a solver stops looking at the clock.

`--solver auto`: HiGHS and CBC race on the two cores; the first proven optimum wins.

Neither solver is fastest on every scenario (see docs/performance.md), so racing them bounds the
solve time by the faster of the two. Each runs the whole lexicographic solve in its own process group,
so that a loser is stopped together with any solver process it started.

Both are exact on the weighted gap and within ``suitability_gap`` on suitability, so the figures agree
whichever wins; where several plans tie, the assignments may differ with the winner. For bit-for-bit
reproducible plans, name the solver.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue as queue_module
import signal
import time
from dataclasses import replace
from typing import Any

import numpy as np

from gapsolver.backend import SOLVERS
from gapsolver.exceptions import GapsolverError, SolverError
from gapsolver.model.model import Model
from gapsolver.runtime.parallel import exit_with_parent
from gapsolver.runtime.scratch import scratch_root
from gapsolver.schema.result import StageReport, StageStatus
from gapsolver.solve.lexicographic import solve_model
from gapsolver.solve.options import SolveOptions

_GRACE_SECONDS = 10.0


def _context() -> Any:
    """Fork where the platform has it (the model is shared, not pickled); spawn elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _stop(process: Any) -> None:
    """Stop a solving child together with its process group (a CBC process it started, say)."""
    if process.is_alive() and process.pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.join(timeout=5)


def _own_group() -> None:
    """A process group of its own, so a child is stopped with any solver process it started; and
    it goes, group and all, if the parent dies without stopping it."""

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it stops this child
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    leader = False
    with contextlib.suppress(OSError):
        os.setpgrp()
        leader = True
    exit_with_parent(group=leader)


def _contender(channel: Any, model: Model, options: SolveOptions, start: np.ndarray) -> None:
    _own_group()

    try:
        values, stages, timings = solve_model(model, options, start=start)
        channel.put((options.solver, values, stages, timings, None))
    except GapsolverError as error:
        channel.put((options.solver, None, None, None, str(error)))
    except Exception as error:  # report, never leave the parent waiting
        channel.put((options.solver, None, None, None, f"{type(error).__name__}: {error}"))


def _supervised_child(channel: Any, model: Model, options: SolveOptions, start: np.ndarray) -> None:
    _own_group()

    def progress(values: np.ndarray, stages: list[StageReport]) -> None:
        channel.put(("progress", values, stages, None, None))

    try:
        values, stages, timings = solve_model(model, options, start=start, progress=progress)
        channel.put(("done", values, stages, timings, None))
    except GapsolverError as error:
        channel.put(("error", None, None, None, str(error)))
    except Exception as error:
        channel.put(("error", None, None, None, f"{type(error).__name__}: {error}"))


def supervised(
    model: Model, options: SolveOptions, start: np.ndarray
) -> tuple[np.ndarray, list[StageReport], dict[str, float]]:
    """Run the lexicographic solve in a child process and hold it to ``options.time_limit``: past the
    limit (and a grace period for the solver's own stop), the child is killed and the latest plan it
    reported is returned, with every unfinished stage marked as such."""
    context = _context()
    channel = context.Queue()
    began = time.perf_counter()
    scratch_root()  # before the fork: the child's solver files go where this process cleans
    child = context.Process(target=_supervised_child, args=(channel, model, options, start))
    child.start()
    latest: tuple[np.ndarray, list[StageReport]] = (start, [])
    assert options.time_limit is not None, "a supervised solve has a time limit"
    try:
        while True:
            left = options.time_limit + _GRACE_SECONDS - (time.perf_counter() - began)
            if left <= 0:
                break
            try:
                kind, values, stages, timings, error = channel.get(timeout=min(left, 1.0))
            except queue_module.Empty:
                if not child.is_alive() and channel.empty():
                    raise SolverError(
                        f"the solver process ended without an answer (exit code {child.exitcode})"
                    ) from None
                continue
            if kind == "done":
                return values, stages, timings | {"supervised_total": time.perf_counter() - began}
            if kind == "error":
                raise SolverError(error)
            latest = (values, stages)
    finally:
        _stop(child)
    values, stages = latest
    stopped = time.perf_counter() - began
    names = [stage.objective for stage in stages]
    if "weighted_gap" not in names:
        stages = [
            StageReport(
                objective="weighted_gap",
                status=StageStatus.feasible,
                value=None,
                bound=None,
                mip_gap=None,
                seconds=round(stopped, 6),
                method="stopped",
            )
        ]
    stages = [*stages, StageReport.not_run("suitability", "stopped")]
    return values, stages[:2], {"supervised_total": stopped}


def _proven(stages: list[StageReport]) -> bool:
    return all(stage.status is StageStatus.optimal for stage in stages)


def race(
    model: Model, options: SolveOptions, start: np.ndarray
) -> tuple[str, np.ndarray, list[StageReport], dict[str, float]]:
    """Run every solver on ``model``; return (winner, values, stages, timings)."""
    context = _context()
    channel = context.Queue()
    began = time.perf_counter()
    scratch_root()
    contenders = {
        solver: context.Process(
            target=_contender, args=(channel, model, replace(options, solver=solver), start)
        )
        for solver in SOLVERS
    }
    for process in contenders.values():
        process.start()
    finished: dict[str, tuple[Any, ...]] = {}
    errors: dict[str, str] = {}
    winner: str | None = None
    try:
        while len(finished) + len(errors) < len(contenders):
            wait = None
            if options.time_limit is not None:
                wait = max(options.time_limit + _GRACE_SECONDS - (time.perf_counter() - began), 0.1)
            try:
                solver, values, stages, timings, error = channel.get(timeout=wait)
            except queue_module.Empty:
                break
            if error is not None:
                errors[solver] = error
                continue
            finished[solver] = (values, stages, timings)
            if _proven(stages):
                winner = solver
                break
    finally:
        for process in contenders.values():
            _stop(process)
    if winner is None:
        if not finished:
            detail = (
                "; ".join(f"{name}: {text}" for name, text in errors.items()) or "no answer in time"
            )
            raise SolverError(f"auto: neither solver produced a plan ({detail})")

        def rank(name: str) -> tuple[float, float, int]:
            values = finished[name][0]
            return (
                float(model.primary @ values),
                float(model.secondary @ values),
                SOLVERS.index(name),
            )

        winner = min(finished, key=rank)
    values, stages, timings = finished[winner]
    return winner, values, stages, timings | {"race_total": time.perf_counter() - began}
