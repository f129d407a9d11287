"""Helpers for the hostile-input tests: run a command, and check what it must never do."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from gapsolver.cli import app

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios"
ALLOWED_EXITS = {0, 1, 2}
SECONDS = 20.0


def digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def snapshot(folder: Path) -> dict[str, str | None]:
    """Every file under ``folder`` (names relative to it) and its hash."""
    return {
        str(path.relative_to(folder)): digest(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() or path.is_symlink()
    }


@dataclass
class Run:
    arguments: list[str]
    exit_code: int
    output: str
    seconds: float
    before: dict[str, str | None]
    after: dict[str, str | None]

    @property
    def text(self) -> str:
        return " ".join(self.output.split())

    def changed(self) -> list[str]:
        """Files of the folder that changed, appeared or went."""
        names = self.before.keys() | self.after.keys()
        return sorted(name for name in names if self.before.get(name) != self.after.get(name))


def run(folder: Path, arguments: Sequence[str]) -> Run:
    """Run the command in-process with the folder as the working directory, noting its files."""
    before = snapshot(folder)
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        began = time.perf_counter()
        result = CliRunner().invoke(app, list(arguments))
        seconds = time.perf_counter() - began
    finally:
        os.chdir(cwd)
    return Run(list(arguments), result.exit_code, result.output, seconds, before, snapshot(folder))


def check_invariants(
    done: Run, inputs: Iterable[str] = (), outputs: Iterable[str] = (), names: Iterable[str] = ()
) -> None:
    """What no run may do, whatever its input: exit 3 or another unpromised code, print a
    traceback, take longer than SECONDS, change an input, or — failing — write an output. A bad
    input (exit 2) is named: one of ``names`` appears in the message."""
    where = f"gapsolver {' '.join(done.arguments)}\n{done.output[-2000:]}"
    assert done.exit_code in ALLOWED_EXITS, where
    assert "Traceback" not in done.output and "internal error" not in done.output, where
    assert done.seconds < SECONDS, where
    changed = done.changed()
    for name in inputs:
        assert name not in changed, f"input {name} changed\n{where}"
    if done.exit_code != 0:
        for name in outputs:
            assert name not in changed, f"failing run wrote {name}\n{where}"
        assert not [name for name in changed if name not in outputs], f"{changed}\n{where}"
    names = list(names)
    if done.exit_code == 2 and names:
        assert any(name in done.output for name in names), where
