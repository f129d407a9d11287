"""Golden outputs: what each analysis command prints as JSON on the reference scenario and three
generated ones, recorded before a restructuring and compared after it.

Record (only when a change of output is intended, and say why in the commit):
    GAPSOLVER_RECORD_GOLDEN=1 python -m pytest tests/test_golden.py

The quick loop (``pytest -m "not slow"``) runs each command once on the reference scenario and
checks the stored generated scenarios; the full suite runs every case (see ``is_slow``).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
FOLDER = Path(__file__).resolve().parent / "golden"
REFERENCE = ROOT / "scenarios" / "seoul-2021.yaml"
VARIANTS = ROOT / "scenarios" / "seoul-2021-variants.yaml"

# Generated scenarios are stored beside their outputs, so the goldens pin the analyses, not the
# generator: (file name, `gapsolver generate` arguments that made it).
GENERATED = {
    "gen-s1.yaml": ["--pledges", "120", "--states", "30", "--missions", "6", "--seed", "1"],
    "gen-s2.yaml": ["--pledges", "160", "--states", "40", "--missions", "8", "--seed", "2"],
    "gen-s3.yaml": ["--pledges", "90", "--states", "25", "--missions", "5", "--seed", "3"],
}

# The variant what-if of the reference kept in the quick loop: it extends another variant.
QUICK_VARIANT = "surge-without-korea-donation"

# Keys whose values are wall-clock measurements: dropped before comparing.
TIMING_KEYS = {"seconds", "solve_time", "mean_solve_time", "timings", "elapsed", "manifest"}
"""Left out of a golden: timings, and the manifest (versions and platform of the machine)."""


def without_timings(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            key: without_timings(value)
            for key, value in data.items()
            if key not in TIMING_KEYS and not key.endswith("_seconds")
        }
    if isinstance(data, list):
        return [without_timings(value) for value in data]
    return data


def scenario_path(name: str) -> Path:
    return REFERENCE if name == "reference" else FOLDER / name


@functools.cache
def _scenario_data(scenario: Path) -> Any:
    """The scenario file as data, read once (by libyaml: this runs while tests are collected)."""
    return yaml.load(scenario.read_text(), Loader=yaml.CSafeLoader)


def requirements_to_explain(scenario: Path, count: int) -> list[str]:
    """The first ``count`` requirements of the scenario."""
    return [line["id"] for line in _scenario_data(scenario)["requirements"]][:count]


def cases() -> dict[str, list[str]]:
    """Golden name → CLI arguments (without ``--json``) whose stdout is recorded."""
    out: dict[str, list[str]] = {}
    scenarios = ["reference", *GENERATED]
    for name in scenarios:
        path = str(scenario_path(name))
        tag = Path(name).stem
        out[f"{tag}.solve"] = ["solve", path]
        out[f"{tag}.solve-greedy"] = ["solve", path, "--strategy", "greedy"]
        out[f"{tag}.solve-sequential"] = ["solve", path, "--strategy", "sequential"]
        out[f"{tag}.shortfall"] = ["shortfall", path]
        out[f"{tag}.shortfall-all"] = ["shortfall", path, "--all"]
        out[f"{tag}.compare"] = ["compare", path]
        out[f"{tag}.robust"] = ["robust", path, "--samples", "12", "--seed", "7", "--workers", "1"]
        out[f"{tag}.critical"] = ["graph", path, "--critical", "--chains", "--workers", "1"]
        state = first_state(scenario_path(name))
        out[f"{tag}.whatif-without-{state}"] = ["whatif", path, "--without-state", state]
        for requirement in requirements_to_explain(
            scenario_path(name), 3 if tag == "reference" else 2
        ):
            out[f"{tag}.explain-{requirement}"] = ["explain", path, "-r", requirement, "--verify"]
    reference = str(REFERENCE)
    for variant in (
        "largest-contributor-withdraws",
        "korea-donation-slips",
        "korea-half-helicopters",
        "minusma-surge",
        "surge-without-korea-donation",
    ):
        out[f"reference.whatif-{variant}"] = [
            "whatif",
            reference,
            "-f",
            str(VARIANTS),
            "-v",
            variant,
        ]
    return out


def is_slow(name: str) -> bool:
    """Whether a golden case runs in the full suite only. Quick: every case of the reference
    scenario, except that of its explains only the first is, and of its variant what-ifs only
    QUICK_VARIANT (so each command, and `whatif` both by state and by variant file, stays in the
    quick loop). Slow: those further reference cases, and every case of a generated scenario."""
    tag, _, case = name.partition(".")
    if tag != "reference":
        return True
    if case.startswith("explain-"):
        return case != f"explain-{requirements_to_explain(REFERENCE, 1)[0]}"
    if case.startswith("whatif-") and case != f"whatif-without-{first_state(REFERENCE)}":
        return case != f"whatif-{QUICK_VARIANT}"
    return False


def first_state(scenario: Path) -> str:
    return str(_scenario_data(scenario)["member_states"][0]["id"])


def golden_file(name: str) -> Path:
    return FOLDER / f"{name}.json"


def dump(data: Any) -> str:
    """The JSON text compared, with the checkout's folder written as ``<root>``."""
    return json.dumps(data, indent=1, sort_keys=True).replace(str(ROOT), "<root>") + "\n"
