"""Results as workbooks: `solve -o plan.xlsx` in the sheets a planner works with, and the tables of
whatif, compare and batch export, numbers as numbers and gaps highlighted."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from test_batch import write_study
from typer.testing import CliRunner

from gapsolver.batch.export import read_table
from gapsolver.batch.run import local_executor, run_batch
from gapsolver.cli import app
from gapsolver.exceptions import OutputError
from gapsolver.report import workbook
from gapsolver.report.workbook import Sheet, printed_sheets, write_sheets

REFERENCE = str(Path(__file__).resolve().parent.parent / "scenarios" / "seoul-2021.yaml")
runner = CliRunner()


def _rows(sheet) -> list[dict]:
    header = [cell.value for cell in sheet[1]]
    return [
        dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> tuple[dict, openpyxl.Workbook]:
    folder = tmp_path_factory.mktemp("plan")
    json_file, xlsx_file = folder / "plan.json", folder / "plan.xlsx"
    for target in (json_file, xlsx_file):
        result = runner.invoke(app, ["solve", REFERENCE, "-o", str(target)])
        assert result.exit_code == 0, result.output
    return json.loads(json_file.read_text()), openpyxl.load_workbook(xlsx_file)


def test_the_plan_workbook_has_the_planners_sheets(plan) -> None:
    result, book = plan
    assert book.sheetnames == [
        "summary",
        "requirements",
        "allocation",
        "donations",
        "training seats",
    ]
    for name in book.sheetnames:
        assert book[name].freeze_panes == "A2"
        assert all(cell.font.bold for cell in book[name][1])
    summary = {row["figure"]: row["value"] for row in _rows(book["summary"])}
    assert summary["weighted gap"] == f"{result['weighted_gap']:g}"
    assert summary["status"] == result["status"]


def test_every_requirement_is_a_row_and_every_gap_is_highlighted(plan) -> None:
    result, book = plan
    sheet = book["requirements"]
    rows = _rows(sheet)
    assert sorted(row["requirement"] for row in rows) == sorted(
        r["id"] for r in result["requirements"]
    )
    by_id = {r["id"]: r for r in result["requirements"]}
    short = 0
    for index, row in enumerate(rows, start=2):
        expected = by_id[row["requirement"]]
        assert (row["quantity"], row["allocated"], row["gap"]) == (
            expected["quantity"],
            expected["allocated"],
            expected["gap"],
        )
        gap_cell = sheet.cell(index, 7)
        highlighted = gap_cell.fill.fgColor.rgb not in (None, "00000000")
        assert highlighted == (expected["gap"] > 0)
        assert (row["why short"] is not None) == bool(expected["reasons"])
        short += expected["gap"] > 0
    assert short > 0  # the reference scenario leaves gaps: the highlight is exercised


def test_the_allocation_sheet_counts_every_unit_as_a_number(plan) -> None:
    result, book = plan
    rows = _rows(book["allocation"])
    assert len(rows) == len(result["assignments"])
    assert all(isinstance(row["units"], int) for row in rows)
    assert sum(row["units"] for row in rows) == sum(a["units"] for a in result["assignments"])
    seats = _rows(book["training seats"])
    assert sum(row["seats used"] for row in seats) == sum(
        t["seats_used"] for t in result["trainings"]
    )


def test_solve_adds_the_shortfall_list_when_asked(tmp_path) -> None:
    target = tmp_path / "plan.xlsx"
    result = runner.invoke(app, ["solve", REFERENCE, "--shortfall", "-o", str(target)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[:5] == [
        "summary",
        "requirements",
        "allocation",
        "donations",
        "training seats",
    ]
    asked = _rows(book["Pledges to ask for"])
    assert asked and all(isinstance(row["units"], int) and row["units"] > 0 for row in asked)


def test_whatif_and_compare_write_their_tables(tmp_path) -> None:
    data, sheets = tmp_path / "w.json", tmp_path / "w.xlsx"
    for target in (data, sheets):
        command = ["whatif", REFERENCE, "--without-state", "KOR", "-o", str(target)]
        assert runner.invoke(app, command).exit_code == 0
    difference = json.loads(data.read_text())
    figures = {row["figure"]: row for row in _rows(openpyxl.load_workbook(sheets)["Plan A"])}
    for figure in ("weighted_gap", "gap_units", "allocated_units"):
        row = figures[figure.replace("_", " ")]
        expected = difference["kpis"][figure]
        assert (row["A"], row["B"], row["change"]) == (
            expected["a"],
            expected["b"],
            expected["delta"],
        )

    rows = tmp_path / "c.xlsx"
    command = ["compare", REFERENCE, "--strategies", "optimal,greedy", "-o", str(rows)]
    assert runner.invoke(app, command).exit_code == 0
    runs = _rows(openpyxl.load_workbook(rows)["runs"])
    assert [row["strategy"] for row in runs] == ["optimal", "greedy"]
    assert runs[0]["weighted_gap"] <= runs[1]["weighted_gap"]


def test_batch_export_writes_a_workbook_of_the_runs(tmp_path) -> None:
    spec = write_study(tmp_path, robustness=None, variants=None, sweeps=[])
    database = tmp_path / "runs.db"
    run_batch(spec, database, local_executor(1))
    target = tmp_path / "runs.xlsx"
    result = runner.invoke(app, ["batch", "export", str(database), "--xlsx", str(target)])
    assert result.exit_code == 0, result.output
    stored = read_table(database)
    rows = _rows(openpyxl.load_workbook(target)["runs"])
    assert [row["run_key"] for row in rows] == [row["run_key"] for row in stored]
    assert [row["weighted_gap"] for row in rows] == [row["weighted_gap"] for row in stored]


def test_outputs_are_guarded_as_before(tmp_path) -> None:
    assert runner.invoke(app, ["solve", REFERENCE, "-o", str(tmp_path / "plan.csv")]).exit_code == 2
    scenario = tmp_path / "s.xlsx"
    assert runner.invoke(app, ["convert", REFERENCE, str(scenario)]).exit_code == 0
    before = scenario.read_bytes()
    assert runner.invoke(app, ["solve", str(scenario), "-o", str(scenario)]).exit_code == 2
    assert scenario.read_bytes() == before


def test_printed_cells_become_numbers_and_sheet_names_are_valid(tmp_path) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Costs: by item")
    for column in ("item", "cost", "share", "ratio"):
        table.add_column(column)
    table.add_row("a/b", "1,234,567", "0.5", "12 / 14")
    table.add_row("c", Text("-3", style="bold red"), "1e3", "n/a")
    [sheet] = printed_sheets([table, table.title])
    assert sheet.name == "Costs"
    assert sheet.rows == [["a/b", 1234567, 0.5, "12 / 14"], ["c", -3, 1000.0, "n/a"]]
    assert sheet.highlight == {(1, 1)}
    target = tmp_path / "t.xlsx"
    write_sheets(
        target, [sheet, Sheet("Costs", ["x"], [["bad\x01char"]]), Sheet("a/b:*?", ["y"], [])]
    )
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Costs", "Costs (2)", "a b"]
    assert book["Costs (2)"]["A2"].value == "bad\ufffdchar"


def test_a_sheet_too_long_for_a_workbook_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(workbook, "MAX_SHEET_ROWS", 3)
    target = tmp_path / "big.xlsx"
    with pytest.raises(OutputError, match="a worksheet holds 3"):
        write_sheets(target, [Sheet("runs", ["n"], [[n] for n in range(4)])])
    assert not target.exists()
