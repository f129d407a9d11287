"""Plain tables off a terminal: ``plain_table_text`` writes what rich writes, byte for byte, and
every table it cannot reproduce goes through rich (same output either way)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from typer.testing import CliRunner

from gapsolver import load_scenario, solve_scenario
from gapsolver.cli import app
from gapsolver.report import common
from gapsolver.report.common import plain_table_text, printer
from gapsolver.report.result import print_result
from gapsolver.schema.result import Result

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No colour forced on from the environment the tests run in."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)


def printed(*objects: Any, fast: bool, file: io.TextIOWrapper | None = None) -> str:
    """What the table printer writes to a file (not a terminal), with or without the fast path."""
    out = file or io.StringIO()
    with fast_tables(fast):
        printer("table", out).print(*objects)
    if isinstance(out, io.StringIO):
        return out.getvalue()
    out.flush()
    buffer = out.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode(out.encoding)


@contextmanager
def fast_tables(on: bool) -> Iterator[None]:
    previous = common.FAST_TABLES
    common.FAST_TABLES = on
    try:
        yield
    finally:
        common.FAST_TABLES = previous


def fast_text(table: Table) -> str | None:
    """The fast renderer's text, through the printer's own console."""
    folding = printer("table", io.StringIO())
    assert isinstance(folding, common._FoldingConsole)
    return plain_table_text(table, folding.console)


def assert_as_rich(*objects: Any) -> None:
    assert printed(*objects, fast=True) == printed(*objects, fast=False)


class Recorder:
    """A printer that keeps what print_result prints."""

    def __init__(self) -> None:
        self.objects: list[Any] = []

    def print(self, *objects: Any, **options: Any) -> None:
        self.objects.extend(objects)


def result_tables(result: Result) -> list[Any]:
    recorder = Recorder()
    print_result(result, recorder)
    return recorder.objects


@pytest.fixture(scope="module")
def reference_result() -> Result:
    scenario, _ = load_scenario(ROOT / "scenarios" / "seoul-2021.yaml")
    return solve_scenario(scenario)


@pytest.fixture(scope="module")
def generated_result(tmp_path_factory: pytest.TempPathFactory) -> Result:
    path = tmp_path_factory.mktemp("generated") / "tmp.yaml"
    invoked = CliRunner().invoke(
        app, ["generate", "--pledges", "300", "--seed", "1", "-o", str(path)]
    )
    assert invoked.exit_code == 0, invoked.output
    scenario, _ = load_scenario(path)
    return solve_scenario(scenario)


@pytest.mark.parametrize("which", ["reference_result", "generated_result"])
def test_every_result_table_prints_as_rich(which: str, request: pytest.FixtureRequest) -> None:
    result: Result = request.getfixturevalue(which)
    objects = result_tables(result)
    tables = [part for item in objects for part in common.tables_in(item)]
    fast = {}
    for table in tables:
        assert isinstance(table, Table)
        text = fast_text(table)
        if text is not None:
            assert text == printed(table, fast=False), table.title
            fast[_title(table)] = text
    # the big ones are written by the fast path (a table with a multi-line "why short" goes to rich)
    assert {"Allocation", "Totals"} <= set(fast)
    outputs = []
    for on in (True, False):
        out = io.StringIO()
        with fast_tables(on):
            print_result(result, printer("table", out))
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]


def _title(table: Table) -> str:
    return table.title.plain if isinstance(table.title, Text) else str(table.title)


def table(*columns: str, **options: Any) -> Table:
    made = Table(**options)
    for column in columns:
        name, _, justify = column.partition(":")
        made.add_column(name, justify=justify or "left")  # type: ignore[arg-type]
    return made


def test_unicode_cells_keep_their_display_width() -> None:
    made = table(
        "state", "name:right", "note:center", title="Wide and combining", title_justify="left"
    )
    made.add_row("CIV", "Côte d'Ivoire", "francophone")
    made.add_row("KOR", "대한민국", "한국어 🎉")
    made.add_row("JPN", "日本", "e\u0301te\u0301 (combining)")
    made.add_row("CHN", "中华人民共和国 and more", "")
    assert fast_text(made) is not None
    assert_as_rich(made)


def test_empty_cells_justification_and_widths() -> None:
    made = table("a very long header", "n:right", "c:center", "x:center", title="Mixed")
    made.add_row("", "1", "", "odd")
    made.add_row("short", "", "even", "")
    made.add_row("cell much wider than its header", "123456", "centre me", "ab")
    made.add_row(Text("styled", style="bold red"), Text("42", style="green"), "x", "xy")
    assert fast_text(made) is not None
    assert_as_rich(made)


def test_trailing_and_leading_spaces() -> None:
    made = table("left", "right:right", "centre:center")
    made.add_row("  lead", "trail   ", "  both  ")
    made.add_row("trail  ", "  lead", "   ")
    made.add_row(" ", " ", " ")
    assert fast_text(made) is not None
    assert_as_rich(made)


def test_empty_table_one_row_and_no_title() -> None:
    empty = table("requirement", "gap:right", title="Nothing here", title_justify="left")
    one = table("only", "row:right")
    one.add_row("a", "1")
    untitled = table("x")
    untitled.add_row("1")
    untitled.add_row("2")
    for made in (empty, one, untitled):
        assert fast_text(made) is not None
        assert_as_rich(made)


def test_without_header() -> None:
    made = table("figure", "value:right", title="Totals", title_justify="left", show_header=False)
    made.add_row("status", "optimal")
    made.add_row("cost (USD)", "1,234,567")
    made.add_row("women share", "n/a")
    single = table("figure", "value:right", show_header=False)
    single.add_row("only", "row")
    for each in (made, single):
        assert fast_text(each) is not None
        assert_as_rich(each)


def test_titles_and_captions_as_rich_writes_them() -> None:
    wide_title = table(
        "a", title="A title much wider than the table it heads", title_justify="left"
    )
    wide_title.add_row("1")
    centred = table("a", "b", title="mid", title_justify="center", caption="a caption")
    centred.add_row("one", "two")
    right = table("a", title=Text("styled title", style="bold"), title_justify="right")
    right.add_row("cell")
    for made in (wide_title, centred, right):
        assert fast_text(made) is not None
        assert_as_rich(made)


def test_groups_and_several_tables_print_in_order() -> None:
    first = table("a", title="first")
    first.add_row("1")
    multi_line = table("b", title="second (through rich)")
    multi_line.add_row("two\nlines")
    last = table("c:right", title="third")
    last.add_row("3")
    assert_as_rich(Group(first, Group(), multi_line), last)
    assert_as_rich(Group())
    assert_as_rich(first, "some text", last)  # not only tables: rich prints the whole call


@pytest.mark.parametrize(
    "change",
    [
        lambda t: setattr(t, "show_lines", True),
        lambda t: setattr(t, "box", box.ROUNDED),
        lambda t: setattr(t, "expand", True),
        lambda t: setattr(t, "padding", (0, 2)),
        lambda t: setattr(t, "row_styles", ["dim", ""]),
        lambda t: setattr(t.columns[0], "width", 12),
        lambda t: setattr(t.columns[1], "max_width", 3),
        lambda t: setattr(t.columns[1], "justify", "full"),
        lambda t: t.add_row("multi\nline", "x"),
        lambda t: t.add_row("tab\there", "x"),
        lambda t: t.add_row("family 👨\u200d👩\u200d👧", "x"),
        lambda t: t.add_row(Text("own justify", justify="right"), "x"),
        lambda t: t.add_row(Text("own line end", end=""), "x"),
        lambda t: t.add_row(table("nested"), "x"),
        lambda t: t.add_row("ends a section", "x", end_section=True),
        lambda t: t.add_row("styled row", "x", style="on blue"),
    ],
)
def test_unsupported_features_fall_back_to_rich(change: Any) -> None:
    made = table("name", "value:right", title="Fallback", title_justify="left")
    made.add_row("a", "1")
    made.add_row("b", "22")
    change(made)
    assert fast_text(made) is None
    assert_as_rich(made)


def test_no_header_and_no_rows_falls_back() -> None:
    made = table("a", "b", show_header=False)
    assert fast_text(made) is None
    assert_as_rich(made)


def test_a_column_of_no_width_with_a_combining_mark_falls_back() -> None:
    made = table("a", "\u0301")  # rich drops text of no width in a column of no width
    made.add_row("x", "")
    assert fast_text(made) is None
    assert_as_rich(made)


def test_trailing_space_after_combining_marks_falls_back() -> None:
    made = table("a", "b:right")  # rich crops spaces past the width counted in characters
    made.add_row("e\u0301\u0301 ", "e\u0301\u0301 ")
    assert fast_text(made) is None
    assert_as_rich(made)


def test_a_table_wider_than_the_console_falls_back() -> None:
    made = table("a", "b")
    made.add_row("x" * 60_000, "y" * 60_000)
    assert fast_text(made) is None
    assert_as_rich(made)


def test_forced_colour_goes_through_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    made = table("gap:right")
    made.add_row(Text("1", style="bold red"))
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.setenv(name, "1")
        fast = printed(made, fast=True)
        assert "\x1b[" in fast  # colour on a pipe: the plain writer is not used
        assert fast == printed(made, fast=False)
        monkeypatch.delenv(name)


def test_no_color_still_writes_plain_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    made = table("gap:right", title="t")
    made.add_row(Text("1", style="bold red"))
    assert_as_rich(made)
    assert "\x1b[" not in printed(made, fast=True)


def test_an_ascii_file_gets_rich_ascii_box() -> None:
    made = table("a", "b:right", title="ascii")
    made.add_row("x", "1")
    outputs = []
    for fast in (True, False):
        outputs.append(printed(made, fast=fast, file=io.TextIOWrapper(io.BytesIO(), "ascii")))
    assert outputs[0] == outputs[1]
    assert "+" in outputs[0] or "|" in outputs[0]


CELL = st.text(alphabet="ab Z1- éü中文한🎉\u0301\u00a0", max_size=8)
"""Cells of ASCII, accented, wide and combining characters and spaces (plain and no-break)."""


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.booleans(),
    justify=st.lists(st.sampled_from(["left", "right", "center"]), min_size=1, max_size=4),
    rows=st.lists(st.lists(CELL, min_size=4, max_size=4), max_size=4),
    headers=st.lists(CELL, min_size=4, max_size=4),
)
def test_any_plain_cells_print_as_rich(
    header: bool, justify: list[str], rows: list[list[str]], headers: list[str]
) -> None:
    made = Table(show_header=header, title="t", title_justify="left")
    for name, how in zip(headers, justify, strict=False):
        made.add_column(name, justify=how)  # type: ignore[arg-type]
    for row in rows:
        made.add_row(*row[: len(justify)])
    text = fast_text(made)
    # the fast path leaves to rich only a table with combining marks (see the tests of those)
    # or a table with no header and no rows
    marks = any("\u0301" in cell for cell in [*headers, *(cell for row in rows for cell in row)])
    assert text is not None or marks or not (header or rows)
    assert_as_rich(made)
