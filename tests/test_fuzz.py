"""Seeded mutation fuzzing of every kind of file gapsolver reads: the reference scenario, its
variants file, a batch spec and a result file, each mutated by byte flips, line deletions and
duplications, type swaps and extreme values, and run through the commands that read them.

Whatever the mutant, no run may exit 3 or with an unpromised code, print a traceback, take more than
20 s, change an input or — failing — write an output; a bad file (exit 2) is named, with the line of
a syntax error. Slow (a few hundred runs): ``pytest -m "not slow"`` skips it.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hostile import REFERENCE, Run, check_invariants, run

pytestmark = pytest.mark.slow

SCENARIO = "seoul-2021.yaml"
VARIANTS = "seoul-2021-variants.yaml"
SPEC = """\
name: fuzz
scenarios: [seoul-2021.yaml]
variants: {file: seoul-2021-variants.yaml, names: [korea-half-helicopters, minusma-surge]}
sweeps:
  - name: korea
    parameter: "donations[KOR-UH-2021].quantity"
    values: [8, 16]
strategies: [greedy]
"""

EXTREMES: list[Any] = [
    float("inf"),
    float("nan"),
    -1,
    0,
    2**70,
    1e308,
    -1e308,
    "",
    "x" * 300,
    None,
    [],
    {},
    True,
    "9999-12-31",
    "2022-02-30",
]


def _byte_flip(text: str, rng: random.Random) -> str:
    data = bytearray(text.encode())
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return data.decode("utf-8", errors="surrogateescape")


def _delete_line(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    del lines[rng.randrange(len(lines))]
    return "".join(lines)


def _duplicate_line(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    index = rng.randrange(len(lines))
    lines.insert(index, lines[index])
    return "".join(lines)


def _leaves(data: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(data, dict):
        return [path] + [
            leaf for key, value in data.items() for leaf in _leaves(value, (*path, key))
        ]
    if isinstance(data, list):
        return [path] + [
            leaf for i, value in enumerate(data) for leaf in _leaves(value, (*path, i))
        ]
    return [path]


def _set(data: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return data


def _get(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def _swap_type(value: Any, rng: random.Random) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return rng.choice([len(value), [value], {"value": value}])
    if isinstance(value, list):
        return {str(i): item for i, item in enumerate(value)}
    if isinstance(value, dict):
        return list(value.values())
    return "null"


def _structured(swap: bool) -> Callable[[str, random.Random, str], str]:
    def mutate(text: str, rng: random.Random, kind: str) -> str:
        data = json.loads(text) if kind == "json" else yaml.safe_load(text)
        path = rng.choice(_leaves(data)[1:])
        value = _swap_type(_get(data, path), rng) if swap else rng.choice(EXTREMES)
        data = _set(data, path, value)
        if kind == "json":
            return json.dumps(data, indent=2)  # NaN and Infinity as Python writes them
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    return mutate


def mutants(text: str, kind: str, count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` mutants of ``text`` (each with the name of its mutation), the same for a seed."""
    rng = random.Random(seed)
    textual = {
        "byte-flip": _byte_flip,
        "delete-line": _delete_line,
        "duplicate-line": _duplicate_line,
    }
    structured = {"type-swap": _structured(True), "extreme-value": _structured(False)}
    found = []
    for _ in range(count):
        name = rng.choice([*textual, *structured])
        if name in textual:
            found.append((name, textual[name](text, rng)))
        else:
            found.append((name, structured[name](text, rng, kind)))
    return found


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))


def _check(done: Run, mutant: str, outputs: list[str]) -> None:
    check_invariants(
        done,
        inputs=[mutant, SCENARIO, VARIANTS],
        outputs=outputs,
        names=[mutant, SCENARIO, VARIANTS, "spec.yaml"],
    )
    if done.exit_code == 2 and "syntax error" in done.output:
        assert re.search(rf"{re.escape(mutant)}:\d+:", done.output), done.output


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz")
    for name in (SCENARIO, VARIANTS):
        shutil.copy(REFERENCE / name, folder / name)
    assert run(folder, ["solve", SCENARIO, "-o", "good.json"]).exit_code == 0
    return folder


@pytest.fixture
def folder(base: Path, tmp_path: Path) -> Path:
    shutil.copytree(base, tmp_path, dirs_exist_ok=True)
    return tmp_path


@pytest.mark.parametrize("chunk", range(4))
def test_scenario_mutants(folder: Path, chunk: int) -> None:
    text = (folder / SCENARIO).read_text()
    for index, (how, mutant) in enumerate(mutants(text, "yaml", 30, seed=100 + chunk)):
        name = f"m{index}-{how}.yaml"
        _write(folder / name, mutant)
        _check(run(folder, ["validate", name]), name, [])
        if index % 3 == 0:
            _check(run(folder, ["solve", name, "-o", "out.json"]), name, ["out.json"])
        (folder / "out.json").unlink(missing_ok=True)


@pytest.mark.parametrize("chunk", range(2))
def test_variants_mutants(folder: Path, chunk: int) -> None:
    text = (folder / VARIANTS).read_text()
    for index, (how, mutant) in enumerate(mutants(text, "yaml", 30, seed=200 + chunk)):
        name = f"v{index}-{how}.yaml"
        _write(folder / name, mutant)
        command = ["whatif", SCENARIO, "-f", name, "-v", "korea-half-helicopters", "-o", "out.json"]
        _check(run(folder, command), name, ["out.json"])
        (folder / "out.json").unlink(missing_ok=True)


@pytest.mark.parametrize("chunk", range(2))
def test_spec_mutants(folder: Path, chunk: int) -> None:
    for index, (how, mutant) in enumerate(mutants(SPEC, "yaml", 20, seed=300 + chunk)):
        name = f"s{index}-{how}.yaml"
        _write(folder / name, mutant)
        done = run(folder, ["batch", name, "-o", "runs.db", "--workers", "1"])
        _check(done, name, ["runs.db", "runs.db-wal", "runs.db-shm"])
        for leftover in folder.glob("runs.db*"):
            leftover.unlink()


@pytest.mark.parametrize("chunk", range(2))
def test_result_mutants(folder: Path, chunk: int) -> None:
    text = (folder / "good.json").read_text()
    for index, (how, mutant) in enumerate(mutants(text, "json", 30, seed=400 + chunk)):
        name = f"r{index}-{how}.json"
        _write(folder / name, mutant)
        _check(run(folder, ["diff", "good.json", name, "-o", "d.json"]), name, ["d.json"])
        command = ["graph", SCENARIO, "--export", "g.graphml", "--result", name]
        _check(run(folder, command), name, ["g.graphml"])
        for output in ("d.json", "g.graphml"):
            (folder / output).unlink(missing_ok=True)
