"""Scenarios as tables: an ``.xlsx`` workbook (one sheet per table) or a folder of CSV files (one file
per table), read into the same data a YAML file gives and written from a scenario.

The tables and their columns come from the schema (:mod:`gapsolver.schema.scenario`), never from a
second list: a collection (``pledges``, ``requirements``…) is a table with one row per object and one
column per field, a nested object's fields as dotted columns (``needs_equipment.item``,
``caveats.only_missions``); the scenario's own fields (``name``, ``description``, ``start``) and the
settings are two-column tables of ``field`` and ``value`` (``scenario``, ``settings``; nested settings
dotted: ``priority_weights.critical``).

Cell forms: a list (languages, recipients, trainees, caveats' missions, a location) is its items
separated by commas (``en, fr``); a date is a date cell or ``YYYY-MM-DD``; a yes/no field is
TRUE/FALSE (also true/false, yes/no, 1/0); an empty cell is a field not given (its default). Each cell
is converted to the field's type where it reads as one and otherwise handed on as it is, so that the
schema reports it — at its cell: ``plan.xlsx: pledges!D14 (readiness): input should be …`` for a
workbook, ``pledges.csv:14: readiness: …`` for a CSV file (the line of the row).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import enum
import io
import os
import re
import stat
import types
import typing
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from gapsolver.exceptions import InputError, Problem
from gapsolver.limits import (
    MAX_FILE_BYTES,
    MAX_NODES,
    MAX_TABLE_COLUMNS,
    MAX_TABLE_ROWS,
    MAX_UNPACKED_BYTES,
)
from gapsolver.preprocess.document import Document, PathKey, format_path
from gapsolver.schema import Scenario

SCENARIO_TABLE = "scenario"
SETTINGS_TABLE = "settings"
NOTES_SHEET = "notes"
KEY_COLUMNS = ("field", "value")
"""The header of the two-column tables (``scenario``, ``settings``)."""
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}
_INTEGER = re.compile(r"[-+]?\d+")
_EXTRA_COLUMNS = 20
"""Columns right of a header read for values under no column (reported)."""


# ---------------------------------------------------------------------------------------------------
# The tables, read off the schema


@dataclass(frozen=True)
class Column:
    """One column of a table: its dotted name, the field path inside an object, and the kind of
    value it holds."""

    name: str
    path: tuple[str, ...]
    kind: str
    """'str', 'int', 'float', 'bool', 'date' or 'list:<kind of an item>'."""
    model: type[BaseModel]
    """The model the last field belongs to (for its description)."""
    choices: tuple[str, ...] = ()
    """The allowed values, for an enumeration."""


def _unwrap(annotation: Any) -> Any:
    """The annotation without ``None`` and ``Annotated``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(options) == 1:
            return _unwrap(options[0])
    return annotation


def _kind(annotation: Any) -> tuple[str, tuple[str, ...]]:
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin in (list, tuple):
        item, _ = _kind(typing.get_args(annotation)[0])
        return f"list:{item}", ()
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return "str", tuple(str(member.value) for member in annotation)
        if issubclass(annotation, bool):
            return "bool", ()
        if issubclass(annotation, int):
            return "int", ()
        if issubclass(annotation, float):
            return "float", ()
        if issubclass(annotation, dt.date):
            return "date", ()
    return "str", ()


def columns_of(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[Column]:
    """The columns of ``model``'s table, nested models' fields dotted, in the schema's order."""
    found = []
    for name, info in model.model_fields.items():
        annotation = _unwrap(info.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found += columns_of(annotation, (*prefix, name))
            continue
        kind, choices = _kind(info.annotation)
        path = (*prefix, name)
        found.append(Column(".".join(path), path, kind, model, choices))
    return found


def collections() -> dict[str, type[BaseModel]]:
    """Each collection of a scenario and the model of its objects, in the schema's order."""
    found = {}
    for name, info in Scenario.model_fields.items():
        annotation = _unwrap(info.annotation)
        if typing.get_origin(annotation) is list:
            found[name] = typing.get_args(annotation)[0]
    return found


def key_value_columns(table: str) -> list[Column]:
    """The rows of a two-column table: the scenario's own fields, or the settings (dotted)."""
    if table == SETTINGS_TABLE:
        settings = _unwrap(Scenario.model_fields["settings"].annotation)
        return columns_of(settings)
    own = [
        name
        for name, info in Scenario.model_fields.items()
        if name not in collections() and name != SETTINGS_TABLE
    ]
    return [column for column in columns_of(Scenario) if column.path[0] in own]


def table_names() -> list[str]:
    """Every table, in the order a workbook has its sheets."""
    return [SCENARIO_TABLE, *collections(), SETTINGS_TABLE]


TABLES = table_names()
"""Every table, in the order a workbook has its sheets."""


def description(column: Column) -> str:
    """What a column holds: the field's docstring in the schema."""
    info = column.model.model_fields[column.path[-1]]
    return " ".join((info.description or "").split())


# ---------------------------------------------------------------------------------------------------
# Cells to values


def _convert(value: Any, kind: str) -> Any:
    """A cell's value as the field's type where it reads as one; otherwise as it is (the schema then
    says what is wrong with it). None: an empty cell."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    if kind.startswith("list:"):
        item = kind.removeprefix("list:")
        parts = value.split(",") if isinstance(value, str) else [value]
        return [_convert(part, item) for part in parts if not isinstance(part, str) or part.strip()]
    if kind == "str":
        if isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, dt.datetime):
            return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return value
    if kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            return int(value)
        return value
    if kind == "float":
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                number = float(value)
                if number == number and abs(number) != float("inf"):
                    return number
        return value
    if kind == "bool":
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
            return bool(value)
        return value
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date() if value.time() == dt.time() else value
        return value
    return value


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for name in path[:-1]:
        child = target.setdefault(name, {})
        if not isinstance(child, dict):
            return
        target = child
    target[path[-1]] = value


# ---------------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Where:
    """Where each value of the data came from: a table's header columns and row numbers."""

    workbook: bool
    source: str
    files: dict[str, str]
    """The file of each table (the workbook for every sheet; each CSV file)."""
    headers: dict[str, dict[str, int]]
    """Per table, the column number (1-based) of each column name."""
    rows: dict[str, list[int]]
    """Per collection, the row number of each object; per key-value table, of each field."""
    key_rows: dict[str, dict[str, int]]
    places: dict[tuple[str, int | None, str | None], tuple[int, int, int]] = field(
        default_factory=dict
    )
    """The (table, row, column) order of each place handed out: problems are listed in it."""

    def order(self, problem: Problem) -> tuple[int, int, int]:
        """Where a problem sorts: by table (in the workbook's order), row, then column."""
        return self.places.get((problem.path, problem.line, problem.source), (len(TABLES), 0, 0))

    def place(
        self,
        text: str,
        line: int | None,
        file: str | None,
        table: str,
        row: int | None,
        column: int | None,
    ) -> tuple[str, int | None, str | None]:
        position = TABLES.index(table) if table in TABLES else len(TABLES)
        self.places[(text, line, file)] = (position, row or 0, column or 0)
        return text, line, file

    def locate(self, path: PathKey) -> tuple[str, int | None, str | None]:
        """(where, line, file) for a path of the data."""
        if not path:  # the scenario itself: its own fields are in the scenario table
            return self._at(SCENARIO_TABLE, None, None)
        head = path[0]
        if head in self.rows and len(path) >= 2 and isinstance(path[1], int):
            table, rows = str(head), self.rows[str(head)]
            index = path[1]
            row = rows[index] if 0 <= index < len(rows) else None
            fields = [str(part) for part in path[2:] if isinstance(part, str)]
            name = _column_for(self.headers.get(table, {}), fields)
            return self._at(table, row, name)
        if head == SETTINGS_TABLE and len(path) >= 2:
            fields = [str(part) for part in path[1:] if isinstance(part, str)]
            name = _column_for(self.key_rows.get(SETTINGS_TABLE, {}), fields)
            row = self.key_rows.get(SETTINGS_TABLE, {}).get(name) if name else None
            return self._at(SETTINGS_TABLE, row, name, value_column=True)
        if isinstance(head, str) and head in self.key_rows.get(SCENARIO_TABLE, {}):
            row = self.key_rows[SCENARIO_TABLE][head]
            return self._at(SCENARIO_TABLE, row, head, value_column=True)
        table = str(head)
        if table in self.files:
            return self._at(table, None, None)
        return format_path(path), None, None

    def _at(
        self, table: str, row: int | None, name: str | None, value_column: bool = False
    ) -> tuple[str, int | None, str | None]:
        file = self.files.get(table)
        column = 2 if value_column else self.headers.get(table, {}).get(name or "")
        if self.workbook:
            if row is None:
                return self.place(f"sheet {table}", None, None, table, row, column)
            if column is None:
                return self.place(f"{table} row {row}", None, None, table, row, column)
            text = f"{table}!{_letter(column)}{row} ({name})"
            return self.place(text, None, None, table, row, column)
        # a CSV file: the row's line, then the column
        if file is None:
            file = str(Path(self.source) / f"{table}.csv")
        if row is not None and column is not None:
            return self.place(f"column {_letter(column)} ({name})", row, file, table, row, column)
        return self.place("", row, file, table, row, column)


def _column_for(headers: dict[str, int], fields: list[str]) -> str | None:
    """The longest dotted prefix of ``fields`` that is a column."""
    for end in range(len(fields), 0, -1):
        name = ".".join(fields[:end])
        if name in headers:
            return name
    return None


def _letter(column: int) -> str:
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


Rows = Iterator[tuple[int, list[Any]]]
"""A table's rows: (row number, cells)."""


def _read_tables(
    tables: dict[str, Callable[[], Rows]], where: _Where, problems: list[Problem]
) -> dict[str, Any]:
    """The scenario's data from its tables (each a function giving (row number, cells))."""
    data: dict[str, Any] = {}
    count = 0
    by_name = {name: model for name, model in collections().items()}
    for table, read in tables.items():
        rows = read()
        header_row = next(rows, None)
        if header_row is None:
            continue
        header_number, header = header_row
        names = [str(cell).strip() if cell is not None else "" for cell in header]
        while names and not names[-1]:
            names.pop()
        is_key_value = table in (SCENARIO_TABLE, SETTINGS_TABLE)
        known = {
            column.name: column
            for column in (key_value_columns(table) if is_key_value else columns_of(by_name[table]))
        }
        if is_key_value:
            if [name.lower() for name in names[:2]] != list(KEY_COLUMNS):
                problems.append(
                    _problem(
                        where,
                        table,
                        header_number,
                        1,
                        f"the header should be {', '.join(KEY_COLUMNS)}",
                    )
                )
                continue
            where.headers[table] = {"field": 1, "value": 2}
            where.key_rows[table] = {}
            target = data if table == SCENARIO_TABLE else data.setdefault(SETTINGS_TABLE, {})
            for number, cells in rows:
                count += 1
                if count > MAX_NODES:
                    raise InputError(
                        [Problem(f"sheet {table}", f"more than {MAX_NODES:,} values")], where.source
                    )
                name = str(cells[0]).strip() if cells and cells[0] is not None else ""
                value = cells[1] if len(cells) > 1 else None
                if not name:
                    if value is not None and str(value).strip():
                        problems.append(
                            _problem(where, table, number, 1, "a value without a field name")
                        )
                    continue
                column = known.get(name)
                if column is None:
                    problems.append(_problem(where, table, number, 1, f"unknown field {name!r}"))
                    continue
                if name in where.key_rows[table]:
                    problems.append(
                        _problem(
                            where,
                            table,
                            number,
                            1,
                            f"{name!r} is given twice (first in row {where.key_rows[table][name]})",
                        )
                    )
                    continue
                where.key_rows[table][name] = number
                converted = _convert(value, column.kind)
                if converted is not None:
                    _put(target, column.path, converted)
            continue
        where.headers[table] = {}
        for position, name in enumerate(names, start=1):
            if not name:
                problems.append(
                    _problem(where, table, header_number, position, "a column without a name")
                )
            elif name not in known:
                problems.append(
                    _problem(where, table, header_number, position, f"unknown column {name!r}")
                )
            elif name in where.headers[table]:
                problems.append(
                    _problem(
                        where, table, header_number, position, f"column {name!r} is given twice"
                    )
                )
            else:
                where.headers[table][name] = position
        objects: list[dict[str, Any]] = []
        where.rows[table] = []
        for number, cells in rows:
            obj: dict[str, Any] = {}
            for name, position in where.headers[table].items():
                if position - 1 < len(cells):
                    converted = _convert(cells[position - 1], known[name].kind)
                    if converted is not None:
                        count += 1
                        _put(obj, known[name].path, converted)
            if count > MAX_NODES:
                raise InputError(
                    [Problem(f"sheet {table}", f"more than {MAX_NODES:,} values")], where.source
                )
            extra = [
                position
                for position in range(len(names) + 1, len(cells) + 1)
                if cells[position - 1] is not None and str(cells[position - 1]).strip()
            ]
            if extra:
                problems.append(_problem(where, table, number, extra[0], "a value under no column"))
            if not obj:
                continue  # an empty row
            objects.append(obj)
            where.rows[table].append(number)
        data[table] = objects
    return data


def _problem(where: _Where, table: str, row: int, column: int, message: str) -> Problem:
    if where.workbook:
        text, line, file = where.place(
            f"{table}!{_letter(column)}{row}", None, None, table, row, column
        )
    else:
        text, line, file = where.place(
            f"column {_letter(column)}", row, where.files.get(table), table, row, column
        )
    return Problem(text, message, line, file)


def _check_size(path: Path, source: str) -> None:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise InputError([Problem("", "file not found")], source) from None
    except OSError as error:
        raise InputError([Problem("", f"cannot read: {error.strerror}")], source) from None
    if not stat.S_ISREG(status.st_mode):
        raise InputError([Problem("", "not a regular file")], source)
    if status.st_size > MAX_FILE_BYTES:
        raise InputError(
            [
                Problem(
                    "",
                    f"the file is {status.st_size / 2**20:.1f} MiB; gapsolver reads files of up "
                    f"to {MAX_FILE_BYTES // 2**20} MiB",
                )
            ],
            source,
        )


def _unreadable(error: BaseException) -> str:
    """Why a workbook could not be read: the first line of the error and of what caused it."""
    causes = [error]
    while (cause := causes[-1].__cause__ or causes[-1].__context__) is not None and len(causes) < 5:
        causes.append(cause)
    said = "; ".join(
        f"{type(each).__name__}: {str(each).splitlines()[0] if str(each) else ''}".rstrip(": ")
        for each in reversed(causes)
    )
    return f"cannot read the workbook ({said})"


def read_workbook(path: str | Path) -> Document:
    """A scenario workbook's data, located by sheet, cell and column name; raises InputError when
    it cannot be read as a workbook or its tables are malformed (every problem at once)."""
    from openpyxl import load_workbook

    source = str(path)
    _check_size(Path(path), source)
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise InputError(
            [Problem("", "not an .xlsx workbook (it is not a zip archive)")], source
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(
            [
                Problem(
                    "",
                    f"the workbook unpacks to {unpacked / 2**20:.0f} MiB; gapsolver reads up to {MAX_UNPACKED_BYTES // 2**20} MiB",
                )
            ],
            source,
        )
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise InputError([Problem("", _unreadable(error))], source) from None
    try:
        problems: list[Problem] = []
        known = set(table_names())
        for name in book.sheetnames:
            if name not in known and name != NOTES_SHEET:
                problems.append(
                    Problem(
                        f"sheet {name}", f"unknown sheet; the tables are {', '.join(table_names())}"
                    )
                )
        where = _Where(True, source, {name: source for name in book.sheetnames}, {}, {}, {})

        def rows_of(name: str) -> Callable[[], Rows]:
            def read() -> Rows:
                sheet = book[name]
                header = next(
                    sheet.iter_rows(max_row=1, max_col=MAX_TABLE_COLUMNS, values_only=True), ()
                )
                yield 1, list(header)
                # a sheet may claim any size: read no further right than its header, and
                # no further down than the limit on values
                width = len(header) + _EXTRA_COLUMNS
                rows = sheet.iter_rows(min_row=2, max_col=width, values_only=True)
                for number, row in enumerate(rows, start=2):
                    if number > MAX_TABLE_ROWS + 1:
                        raise InputError(
                            [Problem(f"sheet {name}", f"more than {MAX_TABLE_ROWS:,} rows")],
                            source,
                        )
                    yield number, list(row)

            return read

        tables = {name: rows_of(name) for name in table_names() if name in book.sheetnames}
        try:
            data = _read_tables(tables, where, problems)
        except InputError:
            raise
        except Exception as error:  # a damaged or hostile sheet (an XML entity bomb…)
            raise InputError([Problem("", _unreadable(error))], source) from None
    finally:
        book.close()
    return _document(data, source, where, problems)


def read_csv_folder(path: str | Path) -> Document:
    """A scenario given as a folder of CSV files (``pledges.csv``…), located by file, line and
    column; raises InputError when a file cannot be read or the tables are malformed."""
    folder = Path(path)
    source = str(folder)
    problems: list[Problem] = []
    known = set(table_names())
    present = {}
    for entry in sorted(folder.iterdir()):
        if entry.suffix.lower() != ".csv":
            continue
        if entry.stem not in known:
            problems.append(
                Problem(
                    "",
                    f"unknown table {entry.stem!r}; the tables are {', '.join(table_names())}",
                    None,
                    str(entry),
                )
            )
            continue
        present[entry.stem] = entry
    if not present:
        raise InputError(
            [Problem("", f"no table files ({', '.join(t + '.csv' for t in table_names())})")],
            source,
        )
    where = _Where(False, source, {name: str(file) for name, file in present.items()}, {}, {}, {})
    texts = {}
    for name, file in present.items():
        _check_size(file, str(file))
        try:
            texts[name] = file.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InputError(
                [Problem("", f"not UTF-8 text (byte {error.start})")], str(file)
            ) from None

    def rows_of(name: str) -> Callable[[], Rows]:
        def read() -> Rows:
            reader = csv.reader(io.StringIO(texts[name], newline=""))
            width = MAX_TABLE_COLUMNS
            try:
                for row, cells in enumerate(reader):
                    if row > MAX_TABLE_ROWS:
                        raise InputError(
                            [Problem("", f"more than {MAX_TABLE_ROWS:,} rows")], where.files[name]
                        )
                    yield reader.line_num, [cell if cell != "" else None for cell in cells[:width]]
                    if row == 0:
                        width = min(len(cells), MAX_TABLE_COLUMNS) + _EXTRA_COLUMNS
            except csv.Error as error:
                problems.append(
                    Problem("", f"CSV syntax error: {error}", reader.line_num, where.files[name])
                )

        return read

    tables = {name: rows_of(name) for name in table_names() if name in present}
    data = _read_tables(tables, where, problems)
    return _document(data, source, where, problems)


def _document(
    data: dict[str, Any], source: str, where: _Where, problems: list[Problem]
) -> Document:
    doc = Document(data=data, source=source, where=where.locate, order=where.order)
    doc.problems += problems
    return doc


# ---------------------------------------------------------------------------------------------------
# Writing


def _cell(value: Any, column: Column) -> Any:
    """A value as a table cell: lists joined by commas, enumerations as their values."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(_cell(item, column)) for item in value) if value else None
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _value_at(obj: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def table_rows(scenario: Scenario | None) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Every table of ``scenario`` (empty tables for None) as (header, rows of cells). Fields left
    at their default are left empty, so the tables say what the scenario says."""
    tables: dict[str, tuple[list[str], list[list[Any]]]] = {}
    for table in table_names():
        if table in (SCENARIO_TABLE, SETTINGS_TABLE):
            rows = []
            base = (
                None
                if scenario is None
                else (scenario if table == SCENARIO_TABLE else scenario.settings)
            )
            explicit = _explicit(base)
            for column in key_value_columns(table):
                path = column.path
                value = _value_at(base, path) if base is not None and path in explicit else None
                rows.append([column.name, _cell(value, column)])
            tables[table] = (list(KEY_COLUMNS), rows)
            continue
        model = collections()[table]
        columns = columns_of(model)
        objects = [] if scenario is None else getattr(scenario, table)
        rows = []
        for obj in objects:
            explicit = _explicit(obj)
            rows.append(
                [
                    _cell(_value_at(obj, column.path), column) if column.path in explicit else None
                    for column in columns
                ]
            )
        tables[table] = ([column.name for column in columns], rows)
    return tables


def _explicit(obj: BaseModel | None, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The field paths of ``obj`` whose values differ from their defaults (all of a required field)."""
    if obj is None:
        return set()
    found: set[tuple[str, ...]] = set()
    for name, info in type(obj).model_fields.items():
        value = getattr(obj, name)
        if isinstance(value, BaseModel):
            found |= _explicit(value, (*prefix, name))
            continue
        if info.is_required() or value != info.get_default(call_default_factory=True):
            found.add((*prefix, name))
    return found
