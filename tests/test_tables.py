"""Scenarios as tables: workbooks and CSV folders read like YAML (every problem at once, located by
sheet, cell and column, or by file, line and column), written back losslessly, an empty template
with drop-down lists, and `gapsolver convert` / `gapsolver template` behind the output guard."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from conftest import pledge, req, scenario_data
from typer.testing import CliRunner

from gapsolver.cli import app
from gapsolver.exceptions import InputError
from gapsolver.postprocess.scenario_files import (
    scenario_text,
    write_csv_folder,
    write_workbook,
)
from gapsolver.preprocess.generate import generate
from gapsolver.preprocess.load import load_scenario, scenario_from_data
from gapsolver.preprocess.tables import collections, columns_of, table_names
from gapsolver.solve.pipeline import solve_scenario

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "seoul-2021.yaml"
runner = CliRunner()


def _rich() -> dict[str, Any]:
    """A small scenario using every kind of cell: lists, nested fields, dates, yes/no, settings."""
    data = scenario_data(
        [
            req("R1", needed_by="2022-06-01", preferred_language="fr", priority="critical"),
            req("R2", mission="M2", capability="uh", quantity=2, min_readiness="level2"),
        ],
        [
            pledge(
                "P1",
                quantity=2,
                available_from="2022-02-01",
                women_share=0.2,
                caveats={"exclude_missions": ["M2"]},
            ),
            pledge(
                "P2",
                state="CCC",
                capability="uh",
                quantity=2,
                readiness="level3",
                needs_equipment={"item": "heli", "per_unit": 3},
                needs_training=True,
                cost_per_unit=1.5e6,
                reliability=0.8,
            ),
        ],
        donations=[
            {
                "id": "D1",
                "donor": "DDD",
                "item": "heli",
                "quantity": 6,
                "eligible_recipients": ["CCC", "BBB"],
            }
        ],
        trainings=[
            {
                "id": "T1",
                "trainer": "AAA",
                "capability": "uh",
                "capacity": 2,
                "lead_time_days": 30,
                "eligible_trainees": ["CCC"],
            }
        ],
        settings={"budget": 5e7, "priority_weights": {"critical": 50.0}},
    )
    data["description"] = 'Every kind of cell, comma, "quote" and é'
    return data


@pytest.mark.parametrize("form", ["xlsx", "csv"])
@pytest.mark.parametrize("name", ["reference", "rich", "generated"])
def test_a_scenario_round_trips_through_tables(tmp_path, form, name) -> None:
    if name == "reference":
        scenario = load_scenario(REFERENCE)[0]
    elif name == "rich":
        scenario = scenario_from_data(_rich())
    else:
        scenario = scenario_from_data(generate(pledges=120, states=20, missions=4, seed=3))
    target = tmp_path / ("s.xlsx" if form == "xlsx" else "s")
    (write_workbook if form == "xlsx" else write_csv_folder)(scenario, target)
    again = load_scenario(target)[0]
    assert again == scenario
    # and as text: YAML → tables → YAML is the same text as YAML → YAML
    assert scenario_text(again) == scenario_text(scenario)
    assert yaml.safe_load(scenario_text(again))["name"] == scenario.name


def test_the_tables_are_the_schemas() -> None:
    """Every field of every object is a column, nested ones dotted; no column is made up."""
    pledge_columns = [column.name for column in columns_of(collections()["pledges"])]
    assert "needs_equipment.per_unit" in pledge_columns
    assert "caveats.only_missions" in pledge_columns
    assert table_names()[0] == "scenario" and table_names()[-1] == "settings"
    for table, model in collections().items():
        top = {column.path[0] for column in columns_of(model)}
        assert top == set(model.model_fields), table


def _workbook(tmp_path: Path, data: dict[str, Any], edit) -> Path:
    """The scenario written as a workbook, then edited with openpyxl as a planner would."""
    path = tmp_path / "plan.xlsx"
    write_workbook(scenario_from_data(data), path)
    book = openpyxl.load_workbook(path)
    edit(book)
    book.save(path)
    return path


def _column(book, sheet: str, name: str) -> int:
    return [cell.value for cell in book[sheet][1]].index(name) + 1


def test_every_bad_cell_is_named_by_sheet_row_and_column(tmp_path) -> None:
    def edit(book) -> None:
        pledges = book["pledges"]
        pledges.cell(2, _column(book, "pledges", "readiness"), "level9")
        pledges.cell(3, _column(book, "pledges", "state"), "XYZ")
        pledges.cell(3, _column(book, "pledges", "quantity"), "two")
        pledges.cell(1, pledges.max_column + 1, "colour")
        book["requirements"].cell(3, 1, "R1")  # a duplicate id
        book.create_sheet("extras")

    path = _workbook(tmp_path, _rich(), edit)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    rendered = sorted(problem.render(str(path)) for problem in caught.value.problems)
    assert rendered == sorted(
        [
            f"{path}: pledges!{_letter_of(path, 'pledges', 'readiness')}2 (readiness): input "
            "should be 'level1', 'level2', 'level3' or 'rapid' (got 'level9')",
            f"{path}: pledges!{_letter_of(path, 'pledges', 'state')}3 (state): unknown member "
            "state 'XYZ'",
            f"{path}: pledges!{_letter_of(path, 'pledges', 'quantity')}3 (quantity): input should "
            "be a valid integer (got 'two')",
            f"{path}: pledges!{_letter_of(path, 'pledges', 'colour')}1: unknown column 'colour'",
            f"{path}: requirements!A3 (id): duplicate requirement id 'R1' (first defined at "
            "requirements[0])",
            f"{path}: sheet extras: unknown sheet; the tables are " + ", ".join(table_names()),
        ]
    )


def _letter_of(path: Path, sheet: str, name: str) -> str:
    from openpyxl.utils import get_column_letter

    book = openpyxl.load_workbook(path, read_only=True)
    header = next(book[sheet].iter_rows(max_row=1, values_only=True))
    return str(get_column_letter(list(header).index(name) + 1))


def test_csv_problems_are_named_by_file_line_and_column(tmp_path) -> None:
    folder = tmp_path / "scenario"
    write_csv_folder(scenario_from_data(_rich()), folder)
    text = (folder / "pledges.csv").read_text().splitlines()
    header = text[0].split(",")
    cells = text[2].split(",")
    cells[header.index("reliability")] = "1.7"
    text[2] = ",".join(cells)
    (folder / "pledges.csv").write_text("\n".join(text) + "\n")
    (folder / "settings.csv").write_text("field,value\nbudget,lots\nfavourite,blue\n")
    with pytest.raises(InputError) as caught:
        load_scenario(folder)
    letter = chr(ord("A") + header.index("reliability"))
    rendered = sorted(problem.render(str(folder)) for problem in caught.value.problems)
    assert rendered == sorted(
        [
            f"{folder}/pledges.csv:3: column {letter} (reliability): input should be less than "
            "or equal to 1 (got 1.7)",
            f"{folder}/settings.csv:2: column B (budget): input should be a valid number (got "
            "'lots')",
            f"{folder}/settings.csv:3: column A: unknown field 'favourite'",
        ]
    )


def test_cells_are_read_as_planners_type_them(tmp_path) -> None:
    def edit(book) -> None:
        states = book["member_states"]
        states.cell(2, _column(book, "member_states", "languages"), " en ,fr, ")
        pledges = book["pledges"]
        pledges.cell(2, _column(book, "pledges", "quantity"), 2.0)  # Excel's numbers are floats
        pledges.cell(2, _column(book, "pledges", "available_from"), dt.datetime(2022, 3, 4))
        pledges.cell(3, _column(book, "pledges", "needs_training"), "yes")
        pledges.cell(3, _column(book, "pledges", "cost_per_unit"), "1200000")
        book["requirements"].cell(2, 1, 2022)  # an id typed as a number

    path = _workbook(tmp_path, _rich(), edit)
    scenario = load_scenario(path)[0]
    assert scenario.member_states[0].languages == ["en", "fr"]
    assert scenario.pledges[0].quantity == 2
    assert scenario.pledges[0].available_from == dt.date(2022, 3, 4)
    assert scenario.pledges[1].needs_training is True
    assert scenario.pledges[1].cost_per_unit == 1.2e6
    assert scenario.requirements[0].id == "2022"


def test_member_states_given_by_iso_code_alone(tmp_path) -> None:
    folder = tmp_path / "s"
    write_csv_folder(scenario_from_data(scenario_data([req("R1")], [pledge("P1")])), folder)
    states = folder / "member_states.csv"
    # as a planner fills the table: Kenya is one cell, Ghana a code and a region of one's own
    states.write_text(states.read_text() + "KEN,,,,\nGHA,,ECOWAS,,\n")
    pledges = folder / "pledges.csv"
    pledges.write_text(pledges.read_text().replace("P1,BBB,", "P1,KEN,"))
    scenario = load_scenario(folder)[0]
    by_id = {state.id: state for state in scenario.member_states}
    kenya, ghana = by_id["KEN"], by_id["GHA"]
    assert (kenya.name, kenya.region, kenya.languages) == ("Kenya", "Africa", ["sw", "en"])
    assert kenya.location == (-1.28, 36.82)  # Nairobi
    assert (ghana.name, ghana.region) == ("Ghana", "ECOWAS")
    assert scenario.pledges[0].state == "KEN"


def test_the_template_has_every_table_notes_and_drop_downs(tmp_path) -> None:
    path = tmp_path / "template.xlsx"
    result = runner.invoke(app, ["template", "-o", str(path)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [*table_names(), "notes"]
    for table, model in collections().items():
        header = [cell.value for cell in book[table][1]]
        assert header == [column.name for column in columns_of(model)]
        assert book[table].freeze_panes == "A2"
    notes = list(book["notes"].iter_rows(min_row=2, values_only=True))
    readiness = next(row for row in notes if row[:2] == ("pledges", "readiness"))
    assert "PCRS" in readiness[2] and "level1" in readiness[3]
    lists = {
        (table, str(validation.sqref).split(":")[0].rstrip("0123456789")): validation.formula1
        for table in collections()
        for validation in book[table].data_validations.dataValidation
    }

    def drop_down(table: str, name: str) -> str:
        return lists[(table, _letter_of(path, table, name))]

    assert drop_down("requirements", "priority") == '"critical,high,normal"'
    assert drop_down("pledges", "readiness") == '"level1,level2,level3,rapid"'
    assert drop_down("pledges", "state") == "=member_states!$A$2:$A$2001"
    assert drop_down("pledges", "capability") == "=capabilities!$A$2:$A$2001"
    assert drop_down("requirements", "mission") == "=missions!$A$2:$A$2001"
    assert drop_down("pledges", "needs_training") == '"TRUE,FALSE"'
    # empty, it names what is missing where it is missing
    outcome = runner.invoke(app, ["validate", str(path)])
    assert outcome.exit_code == 2
    assert "sheet scenario: missing required key 'name'" in outcome.output


def test_a_filled_template_solves(tmp_path) -> None:
    path = tmp_path / "plan.xlsx"
    write_workbook(None, path)
    book = openpyxl.load_workbook(path)
    fields = {row[0].value: row[0].row for row in book["scenario"].iter_rows(min_row=2)}
    book["scenario"].cell(fields["name"], 2, "filled")
    book["scenario"].cell(fields["start"], 2, dt.date(2022, 1, 1))
    rows = {
        "capabilities": [("inf", "Infantry battalion", 850)],
        "member_states": [("KEN",), ("FRA",)],
        "missions": [("M1", "Mission one", "FRA")],
        "requirements": [("R1", "M1", "inf", 2, "critical")],
        "pledges": [("P1", "KEN", "inf", 3, "level2")],
    }
    for sheet, values in rows.items():
        for index, row in enumerate(values, start=2):
            for column, value in enumerate(row, start=1):
                book[sheet].cell(index, column, value)
    book.save(path)
    result = solve_scenario(load_scenario(path)[0])
    assert result.weighted_gap == 0 and result.allocated_units == 2
    # and on to the planner's outputs, without a line of YAML
    plan, page = tmp_path / "plan-out.xlsx", tmp_path / "plan.html"
    command = ["solve", str(path), "-o", str(plan), "--report", str(page)]
    outcome = runner.invoke(app, command)
    assert outcome.exit_code == 0, outcome.output
    assert openpyxl.load_workbook(plan).sheetnames[0] == "summary"
    assert "P1" in page.read_text() and "KEN" in page.read_text()


def test_the_reference_solves_alike_from_yaml_and_from_a_workbook(tmp_path) -> None:
    workbook = tmp_path / "reference.xlsx"
    write_workbook(load_scenario(REFERENCE)[0], workbook)
    from_yaml = solve_scenario(load_scenario(REFERENCE)[0]).to_dict()
    from_workbook = solve_scenario(load_scenario(workbook)[0]).to_dict()
    for result in (from_yaml, from_workbook):
        result.pop("timings"), result.pop("solve_time")
        for stage in result["stages"]:
            stage.pop("seconds")
    assert from_workbook == from_yaml


def test_convert_round_trips_and_guards_what_the_user_has(tmp_path) -> None:
    xlsx, back, folder = tmp_path / "r.xlsx", tmp_path / "r.yaml", tmp_path / "tables"
    for source, target in ((REFERENCE, xlsx), (xlsx, back), (back, folder), (folder, xlsx)):
        result = runner.invoke(app, ["convert", str(source), str(target)])
        assert result.exit_code == 0, result.output
    assert load_scenario(xlsx)[0] == load_scenario(REFERENCE)[0]
    # the same folder again: a folder of its own tables is replaced whole
    assert runner.invoke(app, ["convert", str(back), str(folder)]).exit_code == 0
    # refused before any work, with nothing touched: an input, a folder of other files
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    for target in (xlsx, mine, tmp_path / "r.csv"):
        source = xlsx if target == xlsx else back
        before = target.read_bytes() if target.is_file() else None
        result = runner.invoke(app, ["convert", str(source), str(target)])
        assert result.exit_code == 2, result.output
        assert before is None or target.read_bytes() == before
    assert (mine / "notes.txt").read_text() == "keep me"


def test_a_damaged_workbook_is_a_clear_error(tmp_path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("name: not a workbook\n")
    result = subprocess.run(
        [sys.executable, "-m", "gapsolver.cli", "validate", str(fake)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "not an .xlsx workbook" in result.stderr
    assert "Traceback" not in result.stderr


def _with_sheet_xml(tmp_path: Path, sheet: str, xml: str) -> Path:
    """The template workbook with one sheet's XML replaced."""
    import zipfile

    plain = tmp_path / "plain.xlsx"
    write_workbook(None, plain)
    book = openpyxl.load_workbook(plain)
    number = book.sheetnames.index(sheet) + 1
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == f"xl/worksheets/sheet{number}.xml":
                data = xml.encode()
            target.writestr(item, data)
    return hostile


def test_an_xml_entity_bomb_in_a_workbook_is_refused(tmp_path) -> None:
    # e0 is a word; each next entity is ten of the one before: e9 is 10⁹ words
    entities = '<!ENTITY e0 "boom">' + "".join(
        f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e9;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    hostile = _with_sheet_xml(tmp_path, "pledges", xml)
    with pytest.raises(InputError) as caught:
        load_scenario(hostile)
    assert "cannot read the workbook (EntitiesForbidden" in str(caught.value)


@pytest.mark.slow  # reads 100,000 empty rows before it refuses (about 4 s)
def test_a_sheet_claiming_a_million_rows_is_refused(tmp_path) -> None:
    xml = (
        '<?xml version="1.0"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr">'
        '<is><t>id</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr">'
        "<is><t>x</t></is></c></row></sheetData></worksheet>"
    )
    hostile = _with_sheet_xml(tmp_path, "pledges", xml)
    with pytest.raises(InputError) as caught:
        load_scenario(hostile)
    assert "sheet pledges: more than 100,000 rows" in str(caught.value)
