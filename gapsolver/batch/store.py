"""The batch database: its tables, read-only opening, and storing one run's record in one transaction."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from gapsolver.batch.plan import Task
from gapsolver.batch.spec import BatchSpec
from gapsolver.exceptions import InputError, OutputError, Problem
from gapsolver.schema.manifest import Manifest

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
CREATE TABLE IF NOT EXISTS batches (started_at TEXT, spec_file TEXT, spec TEXT, runs_planned INTEGER, manifest TEXT);
"""
BATCH_COLUMNS = ("started_at", "spec_file", "spec", "runs_planned", "manifest")
"""One row per start of a batch (a resumed batch adds one). ``manifest``: the run's manifest as JSON
(gapsolver's version, the SHA-256 of the spec, scenario and variants files, the spec's options, the
solver's version, the seeds, the platform); a database written before manifests gains the column,
empty in its older rows."""


def _add_missing_columns(connection: sqlite3.Connection) -> None:
    """Bring the ``batches`` table of an older database up to :data:`BATCH_COLUMNS` (columns are
    only ever added, at the end, as text: the older rows keep their values, NULL in the new ones)."""
    found = {row[1] for row in connection.execute("PRAGMA table_info(batches)")}
    for column in BATCH_COLUMNS:
        if column not in found:
            connection.execute(f"ALTER TABLE batches ADD COLUMN {column} TEXT")


def has_batch_tables(connection: sqlite3.Connection) -> bool:
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
        if not has_batch_tables(connection):
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
        _add_missing_columns(connection)
    except sqlite3.OperationalError as error:  # the file itself cannot be opened or written
        raise OutputError(f"{target}: cannot open ({error})") from None
    except sqlite3.DatabaseError as error:
        raise InputError(
            [Problem("", f"not a gapsolver results database ({error})")], str(path)
        ) from None
    return connection


def store_batch(
    connection: sqlite3.Connection,
    spec_file: Path,
    spec: BatchSpec,
    runs_planned: int,
    manifest: Manifest,
) -> None:
    """Record a start of the batch: when, the spec (file and contents), the runs planned and the
    manifest."""
    row = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "spec_file": str(spec_file),
        "spec": spec.model_dump_json(),
        "runs_planned": runs_planned,
        "manifest": manifest.model_dump_json(),
    }
    with connection:
        connection.execute(
            f"INSERT INTO batches ({', '.join(BATCH_COLUMNS)}) VALUES ({', '.join('?' * len(BATCH_COLUMNS))})",
            [row[column] for column in BATCH_COLUMNS],
        )


def store_record(
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
