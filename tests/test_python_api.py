"""The Python API for researchers: docs/python-api.md and docs/example.ipynb run as written, a result's
frames hold what the result holds, read_batch holds what the batch stored, and the entry points
agree with the commands they stand for."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas
import pytest
from conftest import pledge, req, scenario_data
from typer.testing import CliRunner

import gapsolver
from gapsolver import (
    InputError,
    Result,
    SolveOptions,
    compare,
    explain,
    load_scenario,
    read_batch,
    scenario_from_data,
    shortfall,
    solve_scenario,
    whatif,
)
from gapsolver.batch.run import local_executor, run_batch
from gapsolver.batch.store import GAP_COLUMNS, RUN_COLUMNS
from gapsolver.cli import app
from gapsolver.exceptions import MissingExtra
from gapsolver.report.reasons import reason_summary
from gapsolver.schema import Scenario
from gapsolver.schema.result import Assignment, DonationUse, TrainingUse

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REFERENCE = ROOT / "scenarios" / "seoul-2021.yaml"

runner = CliRunner()


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(REFERENCE)[0]


@pytest.fixture(scope="module")
def result(scenario: Scenario) -> Result:
    return solve_scenario(scenario)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch working folder holding a copy of scenarios/, as the repository root does."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ---------------------------------------------------------------------------------------------------
# The tour and the notebook run as written


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, re.DOTALL | re.MULTILINE)


def shown_outputs(block: str) -> list[str]:
    """The output a block shows: the comment lines right after a ``print(…)`` line."""
    shown, lines = [], block.splitlines()
    for index, line in enumerate(lines):
        if (
            line.startswith("print(")
            and index + 1 < len(lines)
            and lines[index + 1].startswith("# ")
        ):
            comments = []
            for following in lines[index + 1 :]:
                if not following.startswith("# "):
                    break
                comments.append(following[2:])
            shown.append("\n".join(comments))
    return shown


def run_blocks(blocks: list[str], label: str) -> dict[str, Any]:
    """Run code blocks in order in one namespace; each block's shown outputs must be printed."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for index, block in enumerate(blocks):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(block, f"{label}[{index}]", "exec"), namespace)
        for output in shown_outputs(block):
            assert output in printed.getvalue(), f"{label}[{index}] shows {output!r}"
    return namespace


def test_every_python_block_of_the_tour_runs(workdir: Path) -> None:
    blocks = python_blocks((DOCS / "python-api.md").read_text())
    assert len(blocks) >= 10
    namespace = run_blocks(blocks, "python-api.md")
    assert namespace["result"].weighted_gap == 161
    assert namespace["no_korean_helicopters"].variant.weighted_gap == 571
    assert (workdir / "study.db").is_file()


def test_the_tour_documents_every_entry_point() -> None:
    text = (DOCS / "python-api.md").read_text()
    for name in ("whatif", "robust", "compare", "shortfall", "explain", "read_batch"):
        assert f"| `{name}` | `{name}(" in text, name
        assert f"from gapsolver import {name}" in text, name
    assert "docs/python-api.md" in (ROOT / "README.md").read_text()


def notebook_cells() -> tuple[dict[str, Any], list[str]]:
    notebook = json.loads((DOCS / "example.ipynb").read_text())
    code = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    return notebook, code


def test_the_notebook_is_a_clean_nbformat_4_notebook() -> None:
    notebook, code = notebook_cells()
    assert notebook["nbformat"] == 4
    assert len(code) >= 5
    for cell in notebook["cells"]:
        assert set(cell) >= {"cell_type", "metadata", "source"}
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_the_notebook_runs_and_finds_what_it_says(workdir: Path) -> None:
    _, code = notebook_cells()
    namespace = run_blocks(code, "example.ipynb")
    base, sweep = namespace["base"], namespace["sweep"]
    assert sweep.loc[16, "weighted_gap"] == base.weighted_gap == 161
    assert list(sweep["weighted_gap"]) == [161, 171, 371, 471, 571]
    # fewer helicopters never close a gap
    assert sweep["weighted_gap"].is_monotonic_increasing
    assert sweep["units_short"].is_monotonic_increasing
    withdrawals = namespace["withdrawals"]
    assert withdrawals["weighted_gap_added"].idxmax() == "RWA"
    assert withdrawals.loc["RWA", "weighted_gap_added"] == 130
    surge = namespace["surge"]
    assert surge.loc[1.0, "units_short"] == base.gap_units
    assert (surge.loc[2.0, "units_allocated"], surge.loc[2.0, "units_short"]) == (77, 61)


# ---------------------------------------------------------------------------------------------------
# A result's frames hold what the result holds


def test_the_frames_of_a_result(result: Result) -> None:
    frames = result.to_frames()
    assert list(frames) == ["requirements", "allocation", "donations", "trainings"]
    requirements = frames["requirements"]
    assert len(requirements) == len(result.requirements)
    assert list(requirements["requirement"]) == [r.id for r in result.requirements]
    assert list(requirements["gap"]) == [r.gap for r in result.requirements]
    assert list(requirements["allocated"]) == [r.allocated for r in result.requirements]
    assert requirements["weighted_gap"].sum() == pytest.approx(result.weighted_gap)
    assert requirements["gap"].sum() == result.gap_units
    assert requirements["priority"].cat.ordered
    assert list(requirements["priority"].cat.categories) == ["critical", "high", "normal"]
    for outcome, text, types in zip(
        result.requirements, requirements["reasons"], requirements["reason_types"], strict=True
    ):
        assert text == "\n".join(reason_summary(reason) for reason in outcome.reasons)
        assert types == ", ".join(dict.fromkeys(reason.type for reason in outcome.reasons))
        assert bool(text) == bool(outcome.gap)  # the reasons cover every unfilled unit

    allocation = frames["allocation"]
    assert len(allocation) == len(result.assignments)
    assert allocation["units"].sum() == result.allocated_units
    per_requirement = allocation.groupby("requirement")["units"].sum()
    for outcome in result.requirements:
        assert per_requirement.get(outcome.id, 0) == outcome.allocated
    assert pandas.api.types.is_datetime64_any_dtype(allocation["ready"])
    assert list(allocation.columns) == list(Assignment.model_fields)

    donations = frames["donations"]
    assert len(donations) == len(result.donations)
    assert donations["items"].sum() == sum(use.items for use in result.donations)
    assert list(donations.columns) == [
        "fills" if name == "requirements" else name for name in DonationUse.model_fields
    ]
    trainings = frames["trainings"]
    assert len(trainings) == len(result.trainings)
    assert trainings["seats_used"].sum() == sum(use.seats_used for use in result.trainings)
    assert list(trainings.columns) == list(TrainingUse.model_fields)


def test_a_result_read_back_from_its_json_has_the_same_frames(result: Result) -> None:
    again = Result.from_json(json.dumps(result.to_dict()))
    for name, frame in result.to_frames().items():
        pandas.testing.assert_frame_equal(again.to_frames()[name], frame)


def test_an_empty_plan_has_empty_frames_with_their_columns() -> None:
    nothing = scenario_from_data(
        scenario_data([req("R1", quantity=2, capability="uh")], [pledge("P1", capability="inf")])
    )
    plan = solve_scenario(nothing)
    frames = plan.to_frames()
    assert len(frames["requirements"]) == 1 and frames["requirements"]["gap"].iloc[0] == 2
    for name, fields in (("allocation", Assignment), ("donations", DonationUse)):
        assert frames[name].empty
        assert len(frames[name].columns) == len(fields.model_fields)


def test_a_plan_without_reasons_has_empty_reason_texts(scenario: Scenario) -> None:
    plan = solve_scenario(scenario, reasons=False)
    requirements = plan.to_frames()["requirements"]
    assert requirements["gap"].sum() == plan.gap_units > 0
    assert (requirements["reasons"] == "").all()


def test_frames_without_pandas_name_the_frames_extra(
    monkeypatch: pytest.MonkeyPatch, result: Result, tmp_path: Path
) -> None:
    for name in [m for m in sys.modules if m == "pandas" or m.startswith("pandas.")]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingExtra) as raised:
        result.to_frames()
    assert str(raised.value) == (
        "Result.to_frames() needs pandas, which is not installed: pip install 'gapsolver[frames]'"
    )
    with pytest.raises(MissingExtra, match=r"read_batch\(\) needs pandas.*gapsolver\[frames\]"):
        read_batch(tmp_path / "any.db")


def test_to_frames_works_through_the_public_api_and_says_so_otherwise() -> None:
    """The frames are built in the report layer and attached to Result when that module is loaded:
    the public names that hand out results load it; a program that reaches past them is told what
    to import."""
    public = (
        "from gapsolver import load_scenario, solve_scenario; "
        "scenario, _ = load_scenario('scenarios/seoul-2021.yaml'); "
        "print(len(solve_scenario(scenario).to_frames()['requirements']))"
    )
    deep = (
        "from gapsolver.preprocess.load import load_scenario; "
        "from gapsolver.solve.pipeline import solve_scenario; "
        "scenario, _ = load_scenario('scenarios/seoul-2021.yaml'); "
        "solve_scenario(scenario).to_frames()"
    )
    done = subprocess.run(
        [sys.executable, "-c", public], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.stdout.strip() == "42", done.stderr
    done = subprocess.run(
        [sys.executable, "-c", deep], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 1
    assert "import gapsolver.report.frames" in done.stderr.splitlines()[-1], done.stderr


# ---------------------------------------------------------------------------------------------------
# read_batch holds what the batch stored, and changes nothing


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("batch")
    spec = folder / "study.yaml"
    spec.write_text(
        f"name: tiny\nscenarios: [{REFERENCE}]\n"
        "sweeps:\n  - name: korea\n    parameter: donations[KOR-UH-2021].quantity\n"
        "    values: [0, 16]\n"
        "strategies: [optimal, greedy]\n"
    )
    database = folder / "study.db"
    summary = run_batch(spec, database, local_executor(1))
    assert summary.ran == 6 and not summary.failed
    return database


def count(database: Path, table: str) -> int:
    connection = sqlite3.connect(database)
    try:
        return int(connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        connection.close()


def test_read_batch_has_every_run_and_every_gap(batch: Path, result: Result) -> None:
    before = batch.read_bytes()
    runs = read_batch(batch)
    assert len(runs) == count(batch, "runs") == 6
    assert list(runs.columns) == list(RUN_COLUMNS)
    assert list(runs["run_key"]) == sorted(runs["run_key"])
    base = runs[(runs["case_kind"] == "base") & (runs["strategy"] == "optimal")]
    assert list(base["weighted_gap"]) == [result.weighted_gap]
    assert list(base["allocated_units"]) == [result.allocated_units]
    gaps = read_batch(batch, gaps=True)
    assert len(gaps) == count(batch, "requirement_gaps") == 6 * len(result.requirements)
    assert list(gaps.columns) == list(GAP_COLUMNS)
    per_run = gaps.groupby("run_key")["gap"].sum()
    assert (per_run == runs.set_index("run_key")["gap_units"]).all()
    assert batch.read_bytes() == before


def test_read_batch_of_a_file_that_is_not_a_batch(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    other.write_text("not a database")
    with pytest.raises(InputError, match="not a gapsolver results database"):
        read_batch(other)
    with pytest.raises(InputError, match="no such results database"):
        read_batch(tmp_path / "missing.db")


# ---------------------------------------------------------------------------------------------------
# The entry points agree with the commands


def cli_json(*arguments: str) -> Any:
    done = runner.invoke(app, [*arguments, "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    data.pop("manifest", None)  # the command line records how it ran; the API leaves that to you
    return data


def test_whatif_is_the_whatif_command(scenario: Scenario) -> None:
    answer = whatif(scenario, without=["KOR-UH-2021"])
    assert answer.difference.to_dict() == cli_json(
        "whatif", str(REFERENCE), "--without", "KOR-UH-2021"
    )
    assert answer.base.weighted_gap == 161 and answer.variant.weighted_gap == 571
    assert "KOR-UH-2021" not in {donation.id for donation in answer.scenario.donations}
    assert not answer.variant.donations


def test_whatif_takes_variants_changes_and_withdrawals_together(scenario: Scenario) -> None:
    variants = ROOT / "scenarios" / "seoul-2021-variants.yaml"
    answer = whatif(
        scenario,
        [{"set": {"requirements[MINUSMA-QRF].quantity": 3}}],
        variants="minusma-surge",
        variants_file=variants,
        without_states="BGD",
    )
    assert answer.difference.variants == ["minusma-surge"]
    assert answer.difference.changes[-2:] == [
        {"set": {"requirements[MINUSMA-QRF].quantity": 3}},
        {"remove": {"states": ["BGD"]}},
    ]
    assert {r.id: r.quantity for r in answer.scenario.requirements}["MINUSMA-QRF"] == 3
    command = cli_json(
        "whatif",
        str(REFERENCE),
        "-f",
        str(variants),
        "-v",
        "minusma-surge",
        "--without-state",
        "BGD",
    )
    with_file_only = whatif(
        scenario, variants=["minusma-surge"], variants_file=variants, without_states=["BGD"]
    )
    assert with_file_only.difference.to_dict() == command


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "no change given"),
        ({"variants": ["minusma-surge"]}, "needs variants_file"),
        ({"variants_file": "scenarios/seoul-2021-variants.yaml"}, "say which variants"),
        ({"without": ["NOPE"]}, "without: no pledge, donation or training has the id 'NOPE'"),
        ({"without_states": "XXX"}, "without_states: unknown member state 'XXX'"),
        ({"changes": [{"set": {"pledges[NOPE].quantity": 2}}]}, "no pledge matches 'NOPE'"),
        ({"changes": [{"sett": {}}]}, "sett"),
    ],
)
def test_whatif_refuses_what_the_command_refuses(
    scenario: Scenario, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        whatif(scenario, **arguments)


def test_compare_takes_scenarios_as_python_has_them(scenario: Scenario) -> None:
    by_label = compare({"reference": scenario}, strategies=["optimal", "greedy"])
    assert [(row.scenario, row.strategy) for row in by_label.rows] == [
        ("reference", "optimal"),
        ("reference", "greedy"),
    ]
    assert by_label.rows[0].weighted_gap == 161 and by_label.rows[0].ratio_to_optimal == 1
    one = compare(scenario, "greedy", SolveOptions(time_limit=60))
    assert [(row.scenario, row.strategy) for row in one.rows] == [(scenario.name, "greedy")]
    assert one.rows[0].weighted_gap == by_label.rows[1].weighted_gap


def test_shortfall_and_explain_are_their_commands(scenario: Scenario) -> None:
    assert shortfall(scenario).model_dump(mode="json") == cli_json("shortfall", str(REFERENCE))
    assert shortfall(scenario, "all").model_dump(mode="json") == cli_json(
        "shortfall", str(REFERENCE), "--all"
    )
    story = explain(scenario, "MINUSMA-AH", verify=True)
    assert story.model_dump(mode="json") == cli_json(
        "explain", str(REFERENCE), "--requirement", "MINUSMA-AH", "--verify"
    )
    with pytest.raises(InputError, match="'critical' or 'all'"):
        shortfall(scenario, "some")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="requirement: unknown requirement 'NOPE'"):
        explain(scenario, "NOPE")


def test_robust_is_public_and_reproducible(scenario: Scenario) -> None:
    first = gapsolver.robust(scenario, samples=5, seed=3)
    assert first == gapsolver.robust(scenario, samples=5, seed=3)
    assert first.nominal.weighted_gap == 161 and len(first.runs) == 5


def test_the_entry_points_are_public_names() -> None:
    for name in ("whatif", "WhatIf", "robust", "compare", "shortfall", "explain", "read_batch"):
        assert name in gapsolver.__all__ and callable(getattr(gapsolver, name)), name
