"""The `gapsolver` command end to end: exit codes, tables, JSON, atomic output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import pledge, req, scenario_data
from typer.testing import CliRunner

from gapsolver.cli import app

runner = CliRunner()


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    data = scenario_data(
        [req("R1", quantity=2, priority="critical"), req("R2", mission="M2", capability="uh")],
        [pledge("P1", quantity=1, women_share=0.2, cost_per_unit=1000.0)],
    )
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_solve_prints_tables_and_writes_json(scenario_file: Path, tmp_path: Path) -> None:
    output = tmp_path / "result.json"
    result = runner.invoke(app, ["solve", str(scenario_file), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "R1" in result.output and "weighted gap" in result.output
    data = json.loads(output.read_text())
    assert data["status"] == "optimal"
    assert data["weighted_gap"] == 101  # one critical unit and the normal helicopter unit short
    assert data["gap_units"] == 2
    reasons = data["requirements"][0].pop("reasons")
    assert [(r["type"], r["units"], r["eligible_pledges"]) for r in reasons] == [
        ("no_eligible_pledge", 1, ["P1"])
    ]
    assert data["requirements"][0] == {
        "id": "R1",
        "mission": "M1",
        "capability": "inf",
        "priority": "critical",
        "weight": 100.0,
        "quantity": 2,
        "allocated": 1,
        "gap": 1,
        "weighted_gap": 100.0,
    }
    assert [
        (a["pledge"], a["requirement"], a["units"], a["training"]) for a in data["assignments"]
    ] == [("P1", "R1", 1, None)]
    assert data["solver"] == "highs" and data["mip_gap"] == 0.0
    assert data["cost"] == 1000.0 and data["women_share"] == 0.2
    for key in ("scenario", "donations", "solve_time", "stages", "timings"):
        assert key in data


def test_both_solvers_agree_from_the_command_line(scenario_file: Path) -> None:
    values = []
    for solver in ("highs", "cbc"):
        result = runner.invoke(app, ["solve", str(scenario_file), "--solver", solver, "--json"])
        assert result.exit_code == 0, result.output
        values.append(json.loads(result.stdout)["weighted_gap"])
    assert values[0] == values[1] == 101


def test_json_on_stdout_is_clean_in_a_real_process(scenario_file: Path) -> None:
    # HiGHS prints a banner on the C-level stdout the first time it starts; it must not reach ours.
    completed = subprocess.run(
        [sys.executable, "-m", "gapsolver.cli", "solve", str(scenario_file), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["weighted_gap"] == 101


def test_bad_input_exits_2_without_traceback_and_keeps_old_output(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstart: 2022-01-01\npledges:\n  - {id: P1}\n")
    output = tmp_path / "result.json"
    output.write_text("precious")
    result = runner.invoke(app, ["solve", str(bad), "-o", str(output)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "pledges[0]: missing required key 'state'" in result.output
    assert output.read_text() == "precious"


def test_validate(scenario_file: Path) -> None:
    result = runner.invoke(app, ["validate", str(scenario_file)])
    assert result.exit_code == 0
    assert "valid" in result.output


def test_missing_file_exits_2() -> None:
    result = runner.invoke(app, ["validate", "nowhere.yaml"])
    assert result.exit_code == 2
    assert "nowhere.yaml: file not found" in result.output


def test_unknown_solver_is_a_usage_error(scenario_file: Path) -> None:
    result = runner.invoke(app, ["solve", str(scenario_file), "--solver", "gurobi"])
    assert result.exit_code == 2


def test_output_into_missing_folder_is_refused_before_solving(
    scenario_file: Path, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["solve", str(scenario_file), "-o", str(tmp_path / "no" / "r.json")]
    )
    assert result.exit_code == 2
    assert "Solving" not in result.output
    assert "does not exist" in result.output


def test_output_replaced_atomically(scenario_file: Path, tmp_path: Path) -> None:
    output = tmp_path / "result.json"
    output.write_text("old")
    os.chmod(output, 0o640)
    assert runner.invoke(app, ["solve", str(scenario_file), "-o", str(output)]).exit_code == 0
    assert json.loads(output.read_text())["weighted_gap"] == 101
    assert output.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_schema_is_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["additionalProperties"] is False
    assert {"name", "start"} <= set(schema["required"])
    pledge_schema = schema["$defs"]["Pledge"]
    assert pledge_schema["properties"]["readiness"]["$ref"].endswith("Readiness")
    assert "description" in pledge_schema["properties"]["needs_training"]


def test_solve_shows_ten_warnings_and_validate_all(tmp_path: Path) -> None:
    data = scenario_data(
        [req("R1")], [pledge(f"P{i}", capability="uh", needs_training=True) for i in range(13)]
    )
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(data))
    solved = runner.invoke(app, ["solve", str(path)])
    assert solved.exit_code == 0
    assert solved.output.count("cannot deploy") == 10
    assert "… and 3 more (`gapsolver validate" in solved.output
    validated = runner.invoke(app, ["validate", str(path)])
    assert validated.output.count("cannot deploy") == 13
