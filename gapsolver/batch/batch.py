"""Batch runs: many solves from one spec file, stored in SQLite as each finishes, resumable.

A spec lists scenarios (files or globs), variants, sweeps (one parameter over values), robustness
samples and strategies; the batch is every scenario × case (base, each variant, each sweep value) ×
strategy × sample (the nominal scenario, plus each robustness sample). Each run has a key: the SHA-256
of its inputs' description (the scenario file's content hash, the case's changes, the strategy, the
sample and seed, the solver options, and the case's name: two cases with the same changes are
two runs, with the same ``inputs_sha256``). A run's row and its per-requirement gaps are written in one
transaction when it finishes, so an interruption at any moment (Ctrl-C, kill -9, power loss) loses at
most the runs in flight; running the same command again skips every run already stored and does the
rest. A run that fails (a variant that does not apply, a solver error) is stored with its error and the
batch goes on; ``--retry-failed`` runs the failed ones again.

Runs execute in local worker processes or on a Dask distributed cluster; either way only this process
writes the database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import re
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from pydantic import Field, StrictInt, model_validator

from gapsolver.exceptions import GapsolverError, InputError, OutputError, Problem
from gapsolver.limits import (
    MAX_RUNS,
    MAX_SAMPLES,
    MAX_SCENARIO_FILES,
    MAX_SEED,
    MAX_SWEEP_POINTS,
    MAX_SWEEP_VALUE,
    MAX_TIME_LIMIT,
)
from gapsolver.preprocess.document import Document, validate_document
from gapsolver.preprocess.load import expand_patterns, load_scenario, read_document
from gapsolver.preprocess.variants import Target
from gapsolver.schema import Scenario
from gapsolver.schema.scenario import Identifier, StrictModel
from gapsolver.solve.options import STRATEGIES, SolveOptions
from gapsolver.solve.pipeline import solve_scenario

# ---------------------------------------------------------------------------------------------------
# The spec


class VariantsRef(StrictModel):
    """Variants to run, from a variants file."""

    file: str
    """Variants file, relative to the spec file."""
    names: list[Identifier] | None = None
    """Variants to run (default: every variant in the file)."""


SweepNumber = Annotated[float, Field(ge=-MAX_SWEEP_VALUE, le=MAX_SWEEP_VALUE)]


class SweepRange(StrictModel):
    """Values start, start + step, … up to and including stop (at most 10,000 of them)."""

    start: SweepNumber
    stop: SweepNumber
    step: Annotated[float, Field(gt=0, le=MAX_SWEEP_VALUE)] = 1.0

    @property
    def count(self) -> int:
        return int((self.stop - self.start) / self.step + 1e-9) + 1

    @model_validator(mode="after")
    def _bounded(self) -> SweepRange:
        if self.stop < self.start:
            raise ValueError(f"stop {self.stop:g} is below start {self.start:g}: no values")
        if self.count > MAX_SWEEP_POINTS:
            raise ValueError(
                f"{self.count:,} values; a sweep takes at most {MAX_SWEEP_POINTS:,} (raise the step)"
            )
        return self


class Sweep(StrictModel):
    """One parameter over a list or a range of values, each value one case."""

    name: Identifier
    """Name of the sweep, used in case names (``name=value``)."""
    parameter: Target
    """A TARGET as in variants (``donations[KOR-UH-2021].quantity``)."""
    values: (
        Annotated[list[StrictInt | SweepNumber], Field(min_length=1, max_length=MAX_SWEEP_POINTS)]
        | None
    ) = None
    """The values (at most 10,000)."""
    range: SweepRange | None = None
    """Or a range of values."""

    @model_validator(mode="after")
    def _values_or_range(self) -> Sweep:
        if (self.values is None) == (self.range is None):
            raise ValueError("give exactly one of values and range")
        return self

    def points(self) -> list[float | int]:
        if self.values is not None:
            return list(self.values)
        assert self.range is not None
        points = [self.range.start + index * self.range.step for index in range(self.range.count)]
        return [int(p) if float(p).is_integer() else round(p, 12) for p in points]


class Robustness(StrictModel):
    """Seeded reliability samples per case and strategy (see `gapsolver robust`)."""

    samples: Annotated[int, Field(ge=1, le=MAX_SAMPLES)]
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0


class BatchSpec(StrictModel):
    """A batch of runs."""

    name: str = "batch"
    """Name, stored with the runs."""
    scenarios: Annotated[list[str], Field(min_length=1)]
    """Scenario files or globs, relative to the spec file."""
    include_base: bool = True
    """Also run each scenario unchanged (case ``base``)."""
    variants: VariantsRef | None = None
    """Variants to run on every scenario."""
    sweeps: list[Sweep] = Field(default_factory=list)
    """Parameters to sweep on every scenario."""
    robustness: Robustness | None = None
    """Reliability samples, in addition to the nominal run."""
    strategies: Annotated[list[str], Field(min_length=1)] = Field(
        default_factory=lambda: ["optimal"]
    )
    """Strategies: optimal, greedy, sequential."""
    solver: str = "highs"
    """highs or cbc."""
    time_limit: Annotated[float, Field(gt=0, le=MAX_TIME_LIMIT)] | None = None
    """Seconds per run (status time_limit when the optimum is not proven in time)."""

    @model_validator(mode="after")
    def _known(self) -> BatchSpec:
        unknown = [s for s in self.strategies if s not in STRATEGIES]
        if unknown:
            raise ValueError(
                f"unknown strategies {', '.join(unknown)} (choose from {', '.join(STRATEGIES)})"
            )
        if self.solver not in ("highs", "cbc"):
            raise ValueError(f"unknown solver {self.solver!r} (highs or cbc)")
        return self


@dataclass(frozen=True)
class Case:
    kind: str  # base | variant | sweep
    name: str
    changes: list[dict[str, Any]]
    sweep_parameter: str | None = None
    sweep_value: float | None = None


@dataclass(frozen=True)
class Task:
    """One run and its key. Workers get the scenarios once (by content hash), not with every task,
    and never read files."""

    key: str
    scenario_file: str
    scenario_sha256: str
    scenario_name: str
    case: Case
    strategy: str
    sample: int | None
    seed: int | None
    solver: str
    time_limit: float | None


def _sha256(data: Any) -> str:
    text = data if isinstance(data, str | bytes) else json.dumps(data, sort_keys=True)
    raw = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(raw).hexdigest()


def read_spec(path: str | Path) -> tuple[BatchSpec, Document]:
    """The spec, validated, and its document (to locate later problems at its lines)."""

    doc = read_document(path)
    return validate_document(BatchSpec, doc, []), doc


@dataclass
class BatchPlan:
    """Every run of a spec, checked before any runs: the spec, its runs in a stable order, the
    scenarios by content hash, and every file the plan read (the output guard keeps the results
    database off them)."""

    spec_path: Path
    spec: BatchSpec
    tasks: list[Task]
    scenarios: dict[str, Scenario]
    files: list[Path]


def _sweep_cases(spec: BatchSpec) -> list[Case]:
    return [
        Case(
            "sweep",
            f"{sweep.name}={value}",
            [{"set": {sweep.parameter: value}}],
            sweep.parameter,
            float(value),
        )
        for sweep in spec.sweeps
        for value in sweep.points()
    ]


def _probe_points(points: list[float | int]) -> list[float | int]:
    """The values of a sweep worth trying up front: the extremes and the first non-integer one
    (a value's validity is a matter of its range and its type)."""
    probes = [min(points), max(points), *[p for p in points if isinstance(p, float)][:1]]
    return list(dict.fromkeys(probes))


def _check_cases(
    spec: BatchSpec,
    doc: Document,
    scenarios: list[tuple[Path, str, Scenario]],
    variant_changes: dict[str, list[Any]],
) -> list[Problem]:
    """Apply every variant and each sweep's extreme values to every scenario before anything runs:
    a target that names nothing or a value the schema refuses is found now, located at the change
    (in the variants file or the spec) that makes it."""
    from gapsolver.preprocess.variants import Change, Located, apply_changes

    problems: list[Problem] = []
    checks: list[tuple[str, list[Located]]] = [
        (f"variant {name!r}", changes) for name, changes in variant_changes.items()
    ]
    for index, sweep in enumerate(spec.sweeps):
        path = ("sweeps", index, "parameter")
        for value in _probe_points(sweep.points()):
            change = Change(set={sweep.parameter: value})
            checks.append(
                (
                    f"sweep {sweep.name!r} at {value}",
                    [Located(change, ("sweeps", index), doc.line_of(path), doc.source)],
                )
            )
    for file, _, scenario in scenarios:
        for label, changes in checks:
            try:
                apply_changes(scenario, changes, doc.source)
            except InputError as error:
                for problem in error.problems:
                    text = f"{problem.message} ({label}, on {file.name})"
                    problems.append(
                        Problem(problem.path, text, problem.line, problem.source or error.source)
                    )
    return list(dict.fromkeys(problems))


def plan_tasks(spec_path: str | Path) -> BatchPlan:
    """Plan every run of a spec. Everything that can be checked before running is checked here, all
    problems at once, each in the file that holds it: the spec, every scenario file, the variants
    file, every variant and sweep applied to every scenario, and the number of runs."""
    from gapsolver.preprocess.variants import read_variants

    spec, doc = read_spec(spec_path)
    folder = Path(spec_path).parent
    files, unmatched = expand_patterns(spec.scenarios, folder)
    read: list[Path] = [Path(spec_path)]
    problems = [
        doc.problem(("scenarios", index), f"no file matches {spec.scenarios[index]!r}")
        for index in unmatched
    ]
    if len(files) > MAX_SCENARIO_FILES:
        problems.append(
            doc.problem(
                ("scenarios",),
                f"{len(files):,} scenario files; a batch reads at most {MAX_SCENARIO_FILES:,}",
            )
        )
        files = []
    scenarios: list[tuple[Path, str, Scenario]] = []
    for file in files:
        read.append(file)
        try:
            scenario, _ = load_scenario(file)
            try:
                digest = _sha256(file.read_bytes())
            except OSError as error:  # gone or unreadable since it was read
                raise InputError(
                    [Problem("", f"cannot read: {error.strerror}")], str(file)
                ) from None
            scenarios.append((file, digest, scenario))
        except InputError as error:
            problems += [
                Problem(p.path, p.message, p.line, p.source or error.source or str(file))
                for p in error.problems
            ]
    cases: list[Case] = [Case("base", "base", [])] if spec.include_base else []
    variant_changes: dict[str, list[Any]] = {}
    if spec.variants is not None:
        variants_path = folder / spec.variants.file
        read.append(variants_path)
        try:
            variants = read_variants(variants_path)
            names = spec.variants.names or list(variants.variants)
            for name in names:
                variant_changes[name] = variants.changes([name], label="variants.names")
                changes = [
                    entry.change.model_dump(exclude_none=True) for entry in variant_changes[name]
                ]
                cases.append(Case("variant", name, changes))
        except InputError as error:
            for p in error.problems:
                if (
                    p.source is None
                    and error.source == str(variants_path)
                    and p.path == ""
                    and p.line is None
                ):
                    # the variants file itself cannot be read: say so at the spec's line
                    problems.append(
                        doc.problem(("variants", "file"), f"{spec.variants.file}: {p.message}")
                    )
                elif p.path.startswith("variants.names"):
                    problems.append(doc.problem(("variants", "names"), p.message))
                else:
                    problems.append(Problem(p.path, p.message, p.line, p.source or error.source))
    cases += _sweep_cases(spec)
    if not cases:
        problems.append(
            doc.problem((), "nothing to run: include_base is false and no variants or sweeps")
        )
    samples: list[int | None] = [None]
    seed = None
    if spec.robustness is not None:
        samples += list(range(spec.robustness.samples))
        seed = spec.robustness.seed
    runs = len(files) * len(cases) * len(spec.strategies) * len(samples)
    if runs > MAX_RUNS:
        problems.append(
            doc.problem(
                (),
                f"{runs:,} runs planned ({len(files)} scenarios × {len(cases)} cases × "
                f"{len(spec.strategies)} strategies × {len(samples)} samples); a batch runs at "
                f"most {MAX_RUNS:,}",
            )
        )
    if not problems:
        problems += _check_cases(spec, doc, scenarios, variant_changes)
    if problems:
        raise InputError(problems, str(spec_path))
    tasks = []
    for file, digest, scenario in scenarios:
        for case in cases:
            for strategy in spec.strategies:
                for sample in samples:
                    identity = {
                        "scenario_sha256": digest,
                        "case": [case.kind, case.name],
                        "changes": case.changes,
                        "strategy": strategy,
                        "sample": sample,
                        "seed": seed if sample is not None else None,
                        "solver": spec.solver,
                        "time_limit": spec.time_limit,
                    }
                    tasks.append(
                        Task(
                            key=_sha256(identity),
                            scenario_file=str(file),
                            scenario_sha256=digest,
                            scenario_name=scenario.name,
                            case=case,
                            strategy=strategy,
                            sample=sample,
                            seed=seed if sample is not None else None,
                            solver=spec.solver,
                            time_limit=spec.time_limit,
                        )
                    )
    return BatchPlan(
        Path(spec_path),
        spec,
        tasks,
        {digest: scenario for _, digest, scenario in scenarios},
        list(dict.fromkeys(read)),
    )


# ---------------------------------------------------------------------------------------------------
# One run (in a worker)


_SCENARIOS: dict[str, Scenario] = {}
"""The scenarios of a batch in a worker process, by content hash (set once per worker)."""


def _install(scenarios: dict[str, Scenario]) -> None:
    """Local worker initializer: the batch's scenarios."""
    _SCENARIOS.update(scenarios)


_CASES: dict[tuple[str, str], Scenario] = {}
"""The changed scenarios a worker has built, by (scenario hash, case): every strategy and sample of
a case starts from the same one."""


def _case_scenario(task: Task, scenarios: dict[str, Scenario]) -> Scenario:
    from gapsolver.preprocess.variants import apply_changes, changes_from_data

    base = scenarios[task.scenario_sha256]
    if not task.case.changes:
        return base
    key = (task.scenario_sha256, _sha256([task.case.name, task.case.changes]))
    if key not in _CASES:
        if len(_CASES) >= 64:
            _CASES.clear()
        _CASES[key] = apply_changes(
            base, changes_from_data(task.case.changes, task.case.name), task.case.name
        )
    return _CASES[key]


def execute(task: Task, scenarios: dict[str, Scenario] | None = None) -> dict[str, Any]:
    """Run one task; never raises: a failure is a record with its error."""
    from gapsolver.analysis.compare import kpis
    from gapsolver.analysis.robust import sample_scenario

    began = time.perf_counter()
    record: dict[str, Any] = {"key": task.key, "worker": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        scenario = _case_scenario(task, scenarios or _SCENARIOS)
        if task.sample is not None:
            assert task.seed is not None
            scenario, _ = sample_scenario(scenario, task.seed, task.sample)
        record["inputs_sha256"] = _sha256(scenario.model_dump(mode="json"))
        options = SolveOptions(
            strategy=task.strategy, solver=task.solver, time_limit=task.time_limit
        )
        result = solve_scenario(scenario, options)
        figures = kpis(result)
        plan_status = figures.pop("status")
        timed_out = (
            task.strategy == "optimal" and task.time_limit is not None and plan_status != "optimal"
        )
        record |= figures | {
            "status": "time_limit" if timed_out else "ok",
            "plan_status": plan_status,
            "error": "time limit reached before the optimum was proven" if timed_out else None,
            "gaps": [
                {
                    "requirement": r.id,
                    "mission": r.mission,
                    "capability": r.capability,
                    "priority": r.priority,
                    "quantity": r.quantity,
                    "allocated": r.allocated,
                    "gap": r.gap,
                }
                for r in result.requirements
            ],
        }
    except GapsolverError as error:
        record |= {"status": "failed", "error": str(error), "gaps": []}
    except Exception as error:  # a bug or a crash in a library: recorded, the batch goes on
        record |= {"status": "failed", "error": f"{type(error).__name__}: {error}", "gaps": []}
    record["wall_time"] = round(time.perf_counter() - began, 6)
    return record


def execute_many(
    tasks: list[Task], scenarios: dict[str, Scenario] | None = None
) -> list[dict[str, Any]]:
    """Several runs in one worker call (each still isolated by :func:`execute`)."""
    return [execute(task, scenarios) for task in tasks]


CHUNK = 16
"""Most runs per call to a worker: scheduling a call costs about as much as a small solve."""


def _chunks(tasks: list[Task], workers: int) -> list[list[Task]]:
    size = max(1, min(CHUNK, len(tasks) // (4 * max(workers, 1))))
    return [tasks[i : i + size] for i in range(0, len(tasks), size)]


# ---------------------------------------------------------------------------------------------------
# The database

RUN_COLUMNS = (
    "run_key",
    "batch",
    "scenario",
    "scenario_file",
    "scenario_sha256",
    "case_kind",
    "case_name",
    "sweep_parameter",
    "sweep_value",
    "strategy",
    "sample",
    "seed",
    "solver",
    "time_limit",
    "inputs_sha256",
    "status",
    "plan_status",
    "error",
    "weighted_gap",
    "gap_units",
    "gap_critical",
    "gap_high",
    "gap_normal",
    "allocated_units",
    "cost",
    "women_share",
    "suitability",
    "solve_time",
    "wall_time",
    "worker",
    "finished_at",
)
GAP_COLUMNS = (
    "run_key",
    "requirement",
    "mission",
    "capability",
    "priority",
    "quantity",
    "allocated",
    "gap",
)
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs ({", ".join(c + (" TEXT PRIMARY KEY" if c == "run_key" else "") for c in RUN_COLUMNS)});
CREATE TABLE IF NOT EXISTS requirement_gaps (
    {", ".join(GAP_COLUMNS)},
    PRIMARY KEY (run_key, requirement),
    FOREIGN KEY (run_key) REFERENCES runs (run_key)
);
CREATE TABLE IF NOT EXISTS batches (started_at TEXT, spec_file TEXT, spec TEXT, runs_planned INTEGER);
"""


def _has_our_tables(connection: sqlite3.Connection) -> bool:
    for table, columns in (("runs", RUN_COLUMNS), ("requirement_gaps", GAP_COLUMNS)):
        found = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if not set(columns) <= found:
            return False
    return True


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """A results database opened for reading only: nothing about the file changes, whatever it
    holds. Raises InputError when it is not a gapsolver results database."""
    target = Path(path)
    source = str(path)
    if not target.is_file():
        raise InputError([Problem("", "no such results database")], source)
    if target.stat().st_size == 0:
        raise InputError([Problem("", "empty file: not a gapsolver results database")], source)
    # While a batch writes, its write-ahead log sits beside the database and readers must see
    # it; otherwise the file is read as immutable (no lock, no journal, no file created).
    live = Path(f"{target}-wal").exists()
    mode = "mode=ro" if live else "immutable=1"
    try:
        connection = sqlite3.connect(f"file:{quote(str(target.resolve()))}?{mode}", uri=True)
        if not _has_our_tables(connection):
            connection.close()
            raise InputError(
                [Problem("", "not a gapsolver results database (no runs table of ours)")], source
            )
    except sqlite3.DatabaseError as error:
        raise InputError(
            [Problem("", f"not a gapsolver results database ({error})")], source
        ) from None
    return connection


def connect(path: str | Path, create: bool = True) -> sqlite3.Connection:
    """The results database to write runs into, with write-ahead logging and full syncs (a
    committed run survives a power loss). An existing file must be empty or a gapsolver results
    database: anything else is refused before it is touched. ``create=False`` opens read-only."""
    if not create:
        return open_readonly(path)
    target = Path(path)
    if not target.parent.is_dir():
        raise OutputError(f"{target}: the folder {target.parent} does not exist")
    if target.is_file() and target.stat().st_size > 0:
        open_readonly(target).close()  # refuses anything that is not ours, without writing
    try:
        connection = sqlite3.connect(target, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.executescript(SCHEMA)
    except sqlite3.OperationalError as error:  # the file itself cannot be opened or written
        raise OutputError(f"{target}: cannot open ({error})") from None
    except sqlite3.DatabaseError as error:
        raise InputError(
            [Problem("", f"not a gapsolver results database ({error})")], str(path)
        ) from None
    return connection


def _store(
    connection: sqlite3.Connection, spec: BatchSpec, task: Task, record: dict[str, Any]
) -> None:
    row = {
        "run_key": task.key,
        "batch": spec.name,
        "scenario": task.scenario_name,
        "scenario_file": task.scenario_file,
        "scenario_sha256": task.scenario_sha256,
        "case_kind": task.case.kind,
        "case_name": task.case.name,
        "sweep_parameter": task.case.sweep_parameter,
        "sweep_value": task.case.sweep_value,
        "strategy": task.strategy,
        "sample": task.sample,
        "seed": task.seed,
        "solver": task.solver,
        "time_limit": task.time_limit,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    } | {key: record.get(key) for key in RUN_COLUMNS if key in record}
    with connection:  # one transaction: the run and its gaps, or nothing
        connection.execute("DELETE FROM requirement_gaps WHERE run_key = ?", (task.key,))
        connection.execute(
            f"INSERT OR REPLACE INTO runs ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join('?' * len(RUN_COLUMNS))})",
            [row.get(column) for column in RUN_COLUMNS],
        )
        connection.executemany(
            f"INSERT INTO requirement_gaps ({', '.join(GAP_COLUMNS)}) VALUES ({', '.join('?' * len(GAP_COLUMNS))})",
            [[task.key, *(gap[c] for c in GAP_COLUMNS[1:])] for gap in record["gaps"]],
        )


# ---------------------------------------------------------------------------------------------------
# Running


Executor = Callable[[list[Task], dict[str, Scenario]], Iterator[tuple[Task, dict[str, Any]]]]
"""Runs tasks (given the scenarios by hash), yielding each task with its record as it finishes."""


def _lost(chunk: list[Task], why: str) -> list[dict[str, Any]]:
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

        from gapsolver.runtime.parallel import worker_pool

        with worker_pool(min(workers, len(tasks)), _install, (scenarios,)) as pool:
            futures = {pool.submit(execute_many, chunk): chunk for chunk in _chunks(tasks, workers)}
            for future in as_completed(futures):
                chunk = futures[future]
                try:
                    records = future.result()
                except BrokenProcessPool:
                    records = _lost(
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
                for chunk in _chunks(tasks, threads)
            }
            for future in as_completed(futures, loop=client.loop):
                chunk = futures[future]
                try:
                    records = future.result()
                except Exception as error:  # the worker itself was lost
                    records = _lost(chunk, f"dask: {error}")
                yield from zip(chunk, records, strict=True)
        finally:  # stopped early (Ctrl-C): take the remaining runs off the cluster
            with contextlib.suppress(Exception):
                client.cancel([future for future in futures if not future.done()])
            client.close()

    return run


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
    with connection:
        connection.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?)",
            (
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                str(spec_path),
                spec.model_dump_json(),
                len(tasks),
            ),
        )
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
            _store(connection, spec, task, record)
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


# ---------------------------------------------------------------------------------------------------
# Reading results back


def read_table(database: str | Path, table: str = "runs") -> list[dict[str, Any]]:
    """Every row of ``runs`` or ``requirement_gaps``, ordered by key."""
    connection = connect(database, create=False)
    try:
        connection.row_factory = sqlite3.Row
        order = "run_key" if table == "runs" else "run_key, requirement"
        return [dict(row) for row in connection.execute(f"SELECT * FROM {table} ORDER BY {order}")]
    finally:
        connection.close()


def export(database: str | Path, path: str | Path, fmt: str, table: str = "runs") -> int:
    """Write a table as CSV or Parquet (atomically); the number of rows."""
    from gapsolver.postprocess.write import atomic_path, write_csv_atomic

    rows = read_table(database, table)
    if fmt == "csv":
        write_csv_atomic(path, rows)
        return len(rows)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            [Problem("--parquet", "needs pyarrow: pip install 'gapsolver[parquet]'")]
        ) from None
    columns = RUN_COLUMNS if table == "runs" else GAP_COLUMNS
    try:
        data = pa.table({column: [row[column] for row in rows] for column in columns})
    except (pa.ArrowException, OverflowError) as error:
        raise InputError(
            [Problem("", f"a column holds values Parquet cannot store together ({error})")],
            str(database),
        ) from None
    with atomic_path(path) as temporary:
        pq.write_table(data, temporary)
    return len(rows)


def plot(database: str | Path, path: str | Path) -> None:
    """Box plots of the weighted gap per strategy and per case (variant, sweep value)."""
    from gapsolver.report.plots import gap_distributions

    def plottable(row: dict[str, Any]) -> bool:
        gap = row["weighted_gap"]
        return (
            row["status"] != "failed"
            and row["strategy"] in STRATEGIES
            and isinstance(gap, int | float)
            and math.isfinite(gap)
            and isinstance(row["case_name"], str)
            and isinstance(row["sweep_value"], int | float | None)
        )

    rows = [row for row in read_table(database) if plottable(row)]
    if not rows:
        raise InputError([Problem("", "no finished runs to plot")], str(database))
    by_strategy: dict[str, list[float]] = {
        name: [row["weighted_gap"] for row in rows if row["strategy"] == name]
        for name in STRATEGIES
        if any(row["strategy"] == name for row in rows)
    }
    strategy = "optimal" if "optimal" in by_strategy else next(iter(by_strategy))
    by_case: dict[str, list[float]] = {}
    kinds = {"base": 0, "variant": 1, "sweep": 2}
    rows.sort(
        key=lambda r: (
            kinds.get(r["case_kind"], 3),
            str(r["sweep_parameter"] or ""),
            r["sweep_value"] or 0,
            r["case_name"],
        )
    )
    for row in rows:
        if row["strategy"] == strategy:
            by_case.setdefault(row["case_name"], []).append(row["weighted_gap"])
    scenarios = sorted({str(row["scenario"]) for row in rows})
    gap_distributions(
        {"per strategy (all cases)": by_strategy, f"per case ({strategy})": by_case},
        f"Weighted gap: {', '.join(scenarios)} — {len(rows)} runs",
        path,
    )
