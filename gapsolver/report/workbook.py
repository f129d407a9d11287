"""Results as ``.xlsx`` workbooks: the plan of ``solve -o plan.xlsx`` in the sheets a planner works
with, and the tables any other command prints (``whatif``, ``diff``, ``shortfall``, ``explain``,
``robust``…) or the rows it writes as CSV (``compare``, ``batch export``), one sheet each.

Every sheet has a bold, frozen header and columns as wide as their contents (up to a bound); numbers
are numbers (a planner sorts and sums them); unfilled units are highlighted. Written atomically.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from gapsolver.exceptions import OutputError
from gapsolver.postprocess.write import atomic_path
from gapsolver.report.common import table_cells, tables_in
from gapsolver.report.reasons import reason_summary
from gapsolver.report.result import allocation_rows, donation_fills, summary_rows
from gapsolver.schema.result import Result

MAX_WIDTH = 60
_NUMBER = re.compile(r"[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?([eE][-+]?\d+)?")
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Sheet:
    """One sheet: a header and rows of values, with the cells to highlight (row, column; 0-based
    in ``rows``)."""

    name: str
    header: list[str]
    rows: list[list[Any]]
    highlight: set[tuple[int, int]] = field(default_factory=set)
    wrap: set[int] = field(default_factory=set)
    """Columns of long text (wrapped, top-aligned)."""


def result_sheets(result: Result) -> list[Sheet]:
    """A plan's workbook: summary, requirements (gap, priority, why short), allocation, donated
    equipment, training seats."""
    summary = Sheet("summary", ["figure", "value"], [list(row) for row in summary_rows(result)])
    requirements = Sheet(
        "requirements",
        [
            "mission",
            "requirement",
            "capability",
            "priority",
            "quantity",
            "allocated",
            "gap",
            "why short",
        ],
        [],
        wrap={7},
    )
    for requirement in sorted(result.requirements, key=lambda r: (r.mission, r.id)):
        if requirement.gap:
            requirements.highlight.add((len(requirements.rows), 6))
        requirements.rows.append(
            [
                requirement.mission,
                requirement.id,
                requirement.capability,
                requirement.priority.value,
                requirement.quantity,
                requirement.allocated,
                requirement.gap,
                "\n".join(reason_summary(reason) for reason in requirement.reasons),
            ]
        )
    header, rows = allocation_rows(result)
    allocation = Sheet("allocation", header, [list(row) for row in rows], wrap={len(header) - 1})
    donations = Sheet(
        "donations",
        ["donation", "donor", "item", "recipient", "items", "fills"],
        [
            [
                use.donation,
                use.donor,
                use.item,
                use.recipient,
                use.items,
                donation_fills(use),
            ]
            for use in result.donations
        ],
    )
    trainings = Sheet(
        "training seats",
        ["training", "trainer", "capability", "seats used", "capacity"],
        [
            [use.training, use.trainer, use.capability, use.seats_used, use.capacity]
            for use in result.trainings
        ],
    )
    return [summary, requirements, allocation, donations, trainings]


def _value(text: str) -> Any:
    """A printed cell as a number where it is one (``1,234``, ``0.5``), else its text."""
    stripped = text.strip()
    if _NUMBER.fullmatch(stripped):
        number = float(stripped.replace(",", ""))
        return int(number) if number.is_integer() and "." not in stripped else number
    return text


def printed_sheets(renderables: Iterable[Any]) -> list[Sheet]:
    """The tables a command prints, one sheet each (named by its title), numbers as numbers and
    the cells printed in red highlighted; the lines of text between them are left out."""
    sheets = []
    for part in (part for renderable in renderables for part in tables_in(renderable)):
        if not isinstance(part, Table):
            continue
        header, cells = table_cells(part)
        title = part.title.plain if isinstance(part.title, Text) else str(part.title or "")
        name = re.split(r" — |: | \(", title, maxsplit=1)[0].strip()  # the title's head
        sheet = Sheet(name or "table", header, [[_value(cell) for cell in row] for row in cells])
        for column_index, column in enumerate(part.columns):
            for row_index, cell in enumerate(column.cells):
                if isinstance(cell, Text) and "red" in str(cell.style):
                    sheet.highlight.add((row_index, column_index))
        sheets.append(sheet)
    return sheets


def rows_sheet(name: str, rows: Sequence[dict[str, Any]]) -> Sheet:
    """Rows of records (what a command writes as CSV) as one sheet, columns in first-seen order."""
    header: list[str] = []
    for row in rows:
        header += [key for key in row if key not in header]
    return Sheet(name, header, [[_cell(row.get(key)) for key in header] for row in rows])


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class SheetRecorder:
    """A printer (:class:`gapsolver.report.common.Printer`) that keeps what is printed, for
    :func:`printed_sheets`."""

    def __init__(self) -> None:
        self.printed: list[Any] = []

    def print(self, *objects: Any, **options: Any) -> None:
        self.printed += objects


def _sheet_names(sheets: Sequence[Sheet]) -> list[str]:
    """Names Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    names: list[str] = []
    for sheet in sheets:
        base = _SHEET_NAME.sub(" ", sheet.name).strip()[:31] or "sheet"
        name, number = base, 2
        while name.lower() in (taken.lower() for taken in names):
            suffix = f" ({number})"
            name, number = base[: 31 - len(suffix)] + suffix, number + 1
        names.append(name)
    return names


MAX_SHEET_ROWS = 1_048_575
"""Rows a worksheet holds below its header (Excel's limit)."""
MAX_CELL_TEXT = 32_767
"""Characters a cell holds (Excel's limit)."""


def _safe(value: Any) -> Any:
    """A value a cell can hold: text without the control characters XML refuses, cut at Excel's
    limit."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if len(value) > MAX_CELL_TEXT:
            value = value[: MAX_CELL_TEXT - 1] + "…"
    return value


def write_sheets(path: str | Path, sheets: Sequence[Sheet]) -> None:
    """The sheets as one workbook, written atomically; an OutputError when a sheet has more rows
    than a worksheet holds."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    for sheet in sheets:
        if len(sheet.rows) > MAX_SHEET_ROWS:
            raise OutputError(
                f"{path}: {sheet.name} has {len(sheet.rows):,} rows; a worksheet holds "
                f"{MAX_SHEET_ROWS:,} (write CSV or Parquet instead)"
            )

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE7F0")
    short_fill = PatternFill("solid", fgColor="F8D7DA")
    short_font = Font(bold=True, color="9C0006")
    for sheet, name in zip(sheets, _sheet_names(sheets), strict=True):
        page = book.create_sheet(name)
        page.append([_safe(name) for name in sheet.header])
        for row in sheet.rows:
            page.append([_safe(value) for value in row])
        for cell in page[1]:
            cell.font, cell.fill = bold, header_fill
        page.freeze_panes = "A2"
        for row_index, column_index in sheet.highlight:
            cell = page.cell(row_index + 2, column_index + 1)
            cell.fill, cell.font = short_fill, short_font
        for column_index in range(len(sheet.header)):
            values = [sheet.header[column_index]] + [
                row[column_index] for row in sheet.rows if column_index < len(row)
            ]
            longest = max(
                (
                    max(len(line) for line in str(v).splitlines() or [""])
                    for v in values
                    if v is not None
                ),
                default=8,
            )
            letter = get_column_letter(column_index + 1)
            page.column_dimensions[letter].width = min(longest + 2, MAX_WIDTH)
            if column_index in sheet.wrap:
                for cells in page.iter_rows(
                    min_row=2, min_col=column_index + 1, max_col=column_index + 1
                ):
                    cells[0].alignment = Alignment(wrap_text=True, vertical="top")
    if not sheets:
        book.create_sheet("empty")
    with atomic_path(path) as temporary:
        book.save(temporary)
