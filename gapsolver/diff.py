"""Plan difference: what changed between two results — gaps opened and closed, assignments moved,
donations redirected, training seats, and the headline figures."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from gapsolver.exceptions import InputError, Problem

_REQUIRED = (
    "scenario",
    "weighted_gap",
    "gap_units",
    "requirements",
    "assignments",
    "donations",
    "trainings",
)
KPIS = ("weighted_gap", "gap_units", "allocated_units", "cost", "women_share", "suitability")


def read_result(path: str | Path) -> dict[str, Any]:
    """A result JSON written by `gapsolver solve`; InputError naming what is wrong otherwise."""
    source = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError([Problem("", "file not found")], source) from None
    except json.JSONDecodeError as error:
        raise InputError(
            [Problem("", f"JSON syntax error: {error.msg} (column {error.colno})", error.lineno)],
            source,
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError([Problem("", f"cannot read: {error}")], source) from None
    if not isinstance(data, dict):
        raise InputError([Problem("", "not a gapsolver result (expected a JSON object)")], source)
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise InputError(
            [Problem(key, "missing: not a gapsolver result") for key in missing], source
        )
    return data


def _allocated(result: dict[str, Any]) -> int:
    return sum(int(r["allocated"]) for r in result["requirements"])


def diff_results(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The difference from plan ``a`` to plan ``b``."""
    kpis = {}
    for name in KPIS:
        value_a = _allocated(a) if name == "allocated_units" else a.get(name)
        value_b = _allocated(b) if name == "allocated_units" else b.get(name)
        delta = None if value_a is None or value_b is None else round(value_b - value_a, 9)
        kpis[name] = {"a": value_a, "b": value_b, "delta": delta}

    requirements_a = {r["id"]: r for r in a["requirements"]}
    requirements_b = {r["id"]: r for r in b["requirements"]}
    opened, closed = [], []
    for identifier in sorted(requirements_a.keys() & requirements_b.keys()):
        gap_a, gap_b = (
            int(requirements_a[identifier]["gap"]),
            int(requirements_b[identifier]["gap"]),
        )
        row = {
            "requirement": identifier,
            "mission": requirements_b[identifier]["mission"],
            "gap_a": gap_a,
            "gap_b": gap_b,
        }
        if gap_b > gap_a:
            opened.append(row)
        elif gap_b < gap_a:
            closed.append(row)

    def units(result: dict[str, Any]) -> dict[tuple[str, str, str], int]:
        table: dict[tuple[str, str, str], int] = defaultdict(int)
        for assignment in result["assignments"]:
            table[(assignment["pledge"], assignment["state"], assignment["requirement"])] += int(
                assignment["units"]
            )
        return table

    units_a, units_b = units(a), units(b)
    moved = [
        {
            "pledge": pledge,
            "state": state,
            "requirement": requirement,
            "units_a": units_a.get(key, 0),
            "units_b": units_b.get(key, 0),
        }
        for key in sorted(units_a.keys() | units_b.keys())
        for pledge, state, requirement in [key]
        if units_a.get(key, 0) != units_b.get(key, 0)
    ]

    def gifts(result: dict[str, Any]) -> dict[tuple[str, str], int]:
        table: dict[tuple[str, str], int] = defaultdict(int)
        for use in result["donations"]:
            table[(use["donation"], use["recipient"])] += int(use["items"])
        return table

    gifts_a, gifts_b = gifts(a), gifts(b)
    redirected = [
        {
            "donation": donation,
            "recipient": recipient,
            "items_a": gifts_a.get(key, 0),
            "items_b": gifts_b.get(key, 0),
        }
        for key in sorted(gifts_a.keys() | gifts_b.keys())
        for donation, recipient in [key]
        if gifts_a.get(key, 0) != gifts_b.get(key, 0)
    ]
    seats_a = {t["training"]: int(t["seats_used"]) for t in a["trainings"]}
    seats_b = {t["training"]: int(t["seats_used"]) for t in b["trainings"]}
    seats = [
        {
            "training": training,
            "seats_a": seats_a.get(training, 0),
            "seats_b": seats_b.get(training, 0),
        }
        for training in sorted(seats_a.keys() | seats_b.keys())
        if seats_a.get(training, 0) != seats_b.get(training, 0)
    ]
    return {
        "scenario_a": a["scenario"],
        "scenario_b": b["scenario"],
        "kpis": kpis,
        "gaps_opened": opened,
        "gaps_closed": closed,
        "requirements_only_in_a": sorted(requirements_a.keys() - requirements_b.keys()),
        "requirements_only_in_b": sorted(requirements_b.keys() - requirements_a.keys()),
        "assignments_changed": moved,
        "donations_redirected": redirected,
        "training_seats_changed": seats,
    }
