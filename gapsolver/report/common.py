"""How tables reach people: a :class:`Printer` that never loses data — on a terminal cells fold
rather than being cut; elsewhere (a pipe, a file) tables are written at their full width, or as CSV or
Markdown."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from typing import IO, Any, Protocol

from rich.console import Group
from rich.table import Table
from rich.text import Text

from gapsolver.report.console import PipeConsole

PRIORITY_STYLE = {"critical": "bold red", "high": "yellow", "normal": ""}

FULL_WIDTH = 100_000
"""Console width off a terminal: a table is as wide as its widest row, never cut or wrapped."""


class Printer(Protocol):
    """What the ``print_*`` functions write to (a rich Console is one)."""

    def print(self, *objects: Any, **options: Any) -> None: ...


def _tables(renderable: Any) -> Iterator[Any]:
    """The tables and texts in a renderable, in order (groups opened)."""
    if isinstance(renderable, Group):
        for item in renderable.renderables:
            yield from _tables(item)
    else:
        yield renderable


def _plain(cell: Any) -> str:
    """A cell's text: report strings are plain (user data is never read as markup)."""
    if isinstance(cell, Text):
        return cell.plain
    return str(cell)


def _columns(table: Table) -> tuple[list[str], list[list[str]]]:
    headers = [_plain(column.header) for column in table.columns]
    cells = [[_plain(cell) for cell in column.cells] for column in table.columns]
    rows = [list(row) for row in zip(*cells, strict=True)] if cells else []
    return headers, rows


class _FoldingConsole:
    """A rich Console whose tables fold long cells instead of cutting them (ids, dates and money
    are never shortened with '…'), at full width when the output is not a terminal."""

    def __init__(self, file: IO[str] | None = None) -> None:
        target = file or sys.stdout
        terminal = target.isatty()
        # markup and emoji codes off: ids, names and reasons print exactly as they are
        self.console = PipeConsole(
            file=target, width=None if terminal else FULL_WIDTH, markup=False, emoji=False
        )

    def print(self, *objects: Any, **options: Any) -> None:
        for renderable in objects:
            for part in _tables(renderable):
                if isinstance(part, Table):
                    for column in part.columns:
                        column.overflow = "fold"
                        column.no_wrap = False
        options.setdefault("soft_wrap", not self.console.is_terminal)
        self.console.print(*objects, **options)


class TableWriter:
    """Every table as CSV (a ``# title`` line, the header, the rows, a blank line) or as a
    Markdown table under a heading; lines of text as ``# …`` comments (CSV) or paragraphs."""

    def __init__(self, fmt: str, file: IO[str] | None = None) -> None:
        self.fmt = fmt
        self.file = file or sys.stdout

    def print(self, *objects: Any, **options: Any) -> None:
        for renderable in objects:
            for part in _tables(renderable):
                if isinstance(part, Table):
                    self._table(part)
                elif part is not None and _plain(part).strip():
                    text = _plain(part)
                    if self.fmt == "csv":
                        text = "\n".join(f"# {line}" for line in text.splitlines())
                    self.file.write(text + "\n\n")

    def _table(self, table: Table) -> None:
        headers, rows = _columns(table)
        title = _plain(table.title) if table.title else ""
        caption = _plain(table.caption) if table.caption else ""
        if self.fmt == "csv":
            buffer = io.StringIO()
            if title:
                buffer.write(f"# {title}\n")
            writer = csv.writer(buffer, lineterminator="\n")
            if table.show_header:
                writer.writerow(headers)
            writer.writerows(rows)
            if caption:
                buffer.write(f"# {caption}\n")
            self.file.write(buffer.getvalue() + "\n")
            return

        def cell(text: str) -> str:
            return text.replace("|", "\\|").replace("\n", "<br>")

        lines = [f"### {title}", ""] if title else []
        shown = headers if table.show_header else [""] * len(headers)
        lines.append("| " + " | ".join(cell(h) for h in shown) + " |")
        lines.append(
            "|"
            + "|".join("---:" if column.justify == "right" else "---" for column in table.columns)
            + "|"
        )
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
        if caption:
            lines += ["", caption]
        self.file.write("\n".join(lines) + "\n\n")


def printer(fmt: str = "table", file: IO[str] | None = None) -> Printer:
    """Where a command prints its tables: ``table`` (rich; folded on a terminal, full width
    elsewhere), ``csv`` or ``markdown``."""
    if fmt == "table":
        return _FoldingConsole(file)
    return TableWriter(fmt, file)
