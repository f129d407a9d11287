"""`gapsolver solve --stochastic` and `gapsolver robust --plan` on the command line: the files they
write, the out-of-sample comparison docs/alternatives.md reports, replay, and every misuse refused
before any work."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gapsolver.cli import app
from gapsolver.schema.stochastic import PlanComparison, PlanEvaluation, StochasticReport

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "scenarios/seoul-2021.yaml"
runner = CliRunner()


def gapsolver_cli(*arguments: str) -> Any:
    return runner.invoke(app, list(arguments))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "scenarios").mkdir()
    shutil.copy(ROOT / SCENARIO, tmp_path / SCENARIO)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def plans(workdir: Path) -> tuple[Path, Path]:
    """The deterministic plan (`solve -o`) and the stochastic plan over 50 samples of seed 1."""
    done = gapsolver_cli("solve", SCENARIO, "-o", "deterministic.json")
    assert done.exit_code == 0, done.output
    done = gapsolver_cli("solve", SCENARIO, "--stochastic", "50", "--seed", "1", "-o", "sp.json")
    assert done.exit_code == 0, done.output
    return workdir / "deterministic.json", workdir / "sp.json"


def test_the_stochastic_plan_holds_out_of_sample(plans: tuple[Path, Path], workdir: Path) -> None:
    """docs/alternatives.md: on 500 fresh samples (seed 1001) the stochastic plan's mean weighted
    gap is no worse than the deterministic plan's; in sample WS ≤ SP ≤ EEV."""
    report = StochasticReport.model_validate(json.loads(plans[1].read_text()))
    assert report.ordered and report.status.value == "optimal"
    assert report.ws.objective <= report.sp.objective <= report.eev.objective
    assert report.vss == pytest.approx(report.eev.objective - report.sp.objective)
    assert report.manifest is not None and report.manifest.options["stochastic"] == 50

    done = gapsolver_cli(
        "robust", SCENARIO, "--plan", "deterministic.json", "--plan", "sp.json",
        "--samples", "500", "--seed", "1001", "--png", "out-of-sample.png", "-o", "cmp.json",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    comparison = PlanComparison.model_validate(json.loads((workdir / "cmp.json").read_text()))
    ours, theirs = comparison.evaluations[1], comparison.evaluations[0]
    assert (theirs.label, ours.label) == ("deterministic.json", "sp.json")
    assert (theirs.source, ours.source) == ("deterministic", "stochastic")
    assert ours.weighted_gap.mean <= theirs.weighted_gap.mean
    pair = comparison.pairs[0]
    assert pair.first_better + pair.second_better + pair.tied == 500
    gaps = [(a.weighted_gap, b.weighted_gap) for a, b in zip(theirs.runs, ours.runs, strict=True)]
    assert pair.second_better == sum(b < a for a, b in gaps)
    assert pair.mean_difference == pytest.approx(sum(a - b for a, b in gaps) / 500, abs=1e-6)
    assert (workdir / "out-of-sample.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Sample by sample" in done.stdout

    for written in ("sp.json", "cmp.json"):
        replayed = gapsolver_cli("replay", written)
        assert replayed.exit_code == 0, replayed.output
        assert "no difference" in replayed.stdout


def test_one_plan_is_judged_and_a_changed_plan_file_stops_replay(
    plans: tuple[Path, Path], workdir: Path
) -> None:
    done = gapsolver_cli(
        "robust", SCENARIO, "--plan", "sp.json", "--samples", "30", "--cvar", "0.8",
        "-o", "one.json",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    evaluation = PlanEvaluation.model_validate(json.loads((workdir / "one.json").read_text()))
    assert evaluation.source == "stochastic" and evaluation.samples == 30
    worst = sorted(run.weighted_gap for run in evaluation.runs)[-6:]  # the worst 20 % of 30
    assert evaluation.cvar == pytest.approx(sum(worst) / 6)
    # the evaluation file itself holds the plan it judged: it can be judged again
    again = gapsolver_cli("robust", SCENARIO, "--plan", "one.json", "--samples", "30", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["weighted_gap"] == evaluation.to_dict()["weighted_gap"]

    data = json.loads(plans[1].read_text())
    data["vss"] = -1.0
    plans[1].write_text(json.dumps(data))
    done = gapsolver_cli("replay", "one.json")
    assert done.exit_code == 2
    assert "sp.json" in done.output and "changed" in done.output


def test_the_workbook_holds_the_printed_tables(workdir: Path) -> None:
    from openpyxl import load_workbook

    done = gapsolver_cli("solve", SCENARIO, "--stochastic", "8", "-o", "sp.xlsx")
    assert done.exit_code == 0, done.output
    sheets = load_workbook(workdir / "sp.xlsx").sheetnames
    assert any(name.startswith("Weighted gap") for name in sheets), sheets
    assert any(name.startswith("Pledges called") for name in sheets), sheets


@pytest.mark.parametrize(
    ("arguments", "messages"),
    [
        (
            ["solve", SCENARIO, "--seed", "3", "--cvar", "0.9", "--seats-by-state"],
            [
                "--seed: only with --stochastic N",
                "--cvar: only with --stochastic N",
                "--seats-by-state: only with --stochastic N",
            ],
        ),
        (
            [
                "solve",
                SCENARIO,
                "--stochastic",
                "5",
                "--shortfall",
                "--strategy",
                "greedy",
                "--donation-impact",
                "--cvar-weight",
                "2",
            ],
            [
                "--shortfall: not with --stochastic",
                "--strategy: not with --stochastic",
                "--donation-impact: not with --stochastic",
                "--cvar-weight: only with --cvar",
            ],
        ),
        (["robust", SCENARIO, "--cvar", "0.9"], ["--cvar: only with --plan"]),
        (
            ["robust", SCENARIO, "--plan", SCENARIO, "--plan", "missing.json"],
            [f"{SCENARIO}: not a committed plan", "missing.json: file not found"],
        ),
        (
            ["robust", SCENARIO, "--plan", SCENARIO, "--samples", "6000"],
            ["--samples: at most 5,000 with --plan"],
        ),
    ],
    ids=["stochastic-options-alone", "not-with-stochastic", "cvar-alone", "bad-plans", "too-many"],
)
def test_misuse_is_refused_all_at_once(
    workdir: Path, arguments: list[str], messages: list[str]
) -> None:
    done = gapsolver_cli(*arguments, "-o", "out.json")
    assert done.exit_code == 2, done.output
    text = " ".join(done.output.split())
    for message in messages:
        assert message in text, (message, text)
    assert not (workdir / "out.json").exists()


def test_a_plan_file_is_an_input_not_an_output(plans: tuple[Path, Path], workdir: Path) -> None:
    before = plans[1].read_bytes()
    done = gapsolver_cli("robust", SCENARIO, "--plan", "sp.json", "-o", "sp.json")
    assert done.exit_code == 2 and "input" in done.output
    assert plans[1].read_bytes() == before


def test_a_time_limit_says_which_stage_is_not_proven(workdir: Path) -> None:
    done = gapsolver_cli(
        "solve", SCENARIO, "--stochastic", "50", "--seed", "1", "--time-limit", "0.05",
        "-o", "sp.json",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    report = StochasticReport.model_validate(json.loads((workdir / "sp.json").read_text()))
    assert report.ws.objective <= report.sp.objective <= report.eev.objective  # never worse
    unproven = [stage for stage in report.stages if stage.status.value != "optimal"]
    assert report.status.value == ("feasible" if unproven else "optimal")
    rows = {
        line.split("│")[1].strip(): line for line in done.stdout.splitlines() if "stage " in line
    }
    for number, stage in enumerate(report.stages, 1):
        row = rows[f"stage {number}: {stage.objective.replace('_', ' ')}"]
        assert stage.status.value.replace("_", " ") in row


def test_plan_labels_tell_every_plan_apart() -> None:
    from gapsolver.analysis.stochastic import plan_labels

    given = [Path("a.json"), Path("./a.json"), Path("b/a.json"), Path("c.json")]
    assert plan_labels(given) == ["a.json (1)", "a.json (2)", "b/a.json", "c.json"]
