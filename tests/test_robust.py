"""Robustness sampling: semantics of reliability, determinism across runs and worker counts, and the
reported distribution against a direct count."""

from __future__ import annotations

import json

from conftest import build, pledge, req, scenario_data
from typer.testing import CliRunner

from gapsolver.analysis.robust import robust, sample_scenario
from gapsolver.cli import app


def scenario():
    return build(
        [req("R", priority="critical"), req("S", mission="M2", priority="normal")],
        [
            pledge("SURE", state="CCC", caveats={"only_missions": ["M2"]}),
            pledge("HALF", reliability=0.5, caveats={"only_missions": ["M1"]}),
            pledge("NEVER", state="DDD", reliability=0.0),
        ],
    )


def test_reliability_one_always_zero_never() -> None:
    for index in range(50):
        sampled, dropped = sample_scenario(scenario(), 3, index)
        ids = {p.id for p in sampled.pledges}
        assert "SURE" in ids and "NEVER" not in ids
        assert "NEVER" in dropped["pledges"]


def test_same_seed_same_numbers_whatever_the_workers() -> None:
    one = robust(scenario(), 40, seed=11, workers=1)
    two = robust(scenario(), 40, seed=11, workers=2)
    assert one == two
    other = robust(scenario(), 40, seed=12, workers=1)
    assert [run.dropped for run in other.runs] != [run.dropped for run in one.runs]


def test_distribution_matches_a_direct_count() -> None:
    report = robust(scenario(), 60, seed=5)
    missing = ["HALF" in sample_scenario(scenario(), 5, index)[1]["pledges"] for index in range(60)]
    # R is short exactly when HALF does not materialize (only HALF can serve it); S is always filled
    rows = {row.requirement: row for row in report.requirements}
    assert rows["R"].short_in == round(sum(missing) / 60, 6)
    assert rows["S"].short_in == 0.0
    assert report.weighted_gap.mean == round(100 * sum(missing) / 60, 6)
    assert report.weighted_gap.worst == 100.0 and report.weighted_gap.best == 0.0
    assert report.to_dict()["nominal"] == {"weighted_gap": 0.0, "gap_units": 0}
    assert 0 < sum(missing) < 60


def test_robust_cli(tmp_path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario().model_dump(mode="json")))
    png = tmp_path / "gaps.png"
    out = tmp_path / "robust.json"
    runner = CliRunner()
    shown = runner.invoke(
        app,
        ["robust", str(path), "--samples", "10", "--seed", "2", "--png", str(png), "-o", str(out)],
    )
    assert shown.exit_code == 0, shown.output
    assert "Requirements most often short" in shown.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(out.read_text())["samples"] == 10
    bad = runner.invoke(app, ["robust", str(path), "--samples", "0"])
    assert bad.exit_code == 2
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(scenario_data([req("R")], [pledge("P", reliability=1.5)])))
    failed = runner.invoke(app, ["robust", str(broken)])
    assert failed.exit_code == 2 and "pledges[0].reliability" in failed.output
