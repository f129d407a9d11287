"""Hostile inputs, one regression test per kind: numbers out of range, files built to exhaust the
reader, specs that would plan forever, result files of the wrong shape. Each is refused with exit 2,
located in the file that holds the problem, quickly, and with nothing changed on disk."""

from __future__ import annotations

import copy
import functools
import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
import yaml
from hostile import REFERENCE, check_invariants, run

from gapsolver.limits import MAX_FILE_BYTES

SCENARIO = "seoul-2021.yaml"

# Each kind of hostile input keeps a few cases in the quick loop; the cases marked SLOW (more of the
# same kind) run in the full suite (see conftest.py).
SLOW = pytest.mark.slow


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in (SCENARIO, "seoul-2021-variants.yaml"):
        shutil.copy(REFERENCE / name, tmp_path / name)
    return tmp_path


@functools.cache
def _parsed_reference() -> dict:
    return yaml.load((REFERENCE / SCENARIO).read_text(), Loader=yaml.CSafeLoader)


def _reference() -> dict:
    """The reference scenario as data, a fresh copy for each test to edit (read once: libyaml)."""
    return copy.deepcopy(_parsed_reference())


def _yaml(data: object, sort_keys: bool = True) -> str:
    """YAML text as ``yaml.safe_dump`` writes it, by libyaml (the tests write large files)."""
    return yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=sort_keys)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# --------------------------------------------------------------------------------------------------
# Numbers


@pytest.mark.parametrize(
    ("collection", "field", "value"),
    [
        pytest.param("pledges", "cost_per_unit", ".inf", marks=SLOW),
        ("pledges", "cost_per_unit", ".nan"),
        pytest.param("pledges", "cost_per_unit", "1e300", marks=SLOW),
        pytest.param("pledges", "quantity", str(2**70), marks=SLOW),
        ("requirements", "quantity", str(2**70)),
        pytest.param("trainings", "capacity", str(2**70), marks=SLOW),
        pytest.param("trainings", "lead_time_days", str(2**70), marks=SLOW),
        pytest.param("trainings", "lead_time_days", "40000", marks=SLOW),
        pytest.param("donations", "quantity", "10000000", marks=SLOW),
        ("pledges", "available_from", "9999-12-31"),
        pytest.param("pledges", "women_share", "-.inf", marks=SLOW),
    ],
)
def test_numbers_out_of_range_are_located(
    folder: Path, collection: str, field: str, value: str
) -> None:
    data = _reference()
    data[collection][0][field] = "__VALUE__"
    text = _yaml(data, sort_keys=False)
    line = _line_of(text, "__VALUE__")
    text = text.replace("__VALUE__", value)
    (folder / "s.yaml").write_text(text)
    done = run(folder, ["solve", "s.yaml", "-o", "out.json"])
    check_invariants(done, inputs=["s.yaml"], outputs=["out.json"], names=["s.yaml"])
    assert done.exit_code == 2
    assert f"s.yaml:{line}: {collection}[0].{field}" in done.text, done.output


def test_settings_and_weights_are_bounded(folder: Path) -> None:
    data = _reference()
    data["settings"] = {
        "budget": 1e20,
        "priority_weights": {"critical": 1e12},
        "score_weights": {"cost": "__NAN__"},
    }
    (folder / "s.yaml").write_text(_yaml(data, sort_keys=False).replace("__NAN__", ".nan"))
    done = run(folder, ["validate", "s.yaml"])
    assert done.exit_code == 2
    for path in (
        "settings.budget",
        "settings.priority_weights.critical",
        "settings.score_weights.cost",
    ):
        assert path in done.text, done.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            {"scale": {"pledges[BGD-*].quantity": 1e308}},
            "less than or equal to 1000000",
            marks=SLOW,
        ),
        ({"scale": {"pledges[BGD-*].quantity": "__NAN__"}}, "finite number"),
        pytest.param(
            {"shift": {"pledges[BGD-*].available_from": 10**9}},
            "less than or equal to 36500",
            marks=SLOW,
        ),
        pytest.param(
            {"set": {"pledges[BGD-*].quantity": 2**70}}, "less than or equal to 1000000", marks=SLOW
        ),
        ({"set": {"widgets[x].size": 1}}, "unknown collection 'widgets'"),
        pytest.param(
            {"shift": {"trainings[*].lead_time_days": 36500}},
            "less than or equal to 36500",
            marks=SLOW,
        ),
    ],
)
def test_variant_values_are_bounded_and_located_at_the_change(
    folder: Path, change: dict, message: str
) -> None:
    text = (
        _yaml({"variants": [{"name": "v", "changes": [change]}]})
        .replace("__NAN__", ".nan")
        .replace("'.nan'", ".nan")
    )
    (folder / "v.yaml").write_text(text)
    done = run(folder, ["whatif", SCENARIO, "-f", "v.yaml", "-v", "v", "-o", "out.json"])
    check_invariants(done, inputs=["v.yaml", SCENARIO], outputs=["out.json"], names=["v.yaml"])
    assert done.exit_code == 2 and message in done.text, done.output
    assert "v.yaml:" in done.text


# --------------------------------------------------------------------------------------------------
# Batch specs


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {
                "sweeps": [
                    {
                        "name": "s",
                        "parameter": "pledges[BGD-*].quantity",
                        "range": {"start": 0, "stop": 1e308},
                    }
                ]
            },
            "less than or equal to 1000000000000000",
        ),
        (
            {
                "sweeps": [
                    {
                        "name": "s",
                        "parameter": "pledges[BGD-*].quantity",
                        "range": {"start": 0, "stop": 1e9},
                    }
                ]
            },
            "1,000,000,001 values",
        ),
        (
            {
                "sweeps": [
                    {
                        "name": "s",
                        "parameter": "pledges[BGD-*].quantity",
                        "range": {"start": 0, "stop": 5, "step": 1e-300},
                    }
                ]
            },
            "values; a sweep takes at most",
        ),
        (
            {
                "sweeps": [
                    {
                        "name": "s",
                        "parameter": "pledges[BGD-*].quantity",
                        "range": {"start": "__NAN__", "stop": 5},
                    }
                ]
            },
            "finite number",
        ),
        (
            {"sweeps": [{"name": "s", "parameter": "pledges[NOPE].quantity", "values": [1, 2]}]},
            "no pledge matches 'NOPE' (sweep 's' at 1",
        ),
        (
            {"sweeps": [{"name": "s", "parameter": "widgets[x].size", "values": [1]}]},
            "unknown collection 'widgets'",
        ),
        (
            {"sweeps": [{"name": "s", "parameter": "pledges[BGD-*].quantity", "values": [1, 2.5]}]},
            "valid integer",
        ),
        ({"robustness": {"samples": 2**70}}, "less than or equal to 100000"),
        (
            {"robustness": {"samples": 10, "seed": 2**70}},
            "less than or equal to 9223372036854775807",
        ),
        (
            {"robustness": {"samples": 100000}, "strategies": ["optimal", "greedy"]},
            "200,002 runs planned",
        ),
        ({"time_limit": "__INF__"}, "finite number"),
    ],
)
def test_specs_are_checked_before_any_run(folder: Path, spec: dict, message: str) -> None:
    text = _yaml({"scenarios": [SCENARIO], **spec}, sort_keys=False)
    text = text.replace("'__NAN__'", ".nan").replace("__NAN__", ".nan").replace("__INF__", ".inf")
    (folder / "spec.yaml").write_text(text)
    began = time.perf_counter()
    done = run(folder, ["batch", "spec.yaml", "-o", "runs.db"])
    check_invariants(done, inputs=["spec.yaml", SCENARIO], outputs=["runs.db"], names=["spec.yaml"])
    assert done.exit_code == 2 and message in done.text, done.output
    assert "spec.yaml:" in done.text
    assert time.perf_counter() - began < 10
    assert not (folder / "runs.db").exists()


def test_a_bad_scenario_in_a_spec_is_located_in_its_own_file(folder: Path) -> None:
    text = (folder / SCENARIO).read_text().replace("host: MLI", "host: XXX", 1)
    (folder / "bad.yaml").write_text(text)
    (folder / "spec.yaml").write_text("scenarios: [bad.yaml]\n")
    done = run(folder, ["batch", "spec.yaml", "-o", "runs.db"])
    assert done.exit_code == 2
    assert (
        f"bad.yaml:{_line_of(text, 'host: XXX')}: missions[0].host: unknown member state 'XXX'"
        in done.text
    )


def test_variants_files_named_by_a_spec_are_located(folder: Path) -> None:
    (folder / "spec.yaml").write_text(f"scenarios: [{SCENARIO}]\nvariants: {{file: none.yaml}}\n")
    done = run(folder, ["batch", "spec.yaml", "-o", "runs.db"])
    assert done.exit_code == 2
    assert "spec.yaml:2: variants.file: none.yaml: file not found" in done.text
    (folder / "v.yaml").write_text(
        "variants:\n  - {name: a, extends: [b]}\n  - {name: b, extends: [c]}\n  - {name: c, extends: [a]}\n"
    )
    (folder / "spec.yaml").write_text(f"scenarios: [{SCENARIO}]\nvariants: {{file: v.yaml}}\n")
    done = run(folder, ["batch", "spec.yaml", "-o", "runs.db"])
    assert done.exit_code == 2
    assert "v.yaml:4: variants[2].extends[0]: circular extends: a → b → c → a" in done.text
    assert not (folder / "runs.db").exists()


def test_an_unreachable_dask_scheduler_is_found_before_the_database_is_made(folder: Path) -> None:
    pytest.importorskip("distributed")
    (folder / "spec.yaml").write_text(f"scenarios: [{SCENARIO}]\nstrategies: [greedy]\n")
    done = run(
        folder, ["batch", "spec.yaml", "-o", "runs.db", "--dask-scheduler", "tcp://127.0.0.1:1"]
    )
    assert done.exit_code == 2 and "cannot reach tcp://127.0.0.1:1" in done.text
    assert done.seconds < 10
    assert not (folder / "runs.db").exists()


# --------------------------------------------------------------------------------------------------
# Files built to exhaust the reader


def _nested_json(depth: int) -> str:
    return '{"name": "x", "start": "2022-01-01", "junk": ' + "[" * depth + "]" * depth + "}"


HOSTILE_FILES = {
    "deep.json": (_nested_json(10_000), "nested deeper than 64 levels"),
    "deep.yaml": ("name: x\njunk: " + "[" * 200 + "]" * 200 + "\n", "nested deeper than 64 levels"),
    "complex-key.yaml": ("name: x\n? [a, b]\n: 1\n", "a mapping key must be plain text"),
    "alias-bomb.yaml": (
        "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 10)),
        "more than 500,000 values",
    ),
    "huge-int.yaml": (
        "name: x\nstart: 2022-01-01\nq: " + "9" * 5000 + "\n",
        "more than 4,300 digits",
    ),
    "utf16.yaml": ("name: x\n".encode("utf-16"), "not UTF-8 text"),
    "self-alias.yaml": (
        "name: x\na: &a [1, *a]\n",
        "the alias *a refers to a value that contains it",
    ),
    "binary-tag.yaml": ("name: !!binary aGVsbG8=\n", "the YAML tag !!binary is not allowed here"),
    "control-character.yaml": ("name: x\nstart: \x06\n", "not allowed"),
    "list.yaml": ("- a\n- b\n", "expected a mapping at the top level"),
    "empty.yaml": ("", "the file is empty"),
}


QUICK_HOSTILE_FILES = {"deep.json", "alias-bomb.yaml", "utf16.yaml"}


@pytest.mark.parametrize(
    "name",
    [n if n in QUICK_HOSTILE_FILES else pytest.param(n, marks=SLOW) for n in HOSTILE_FILES],
)
def test_hostile_structures_are_refused_quickly(folder: Path, name: str) -> None:
    content, message = HOSTILE_FILES[name]
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    for command in (["validate", name], ["solve", name, "-o", "out.json"], ["diff", name, name]):
        done = run(folder, command)
        check_invariants(done, inputs=[name], outputs=["out.json"], names=[name])
        assert done.exit_code == 2 and message in done.text, done.output
        assert done.seconds < 5


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(folder: Path) -> None:
    path = folder / "big.yaml"
    with open(path, "w") as handle:
        handle.write("name: x\njunk:\n")
        line = "  - " + "x" * 95 + "\n"
        handle.write(line * (MAX_FILE_BYTES // len(line) + 10))
    done = run(folder, ["validate", "big.yaml"])
    assert done.exit_code == 2 and "gapsolver reads files of up to 20 MiB" in done.text
    assert done.seconds < 2


def test_a_diamond_of_extends_applies_each_variant_once(folder: Path) -> None:
    # f24 extends f23 twice, f23 extends f22 twice…: 2**24 paths, 25 variants
    variants = [{"name": "f0", "changes": [{"scale": {"donations[KOR-UH-2021].quantity": 0.5}}]}]
    variants += [{"name": f"f{i}", "extends": [f"f{i - 1}", f"f{i - 1}"]} for i in range(1, 25)]
    (folder / "v.yaml").write_text(_yaml({"variants": variants}))
    done = run(folder, ["whatif", SCENARIO, "-f", "v.yaml", "-v", "f24", "--json"])
    assert done.exit_code == 0, done.output
    assert done.seconds < 10
    changes = json.loads(done.output)["changes"]
    assert changes == [{"scale": {"donations[KOR-UH-2021].quantity": 0.5}}]  # once, not 2**24


def test_markup_and_emoji_codes_in_user_text_print_as_they_are(folder: Path) -> None:
    text = (
        (folder / SCENARIO)
        .read_text()
        .replace("name: seoul-2021", "name: '[/] [bold]x :smile:'", 1)
    )
    (folder / "s.yaml").write_text(text)
    solved = run(folder, ["solve", "s.yaml", "-o", "a.json"])
    assert solved.exit_code == 0, solved.output
    assert run(folder, ["solve", SCENARIO, "-o", "b.json"]).exit_code == 0
    done = run(folder, ["diff", "a.json", "b.json"])
    assert done.exit_code == 0, done.output
    assert "[/] [bold]x :smile:" in done.output
    explained = run(folder, ["explain", "s.yaml", "--requirement", "[/]"])
    check_invariants(explained, inputs=["s.yaml"])
    assert explained.exit_code == 2 and "[/]" in explained.output


def test_options_of_another_batch_mode_are_refused(folder: Path) -> None:
    (folder / "spec.yaml").write_text(f"scenarios: [{SCENARIO}]\nstrategies: [greedy]\n")
    done = run(folder, ["batch", "spec.yaml", "-o", "runs.db", "--csv", "x.csv"])
    assert done.exit_code == 2 and "--csv: is not an option of a batch run" in done.text
    assert not (folder / "runs.db").exists()
    done = run(folder, ["batch", "export", "runs.db", "--csv", "x.csv", "--workers", "2"])
    assert done.exit_code == 2 and "--workers: is not an option of `batch export`" in done.text


def test_an_extends_chain_thousands_deep_is_read_without_recursion(folder: Path) -> None:
    names = [f"v{i}" for i in range(1500)]
    assert len(names) > sys.getrecursionlimit()  # a recursive reader would fail on it
    variants = [
        {"name": name, "extends": [names[i + 1]] if i + 1 < len(names) else [], "changes": []}
        for i, name in enumerate(names)
    ]
    variants[-1]["changes"] = [{"set": {"donations[KOR-UH-2021].quantity": 8}}]
    (folder / "v.json").write_text(json.dumps({"variants": variants}))  # JSON: quicker to read
    done = run(folder, ["whatif", SCENARIO, "-f", "v.json", "-v", "v0", "--json"])
    check_invariants(done, inputs=["v.json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["changes"] == [{"set": {"donations[KOR-UH-2021].quantity": 8}}]


# --------------------------------------------------------------------------------------------------
# Result files


@pytest.fixture(scope="module")
def good_result(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A result file of the reference scenario, solved once for the tests below."""
    where = tmp_path_factory.mktemp("good")
    shutil.copy(REFERENCE / SCENARIO, where / SCENARIO)
    done = run(where, ["solve", SCENARIO, "-o", "good.json"])
    assert done.exit_code == 0, done.output
    return (where / "good.json").read_text()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r.update(weighted_gap="abc"), "weighted_gap: input should be a valid number"),
        pytest.param(
            lambda r: r.update(assignments=5),
            "assignments: input should be a valid list",
            marks=SLOW,
        ),
        pytest.param(
            lambda r: r["requirements"][0].update(gap=None), "requirements[0].gap", marks=SLOW
        ),
        pytest.param(
            lambda r: r["donations"][0].update(items=[1]), "donations[0].items", marks=SLOW
        ),
        pytest.param(lambda r: r.pop("trainings"), "missing required key 'trainings'", marks=SLOW),
        pytest.param(lambda r: r.update(cost=float("nan")), "cost", marks=SLOW),
        (lambda r: r.update(format_version=99), "result format version 99"),
        pytest.param(
            lambda r: r.update(stages="fast"), "stages: input should be a valid list", marks=SLOW
        ),
    ],
)
def test_result_files_of_the_wrong_shape_are_refused(  # type: ignore[no-untyped-def]
    folder: Path, good_result: str, edit, message: str
) -> None:
    (folder / "good.json").write_text(good_result)
    data = json.loads((folder / "good.json").read_text())
    edit(data)
    (folder / "bad.json").write_text(json.dumps(data, indent=2))
    for command in (
        ["diff", "good.json", "bad.json", "-o", "d.json"],
        ["graph", SCENARIO, "--export", "g.graphml", "--result", "bad.json"],
    ):
        done = run(folder, command)
        check_invariants(
            done,
            inputs=["bad.json", "good.json"],
            outputs=["d.json", "g.graphml"],
            names=["bad.json"],
        )
        assert done.exit_code == 2 and message in done.text, done.output


# --------------------------------------------------------------------------------------------------
# Models and machines


def test_a_model_too_large_for_the_machine_is_refused_while_its_pairs_are_counted(
    folder: Path,
) -> None:
    # one capability, 2,000 pledges × 1,600 requirements: 3.2 million eligible pairs
    data = {
        "name": "dense",
        "start": "2022-01-01",
        "capabilities": [{"id": "inf", "name": "Infantry", "personnel": 850}],
        "member_states": [{"id": "AAA", "name": "A"}, {"id": "HHH", "name": "H"}],
        "missions": [{"id": "M", "name": "M", "host": "HHH"}],
        "requirements": [
            {"id": f"R{i}", "mission": "M", "capability": "inf", "quantity": 1} for i in range(1600)
        ],
        "pledges": [
            {
                "id": f"P{i}",
                "state": "AAA",
                "capability": "inf",
                "quantity": 1,
                "readiness": "level1",
            }
            for i in range(2000)
        ],
    }
    (folder / "dense.json").write_text(json.dumps(data))  # JSON: quicker to write and read
    done = run(folder, ["solve", "dense.json", "-o", "out.json"])
    check_invariants(done, inputs=["dense.json"], outputs=["out.json"])
    assert (
        done.exit_code == 2 and "more than 3,000,000 eligible pledge–requirement pairs" in done.text
    )
    assert done.seconds < 10


def test_more_workers_than_cores_are_refused_before_any_work(folder: Path) -> None:
    cores = os.cpu_count() or 1
    for command in (
        ["robust", SCENARIO, "--samples", "4", "--workers", str(cores + 1)],
        ["graph", SCENARIO, "--critical", "--workers", str(cores + 1)],
    ):
        done = run(folder, command)
        assert done.exit_code == 2 and f"--workers: at most {cores}" in done.text, done.output
