"""Scenarios written out (``gapsolver convert``, ``gapsolver template``): as YAML or JSON text, an
``.xlsx`` workbook or a folder of CSV files, in the forms gapsolver reads back (the tables:
:mod:`gapsolver.preprocess.tables`). Fields at their defaults are left out, so a written scenario
says what its source said.

A workbook has one sheet per table, bold frozen headers and columns as wide as their contents, a
``notes`` sheet that says what every column holds (the schema's own descriptions) and drop-down
lists where a cell takes one of a few values: priority, readiness, category, yes/no fields, and every
single reference to a capability, member state or mission (drawn from the workbook's own sheets, so a
state added to ``member_states`` is offered in ``pledges`` at once).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from gapsolver.postprocess.write import atomic_path, write_folder_atomic
from gapsolver.preprocess.consistency import REFERENCES
from gapsolver.preprocess.tables import (
    NOTES_SHEET,
    SCENARIO_TABLE,
    SETTINGS_TABLE,
    collections,
    columns_of,
    description,
    key_value_columns,
    table_names,
    table_rows,
)
from gapsolver.schema import Scenario

VALIDATED_ROWS = 2000
"""Rows of each table that get drop-down lists (Excel keeps them when rows are inserted)."""
_MAX_WIDTH = 48


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data (dates as ISO text), fields at their defaults left out."""
    return scenario.model_dump(mode="json", exclude_defaults=True)


def scenario_text(scenario: Scenario, json_format: bool = False) -> str:
    """The scenario as YAML (or JSON) text, in the schema's order."""
    import yaml

    data = scenario_data(scenario)
    if json_format:
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(column))


def _choices(table: str) -> dict[str, str]:
    """Per column name, the list a cell of ``table`` picks from (an Excel list formula)."""
    lists: dict[str, str] = {}
    for column in columns_of(collections()[table]):
        if column.choices:
            lists[column.name] = '"' + ",".join(column.choices) + '"'
        elif column.kind == "bool":
            lists[column.name] = '"TRUE,FALSE"'
    for collection, path, target in REFERENCES:
        if collection == table and "*" not in path:
            lists[".".join(path)] = f"={target}!$A$2:$A${VALIDATED_ROWS + 1}"
    return lists


def write_workbook(scenario: Scenario | None, path: str | Path) -> None:
    """The scenario's tables (empty ones for None: the template) as a workbook, written atomically."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F0")
    for table, (header, rows) in table_rows(scenario).items():
        sheet = book.create_sheet(table)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
        sheet.freeze_panes = "A2"
        widths = [len(str(name)) for name in header]
        for row in rows:
            for index, value in enumerate(row):
                if isinstance(value, dt.date):
                    widths[index] = max(widths[index], 10)
                elif value is not None:
                    widths[index] = max(widths[index], len(str(value)))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[_letter(index)].width = min(width + 2, _MAX_WIDTH)
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        if table in (SCENARIO_TABLE, SETTINGS_TABLE):
            continue
        for name, formula in _choices(table).items():
            position = header.index(name) + 1
            validation = DataValidation(type="list", formula1=formula, allow_blank=True)
            validation.error = f"{name}: pick a value from the list"
            validation.add(f"{_letter(position)}2:{_letter(position)}{VALIDATED_ROWS + 1}")
            sheet.add_data_validation(validation)
    notes = book.create_sheet(NOTES_SHEET)
    notes.append(["table", "column", "what it holds", "form"])
    for cell in notes[1]:
        cell.font, cell.fill = bold, fill
    for table in table_names():
        key_value = table in (SCENARIO_TABLE, SETTINGS_TABLE)
        columns = key_value_columns(table) if key_value else columns_of(collections()[table])
        for column in columns:
            notes.append([table, column.name, description(column), _form(column)])
    notes.freeze_panes = "A2"
    for letter, width in zip("ABCD", (16, 30, 90, 40), strict=True):
        notes.column_dimensions[letter].width = width
    for row_cells in notes.iter_rows(min_row=2):
        row_cells[2].alignment = Alignment(wrap_text=True, vertical="top")
    with atomic_path(path) as temporary:
        book.save(temporary)


def _form(column: Any) -> str:
    if column.choices:
        return "one of " + ", ".join(column.choices)
    forms = {
        "str": "text",
        "int": "whole number",
        "float": "number",
        "bool": "TRUE or FALSE",
        "date": "date (YYYY-MM-DD)",
    }
    if column.kind.startswith("list:"):
        return f"list, items separated by commas ({forms[column.kind.removeprefix('list:')]})"
    return forms[column.kind]


def _csv_text(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv_folder(scenario: Scenario | None, folder: str | Path) -> None:
    """The scenario's tables as CSV files in ``folder``, written whole or not at all
    (:func:`write_folder_atomic`)."""
    files = {}
    for table, (header, rows) in table_rows(scenario).items():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if cell is None else _csv_text(cell) for cell in row])
        files[f"{table}.csv"] = buffer.getvalue()
    write_folder_atomic(folder, files)


def is_table_folder(path: Path) -> bool:
    """Whether ``path`` is a folder holding nothing but table files (what :func:`write_csv_folder`
    makes): the only kind of folder gapsolver replaces."""
    if not path.is_dir():
        return False
    names = {f"{table}.csv" for table in table_names()}
    return all(entry.name in names for entry in path.iterdir())
