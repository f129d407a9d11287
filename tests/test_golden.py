"""Proof that a restructuring changed nothing: every analysis's JSON on the reference scenario and
three generated ones equals the output recorded before (timings aside). See tests/golden.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from golden import FOLDER, GENERATED, cases, dump, golden_file, is_slow, without_timings
from typer.testing import CliRunner

from gapsolver.cli import app

RECORD = os.environ.get("GAPSOLVER_RECORD_GOLDEN") == "1"
CASES = cases()
runner = CliRunner()


def _marked(names: list[str], slow: set[str]) -> list:
    """The names as parameters, those in ``slow`` marked slow (tests/golden.py says which)."""
    return [pytest.param(name, marks=pytest.mark.slow) if name in slow else name for name in names]


def _output(arguments: list[str], tmp_path: Path) -> object:
    if arguments[0] == "graph":  # --critical/--chains write JSON to a file only
        target = tmp_path / "out.json"
        done = runner.invoke(app, [*arguments, "-o", str(target)])
        assert done.exit_code == 0, done.output
        return json.loads(target.read_text())
    done = runner.invoke(app, [*arguments, "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_the_generated_scenarios_are_stored(name: str, tmp_path: Path) -> None:
    """The stored scenarios are what `gapsolver generate` made (re-made when recording)."""
    stored = FOLDER / name
    made = tmp_path / name
    done = runner.invoke(app, ["generate", "-o", str(made), *GENERATED[name]])
    assert done.exit_code == 0, done.output
    if RECORD:
        stored.write_text(made.read_text())
    assert stored.read_text() == made.read_text()


@pytest.mark.parametrize("name", _marked(sorted(CASES), {name for name in CASES if is_slow(name)}))
def test_output_equals_the_golden_one(name: str, tmp_path: Path) -> None:
    data = without_timings(_output(CASES[name], tmp_path))
    path = golden_file(name)
    if RECORD:
        path.write_text(dump(data))
    assert path.exists(), f"no golden output for {name}: record it (see tests/golden.py)"
    assert dump(data) == path.read_text()
