"""Figures in the format their extension names (PNG, SVG, PDF), the same bytes for the same input,
and a partnership drawing that shows possible deployments without a plan and marks the gaps with
one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import pledge, req, scenario_data
from typer.testing import CliRunner

from gapsolver.cli import app
from gapsolver.preprocess.load import scenario_from_data
from gapsolver.report.graph import possible_deployments

REFERENCE = str(Path(__file__).resolve().parent.parent / "scenarios" / "seoul-2021.yaml")
runner = CliRunner()
MAGIC = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_robust_draws_in_the_format_of_its_extension_reproducibly(tmp_path, suffix) -> None:
    first, second = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    for target in (first, second):
        command = ["robust", REFERENCE, "--samples", "5", "--seed", "3", "--png", str(target)]
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
    assert first.read_bytes().startswith(MAGIC[suffix])
    assert first.read_bytes() == second.read_bytes()


def test_an_image_format_it_does_not_write_is_refused(tmp_path) -> None:
    command = ["robust", REFERENCE, "--samples", "2", "--png", str(tmp_path / "a.gif")]
    result = runner.invoke(app, command)
    assert result.exit_code == 2
    assert not (tmp_path / "a.gif").exists()


def test_possible_deployments_follow_the_eligibility_rules() -> None:
    scenario = scenario_from_data(
        scenario_data(
            [req("R1"), req("R2", mission="M2"), req("R3", mission="M2", capability="uh")],
            [
                pledge("P1"),
                pledge("P2", caveats={"exclude_missions": ["M2"]}),
                pledge("P3", state="CCC", caveats={"only_missions": ["M2"]}),
                pledge("P4", state="AAA"),  # AAA hosts M2: it never contributes there
            ],
        )
    )
    assert possible_deployments(scenario) == {
        ("AAA", "M1"): 1,
        ("BBB", "M1"): 2,
        ("BBB", "M2"): 1,
        ("CCC", "M2"): 1,
    }


def test_the_drawing_shows_offers_without_a_plan_and_gaps_with_one(tmp_path) -> None:
    offers = tmp_path / "offers.svg"
    assert runner.invoke(app, ["graph", REFERENCE, "--export", str(offers)]).exit_code == 0
    text = offers.read_text()
    assert "possible deployment" in text and "member states" in text and "MINUSMA" in text
    assert "short" not in text.replace("donor or trainer", "")

    result_file, plan = tmp_path / "r.json", tmp_path / "plan.svg"
    assert runner.invoke(app, ["solve", REFERENCE, "-o", str(result_file)]).exit_code == 0
    command = ["graph", REFERENCE, "--result", str(result_file), "--export", str(plan)]
    assert runner.invoke(app, command).exit_code == 0
    drawn = plan.read_text()
    gaps: dict[str, int] = {}
    for requirement in json.loads(result_file.read_text())["requirements"]:
        gaps[requirement["mission"]] = gaps.get(requirement["mission"], 0) + requirement["gap"]
    assert any(gaps.values())
    for mission, gap in gaps.items():
        assert (f"{mission}  (short {gap})" in drawn) == (gap > 0), mission
    assert "possible deployment" not in drawn and "units deployed" in drawn
