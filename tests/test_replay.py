"""Runs anyone can replay: every result a command writes carries a manifest (gapsolver's version, the
SHA-256 of each input, every option, the solver and its version, seeds, platform), `gapsolver replay`
re-runs it and reports an empty difference, names what differs (exit 1) or a changed input (exit 2);
and the same input and options give the same result, timings aside, with either solver and `auto`."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer
from golden import without_timings
from typer.testing import CliRunner

import gapsolver
from gapsolver import load_scenario, solve_scenario
from gapsolver.analysis.replay import IGNORED_KEYS, json_differences
from gapsolver.batch.run import local_executor, run_batch
from gapsolver.batch.store import BATCH_COLUMNS, SCHEMA, connect
from gapsolver.cli import app
from gapsolver.cli.replay import replay
from gapsolver.runtime.version import GAPSOLVER_VERSION
from gapsolver.schema.manifest import Manifest, build_manifest
from gapsolver.schema.result import Result

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "scenarios/seoul-2021.yaml"
VARIANTS = "scenarios/seoul-2021-variants.yaml"
runner = CliRunner()


def _with_replay() -> typer.Typer:
    """The gapsolver app with `replay` (registered here until gapsolver.cli registers it)."""
    names = {
        command.name or getattr(command.callback, "__name__", "")
        for command in app.registered_commands
    }
    if "replay" in names:
        return app
    local = typer.Typer()
    local.callback()(lambda: None)
    for command in app.registered_commands:
        local.registered_commands.append(command)
    local.command()(replay)
    return local


APP = _with_replay()


def gapsolver_cli(*arguments: str) -> Any:
    return runner.invoke(APP, list(arguments))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding the reference scenario and its variants at the README's relative paths,
    made the current folder."""
    (tmp_path / "scenarios").mkdir()
    for name in (SCENARIO, VARIANTS):
        shutil.copy(ROOT / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def readme_result(workdir: Path) -> Path:
    """The README's main job: `gapsolver solve scenarios/seoul-2021.yaml -o seoul-2021-result.json`."""
    done = gapsolver_cli("solve", SCENARIO, "-o", "seoul-2021-result.json")
    assert done.exit_code == 0, done.output
    return workdir / "seoul-2021-result.json"


# --------------------------------------------------------------------------------------------------
# The manifest


def test_the_manifest_names_versions_inputs_options_and_platform(readme_result: Path) -> None:
    data = json.loads(readme_result.read_text())
    manifest = Manifest.model_validate(data["manifest"])
    scenario_bytes = (readme_result.parent / SCENARIO).read_bytes()
    assert manifest.gapsolver == gapsolver.__version__ == GAPSOLVER_VERSION
    assert manifest.command == "solve"
    assert [(i.path, i.sha256, i.bytes) for i in manifest.inputs] == [
        (SCENARIO, hashlib.sha256(scenario_bytes).hexdigest(), len(scenario_bytes))
    ]
    assert manifest.options == {
        "scenario": SCENARIO,
        "strategy": "optimal",
        "solver": "highs",
        "time_limit": None,
        "suitability_gap": 1e-4,
        "donation_impact": False,
    }
    assert manifest.solver is not None and manifest.solver.name == "highs"
    assert manifest.solver.versions == {"highspy": importlib.metadata.version("highspy")}
    assert manifest.seeds == {}
    assert manifest.platform.python == platform.python_version()
    assert manifest.platform.machine == platform.machine()
    assert manifest.platform.libraries["numpy"] == importlib.metadata.version("numpy")
    assert "created" not in data["manifest"]  # no clock time: the same run, the same manifest
    # the result file, manifest and all, reads back as a Result
    assert Result.from_json(readme_result.read_text()).manifest == manifest


def test_the_version_is_the_packages() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == GAPSOLVER_VERSION == gapsolver.__version__


def test_a_results_manifest_comes_from_the_command_not_the_python_api() -> None:
    scenario, _ = load_scenario(ROOT / SCENARIO)
    assert solve_scenario(scenario).to_dict()["manifest"] is None


def test_a_csv_folder_is_hashed_table_by_table(workdir: Path) -> None:
    assert gapsolver_cli("convert", SCENARIO, "seoul-csv").exit_code == 0
    done = gapsolver_cli("solve", "seoul-csv", "-o", "csv.json")
    assert done.exit_code == 0, done.output
    inputs = json.loads((workdir / "csv.json").read_text())["manifest"]["inputs"]
    tables = sorted((workdir / "seoul-csv").glob("*.csv"))
    assert [entry["path"] for entry in inputs] == [f"seoul-csv/{t.name}" for t in tables]
    assert {entry["folder"] for entry in inputs} == {"seoul-csv"}
    assert inputs[0]["sha256"] == hashlib.sha256(tables[0].read_bytes()).hexdigest()
    assert "no difference" in gapsolver_cli("replay", "csv.json").output
    (workdir / "seoul-csv" / "notes.csv").write_text("")  # a table the folder did not have
    done = gapsolver_cli("replay", "csv.json")
    assert done.exit_code == 2
    assert "seoul-csv/notes.csv: added to the folder since the run" in done.output


def test_build_manifest_records_options_as_json(tmp_path: Path) -> None:
    file = tmp_path / "a.yaml"
    file.write_text("x: 1\n")
    manifest = build_manifest(
        "alternatives",
        [file],
        {"scenario": file, "count": 3, "names": ("a", "b")},
        "auto",
        {"x": 4},
    )
    assert manifest.options == {"scenario": str(file), "count": 3, "names": ["a", "b"]}
    assert manifest.seeds == {"x": 4}
    assert manifest.solver is not None and "highspy" in manifest.solver.versions
    assert build_manifest("solve", [file], {}, None).solver is None


# --------------------------------------------------------------------------------------------------
# Replay


def test_replaying_the_readme_result_gives_no_difference(readme_result: Path) -> None:
    done = gapsolver_cli("replay", "seoul-2021-result.json")
    assert done.exit_code == 0, done.output
    assert "no difference" in done.stdout
    assert "1 input file unchanged" in done.stdout
    report = json.loads(gapsolver_cli("replay", "seoul-2021-result.json", "--json").stdout)
    assert report["differences"] == [] and report["command"] == "solve"


def test_replay_from_another_folder_with_root(
    readme_result: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert gapsolver_cli("replay", str(readme_result)).exit_code == 2  # inputs not found here
    done = gapsolver_cli("replay", str(readme_result), "--root", str(readme_result.parent))
    assert done.exit_code == 0, done.output


def test_a_changed_input_is_named_exit_2(readme_result: Path) -> None:
    scenario = readme_result.parent / SCENARIO
    scenario.write_text(scenario.read_text().replace("quantity: 4", "quantity: 5", 1))
    done = gapsolver_cli("replay", "seoul-2021-result.json")
    assert done.exit_code == 2, done.output
    assert f"{SCENARIO}: changed since the run recorded in seoul-2021-result.json" in done.output
    scenario.unlink()
    done = gapsolver_cli("replay", "seoul-2021-result.json")
    assert done.exit_code == 2
    assert f"{SCENARIO}: missing" in done.output


def test_a_tampered_result_names_each_path_and_both_values_exit_1(readme_result: Path) -> None:
    data = json.loads(readme_result.read_text())
    units = data["assignments"][3]["units"]
    data["assignments"][3]["units"] = units + 1
    data["weighted_gap"] = 160.0
    readme_result.write_text(json.dumps(data, indent=2))
    done = gapsolver_cli("replay", "seoul-2021-result.json")
    assert done.exit_code == 1, done.output
    assert "2 differences (recorded → replayed):" in done.stdout
    assert "weighted_gap: 160.0 → 161.0" in done.stdout
    assert f"assignments[3].units: {units + 1} → {units}" in done.stdout
    assert "Assignments changed" in done.stdout  # the plan difference, as `gapsolver diff` shows it
    report = json.loads(gapsolver_cli("replay", "seoul-2021-result.json", "--json").stdout)
    assert report["differences"] == [
        {"path": "weighted_gap", "recorded": 160.0, "replayed": 161.0},
        {"path": "assignments[3].units", "recorded": units + 1, "replayed": units},
    ]


def test_timings_are_not_differences(readme_result: Path) -> None:
    data = json.loads(readme_result.read_text())
    data["solve_time"] = 99.0
    data["timings"]["encode"] = 99.0
    data["stages"][0]["seconds"] = 99.0
    readme_result.write_text(json.dumps(data))
    assert gapsolver_cli("replay", "seoul-2021-result.json").exit_code == 0


@pytest.mark.parametrize(
    "arguments",
    [
        ["whatif", SCENARIO, "-f", VARIANTS, "-v", "minusma-surge", "--without-state", "BGD"],
        ["robust", SCENARIO, "--samples", "6", "--seed", "3", "--workers", "1"],
        ["compare", "scenarios/*.yaml", "--strategies", "optimal,greedy"],
        ["solve", SCENARIO, "--strategy", "sequential", "--donation-impact"],
    ],
    ids=["whatif", "robust", "compare", "solve-sequential-impact"],
)
def test_every_command_replays_with_no_difference(workdir: Path, arguments: list[str]) -> None:
    if arguments[0] == "compare":  # a glob: the manifest keeps the files it matched
        shutil.copy(ROOT / SCENARIO, workdir / "scenarios" / "copy.yaml")
        (workdir / VARIANTS).unlink()
    done = gapsolver_cli(*arguments, "-o", "out.json")
    assert done.exit_code == 0, done.output
    manifest = json.loads((workdir / "out.json").read_text())["manifest"]
    assert manifest["command"] == arguments[0]
    if arguments[0] == "robust":
        assert manifest["seeds"] == {"seed": 3}
    if arguments[0] == "compare":
        assert manifest["options"]["scenarios"] == ["scenarios/copy.yaml", SCENARIO]
    done = gapsolver_cli("replay", "out.json")
    assert done.exit_code == 0, done.output
    assert "no difference" in done.stdout


def test_a_tampered_analysis_output_names_the_path(workdir: Path) -> None:
    done = gapsolver_cli("robust", SCENARIO, "--samples", "4", "--workers", "1", "-o", "r.json")
    assert done.exit_code == 0, done.output
    data = json.loads((workdir / "r.json").read_text())
    recorded = data["runs"][2]["gap_units"]
    data["runs"][2]["gap_units"] = recorded + 7
    (workdir / "r.json").write_text(json.dumps(data))
    done = gapsolver_cli("replay", "r.json")
    assert done.exit_code == 1
    assert f"runs[2].gap_units: {recorded + 7} → {recorded}" in done.stdout


def test_a_result_without_a_manifest_exit_2(readme_result: Path) -> None:
    data = json.loads(readme_result.read_text())
    del data["manifest"]
    readme_result.write_text(json.dumps(data))
    done = gapsolver_cli("replay", "seoul-2021-result.json")
    assert done.exit_code == 2
    assert "manifest: no manifest" in done.output
    data["manifest"] = {"command": "solve"}
    readme_result.write_text(json.dumps(data))
    done = gapsolver_cli("replay", "seoul-2021-result.json")
    assert done.exit_code == 2 and "missing required key 'gapsolver'" in done.output


def test_an_unknown_command_exit_2(readme_result: Path) -> None:
    data = json.loads(readme_result.read_text())
    data["manifest"]["command"] = "teleport"
    readme_result.write_text(json.dumps(data))
    done = gapsolver_cli("replay", "seoul-2021-result.json")
    assert done.exit_code == 2
    assert "replay does not know the command 'teleport'" in done.output


def test_another_environment_is_said_but_is_no_difference(readme_result: Path) -> None:
    data = json.loads(readme_result.read_text())
    data["manifest"]["solver"]["versions"]["highspy"] = "0.0.1"
    data["manifest"]["platform"]["python"] = "2.7.18"
    readme_result.write_text(json.dumps(data))
    done = gapsolver_cli("replay", "seoul-2021-result.json")
    assert done.exit_code == 0, done.output
    version = importlib.metadata.version("highspy")
    assert f"environment: highspy 0.0.1 when recorded, {version} here" in done.stdout
    assert "environment: python 2.7.18 when recorded" in done.stdout


def test_json_differences_path_by_path() -> None:
    recorded = {"a": [1, 2, 3], "b": {"c": True, "d x": 1.0}, "timings": {"x": 1}, "e": 1}
    replayed = {"a": [1, 5], "b": {"c": 1, "d x": 1}, "timings": {"x": 2}, "f": None, "e": 1.0}
    found = [change.to_dict() for change in json_differences(recorded, replayed)]
    assert found == [
        {"path": "a[1]", "recorded": 2, "replayed": 5},
        {"path": "a[2]", "recorded": 3},
        {"path": "b.c", "recorded": True, "replayed": 1},
        {"path": "f", "replayed": None},
    ]
    assert {"timings", "solve_time", "seconds", "manifest"} <= IGNORED_KEYS


# --------------------------------------------------------------------------------------------------
# Reproducible by default


def _solve_in_a_process(arguments: list[str], hash_seed: int, cwd: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "gapsolver.cli", "solve", *arguments, "--json"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=os.environ | {"PYTHONHASHSEED": str(hash_seed)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize(
    "solver",
    [
        "highs",
        pytest.param("cbc", marks=pytest.mark.slow),
        pytest.param("auto", marks=pytest.mark.slow),
    ],
)
def test_the_same_input_and_options_give_the_same_bytes(solver: str) -> None:
    """Two processes (with different string hashing) write the same JSON, manifest included,
    timings aside."""
    first, second = (
        _solve_in_a_process([SCENARIO, "--solver", solver], seed, ROOT) for seed in (1, 2)
    )
    text = [json.dumps(without_timings(data), indent=2) for data in (first, second)]
    assert text[0] == text[1]
    assert first["manifest"]["options"]["solver"] == solver


def _plan(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data[key] for key in ("assignments", "donations", "trainings", "requirements")}


def test_auto_keeps_the_plan_of_the_solver_that_won(workdir: Path) -> None:
    """`auto` gives the winner's plan exactly as that solver alone does; its replay runs the winner,
    so it reproduces the plan whichever solver would win the race today."""
    done = gapsolver_cli("solve", SCENARIO, "--solver", "auto", "-o", "auto.json")
    assert done.exit_code == 0, done.output
    auto = json.loads((workdir / "auto.json").read_text())
    alone = json.loads(
        gapsolver_cli("solve", SCENARIO, "--solver", auto["solver"], "--json").stdout
    )
    assert without_timings(auto | {"options": None, "manifest": None}) == without_timings(
        alone | {"options": None, "manifest": None}
    )
    done = gapsolver_cli("replay", "auto.json")
    assert done.exit_code == 0, done.output
    assert f"replayed with {auto['solver']}, the winner of the recorded race" in done.stdout


@pytest.mark.slow
def test_highs_and_cbc_agree_on_the_weighted_gap() -> None:
    """The weighted gap is exact with either solver, suitability within the suitability gap; where
    optimal plans tie, each solver keeps its own (on this scenario they assign some pledges
    differently), and each is reproducible on its own (the tests above)."""
    scenario = ROOT / "tests" / "golden" / "gen-s1.yaml"
    highs, cbc = (
        json.loads(gapsolver_cli("solve", str(scenario), "--solver", name, "--json").stdout)
        for name in ("highs", "cbc")
    )
    assert highs["weighted_gap"] == cbc["weighted_gap"]
    gap = highs["options"]["suitability_gap"]
    assert abs(highs["suitability"] - cbc["suitability"]) <= gap * abs(highs["suitability"])


# --------------------------------------------------------------------------------------------------
# Batches: one manifest per start of a batch


def test_a_batch_stores_its_manifest_and_an_older_database_gains_the_column(workdir: Path) -> None:
    spec = workdir / "spec.yaml"
    spec.write_text(
        f"name: small\nscenarios: [{SCENARIO}]\nvariants: {{file: {VARIANTS}, names: "
        "[minusma-surge]}\nstrategies: [greedy]\n"
    )
    database = workdir / "old.db"
    with sqlite3.connect(database) as old:  # the batches table as gapsolver wrote it before
        old.executescript(SCHEMA.replace(", manifest TEXT", ""))
        old.execute("INSERT INTO batches VALUES ('2025-01-01T00:00:00+00:00', 'x.yaml', '{}', 1)")
    old.close()
    summary = run_batch(Path("spec.yaml"), database, local_executor(1))
    assert summary.ran == 2 and not summary.failed
    connection = connect(database, create=False)
    columns = [row[1] for row in connection.execute("PRAGMA table_info(batches)")]
    rows = connection.execute("SELECT spec_file, manifest FROM batches").fetchall()
    connection.close()
    assert columns == list(BATCH_COLUMNS)
    assert rows[0] == ("x.yaml", None)
    manifest = Manifest.model_validate_json(rows[1][1])
    assert manifest.command == "batch" and manifest.options["strategies"] == ["greedy"]
    assert [entry.path for entry in manifest.inputs] == ["spec.yaml", SCENARIO, VARIANTS]
    assert (
        manifest.inputs[1].sha256 == hashlib.sha256((workdir / SCENARIO).read_bytes()).hexdigest()
    )
