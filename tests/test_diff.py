"""Plan difference between two results."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import pledge, req, scenario_data
from typer.testing import CliRunner

from gapsolver.cli import app

runner = CliRunner()


def _solve(tmp_path: Path, name: str, data: dict) -> Path:
    source = tmp_path / f"{name}.yaml"
    source.write_text(yaml.safe_dump(data))
    output = tmp_path / f"{name}.json"
    assert runner.invoke(app, ["solve", str(source), "-o", str(output)]).exit_code == 0
    return output


def _data(with_donation: bool) -> dict:
    return scenario_data(
        [req("R1", mission="M2", capability="uh", priority="critical"), req("R2", quantity=1)],
        [
            pledge(
                "P1", state="CCC", capability="uh", needs_equipment={"item": "heli", "per_unit": 3}
            ),
            pledge("P2", state="BBB"),
        ],
        donations=[
            {
                "id": "D1",
                "donor": "DDD",
                "item": "heli",
                "quantity": 3,
                "eligible_recipients": ["CCC"],
            }
        ]
        if with_donation
        else [],
    )


def test_diff_of_a_plan_with_and_without_a_donation(tmp_path: Path) -> None:
    a = _solve(tmp_path, "with", _data(True))
    b = _solve(tmp_path, "without", _data(False))
    out = tmp_path / "diff.json"
    ran = runner.invoke(app, ["diff", str(a), str(b), "-o", str(out)])
    assert ran.exit_code == 0, ran.output
    difference = json.loads(out.read_text())
    first, second = json.loads(a.read_text()), json.loads(b.read_text())
    assert difference["kpis"]["weighted_gap"] == {
        "a": first["weighted_gap"],
        "b": second["weighted_gap"],
        "delta": 100.0,
    }
    assert difference["gaps_opened"] == [
        {"requirement": "R1", "mission": "M2", "gap_a": 0, "gap_b": 1}
    ]
    assert difference["gaps_closed"] == []
    assert difference["assignments_changed"] == [
        {"pledge": "P1", "state": "CCC", "requirement": "R1", "units_a": 1, "units_b": 0}
    ]
    assert difference["donations_redirected"] == [
        {"donation": "D1", "recipient": "CCC", "items_a": 3, "items_b": 0}
    ]
    # and the other way round everything is mirrored
    back = json.loads(runner.invoke(app, ["diff", str(b), str(a), "--json"]).stdout)
    assert back["gaps_closed"] == [{"requirement": "R1", "mission": "M2", "gap_a": 1, "gap_b": 0}]
    assert back["kpis"]["weighted_gap"]["delta"] == -100.0


def test_same_plan_has_no_difference(tmp_path: Path) -> None:
    a = _solve(tmp_path, "with", _data(True))
    same = json.loads(runner.invoke(app, ["diff", str(a), str(a), "--json"]).stdout)
    assert same["gaps_opened"] == same["gaps_closed"] == same["assignments_changed"] == []
    assert all(row["delta"] == 0 for row in same["kpis"].values() if row["delta"] is not None)


def test_bad_inputs_exit_2(tmp_path: Path) -> None:
    a = _solve(tmp_path, "with", _data(True))
    missing = runner.invoke(app, ["diff", str(a), str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and "none.json: file not found" in missing.output
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"scenario": "x"}))
    wrong = runner.invoke(app, ["diff", str(a), str(other)])
    assert wrong.exit_code == 2 and "missing required key 'weighted_gap'" in wrong.output
