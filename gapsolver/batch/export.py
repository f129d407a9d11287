"""Read a batch's results back (rows, or a pandas DataFrame) and export them as CSV or Parquet."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gapsolver.batch.store import (
    GAP_COLUMNS,
    RUN_COLUMNS,
    connect,
)
from gapsolver.exceptions import InputError, Problem, import_extra
from gapsolver.postprocess.write import atomic_path, write_csv_atomic

if TYPE_CHECKING:
    from pandas import DataFrame

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


def read_batch(database: str | Path, gaps: bool = False) -> DataFrame:
    """A batch's results as a pandas DataFrame (the ``frames`` extra), the database opened
    read-only: one row per run, the columns of ``gapsolver batch export --csv`` (the case, strategy,
    sample, status, weighted gap, units short by priority, cost…); with ``gaps``, one row per run
    and requirement (``--gaps``: quantity, allocated, gap), to join on ``run_key``. Rows ordered by
    key, as the export writes them."""
    pandas = import_extra("pandas", "read_batch()", "pandas", "frames")
    table, columns = ("requirement_gaps", GAP_COLUMNS) if gaps else ("runs", RUN_COLUMNS)
    return pandas.DataFrame(read_table(database, table), columns=list(columns))


def export(database: str | Path, path: str | Path, fmt: str, table: str = "runs") -> int:
    """Write a table as CSV or Parquet (atomically); the number of rows."""

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
