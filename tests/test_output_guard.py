"""The output guard: no command writes onto one of its inputs (however the path is spelt), into a
missing folder, or in a format its extension does not name; readers never write. Each case is
refused with exit 2 before any work, and every file in the folder is left as it was."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from hostile import REFERENCE, check_invariants, run

SCENARIO = "seoul-2021.yaml"
VARIANTS = "seoul-2021-variants.yaml"


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the reference scenario, its variants, a study spec, a result and a results
    database (made once)."""
    folder = tmp_path_factory.mktemp("reference")
    for name in (SCENARIO, VARIANTS):
        shutil.copy(REFERENCE / name, folder / name)
    (folder / "spec.yaml").write_text(
        f"scenarios: [{SCENARIO}]\nstrategies: [greedy]\n"
        "sweeps: [{name: q, parameter: 'donations[KOR-UH-2021].quantity', values: [8, 16]}]\n"
    )
    assert run(folder, ["solve", SCENARIO, "-o", "result.json"]).exit_code == 0
    assert run(folder, ["batch", "spec.yaml", "-o", "runs.db", "--workers", "1"]).exit_code == 0
    for leftover in folder.glob("runs.db-*"):
        leftover.unlink()
    return folder


@pytest.fixture
def folder(reference: Path, tmp_path: Path) -> Path:
    shutil.copytree(reference, tmp_path, dirs_exist_ok=True)
    return tmp_path


ONTO_AN_INPUT = [
    ["solve", SCENARIO, "-o", SCENARIO],
    ["solve", SCENARIO, "-o", f"./{SCENARIO}"],
    ["explain", SCENARIO, "-r", "MINUSMA-AH", "-o", SCENARIO],
    ["shortfall", SCENARIO, "-o", SCENARIO],
    ["whatif", SCENARIO, "-f", VARIANTS, "-v", "korea-half-helicopters", "-o", VARIANTS],
    ["diff", "result.json", "result.json", "-o", "result.json"],
    ["robust", SCENARIO, "--samples", "2", "-o", SCENARIO],
    ["robust", SCENARIO, "--samples", "2", "--png", SCENARIO],
    ["compare", SCENARIO, "-o", SCENARIO],
    ["graph", SCENARIO, "--export", "result.json", "--result", "result.json"],
    ["graph", SCENARIO, "--chains", "-o", "result.json", "--result", "result.json"],
    ["batch", "spec.yaml", "-o", "spec.yaml"],
    ["batch", "spec.yaml", "-o", SCENARIO],
    ["batch", "export", "runs.db", "--csv", "runs.db"],
    ["batch", "plot", "runs.db", "--png", "runs.db"],
]


@pytest.mark.parametrize("arguments", ONTO_AN_INPUT, ids=lambda a: " ".join(a[:2] + a[-2:]))
def test_an_output_onto_an_input_is_refused_before_any_work(
    folder: Path, arguments: list[str]
) -> None:
    done = run(folder, arguments)
    assert done.exit_code == 2, done.output
    assert not done.changed()
    assert "Solving" not in done.output


def test_links_to_an_input_are_the_input(folder: Path) -> None:
    (folder / "soft.json").symlink_to(folder / SCENARIO)
    os.link(folder / SCENARIO, folder / "hard.json")
    for link in ("soft.json", "hard.json"):
        done = run(folder, ["solve", SCENARIO, "-o", link])
        assert done.exit_code == 2 and "is an input of this command" in done.text
        assert not done.changed()
    absolute = run(
        folder, ["diff", "result.json", str(folder / "result.json"), "-o", "result.json"]
    )
    assert absolute.exit_code == 2 and not absolute.changed()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["solve", SCENARIO, "-o", "plan.csv"], "cannot write '.csv' files; --output writes .json"),
        (["robust", SCENARIO, "--png", "gaps.jpg"], "--png writes .png"),
        (["batch", "export", "runs.db", "--csv", "out.parquet"], "--csv writes .csv"),
        (["batch", "spec.yaml", "-o", "results.txt"], "--output writes .db, .sqlite or .sqlite3"),
        (["generate", "-o", "scenario.txt"], "--output writes .yaml, .yml or .json"),
        (["solve", SCENARIO, "-o", "missing/plan.json"], "does not exist"),
        (["solve", SCENARIO, "-o", "."], "is a directory"),
        (["robust", SCENARIO, "--png", "x.png", "-o", "x.png"], "give two files"),
    ],
)
def test_bad_outputs_are_refused_before_any_work(
    folder: Path, arguments: list[str], message: str
) -> None:
    done = run(folder, arguments)
    assert done.exit_code == 2 and message in done.text, done.output
    assert not done.changed()


def test_an_output_through_a_symlink_is_written_to_its_target(folder: Path) -> None:
    (folder / "out").mkdir()
    (folder / "plan.json").symlink_to(folder / "out" / "real.json")
    done = run(folder, ["solve", SCENARIO, "-o", "plan.json"])
    assert done.exit_code == 0, done.output
    assert (folder / "plan.json").is_symlink() and (folder / "out" / "real.json").is_file()


def test_readers_never_write_the_database(folder: Path) -> None:
    for arguments in (
        ["batch", "export", "runs.db", "--csv", "runs.csv"],
        ["batch", "export", "runs.db", "--parquet", "runs.parquet", "--gaps"],
        ["batch", "plot", "runs.db", "--png", "runs.png"],
    ):
        done = run(folder, arguments)
        assert done.exit_code == 0, done.output
        assert not [name for name in done.changed() if name.startswith("runs.db")]


@pytest.mark.parametrize("kind", ["empty", "text", "other-schema"])
def test_a_file_that_is_not_a_results_database_is_refused_and_left_alone(
    folder: Path, kind: str
) -> None:
    target = folder / "other.db"
    if kind == "empty":
        target.write_bytes(b"")
    elif kind == "text":
        target.write_text("not a database\n")
    else:
        with sqlite3.connect(target) as connection:
            connection.execute("CREATE TABLE runs (name TEXT)")
            connection.execute("INSERT INTO runs VALUES ('mine')")
    for arguments in (
        ["batch", "export", "other.db", "--csv", "o.csv"],
        ["batch", "plot", "other.db", "--png", "o.png"],
        *([["batch", "spec.yaml", "-o", "other.db"]] if kind != "empty" else []),
    ):
        done = run(folder, arguments)
        check_invariants(done, inputs=["other.db"], outputs=["o.csv", "o.png"], names=["other.db"])
        assert done.exit_code == 2, done.output
        assert not done.changed(), done.changed()
