"""Dependence analysis: each withdrawal equals the difference of two independent solves."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from conftest import pledge, req, scenario_data
from typer.testing import CliRunner

from gapsolver import scenario_from_data, solve_scenario
from gapsolver.analysis.dependence import dependence
from gapsolver.cli import app


def _data() -> dict:
    return scenario_data(
        [
            req("R1", mission="M2", capability="uh", quantity=2, priority="critical"),
            req("R2", quantity=2, priority="high"),
            req("R3", mission="M2"),
        ],
        [
            pledge(
                "P1",
                state="CCC",
                capability="uh",
                quantity=2,
                needs_training=True,
                needs_equipment={"item": "heli", "per_unit": 3},
            ),
            pledge("P2", state="BBB", quantity=2),
            pledge("P3", state="DDD", quantity=1),
            pledge("P4", state="HHH", quantity=1),  # hosts M1: can only serve M2
        ],
        donations=[
            {
                "id": "D1",
                "donor": "DDD",
                "item": "heli",
                "quantity": 3,
                "eligible_recipients": ["CCC"],
            },
            {
                "id": "D2",
                "donor": "AAA",
                "item": "heli",
                "quantity": 3,
                "eligible_recipients": ["CCC", "BBB"],
            },
            {
                "id": "D3",
                "donor": "AAA",
                "item": "tank",
                "quantity": 3,
                "eligible_recipients": ["BBB"],
            },
        ],
        trainings=[
            {
                "id": "T1",
                "trainer": "DDD",
                "capability": "uh",
                "capacity": 1,
                "eligible_trainees": ["CCC"],
            },
            {
                "id": "T2",
                "trainer": "AAA",
                "capability": "uh",
                "capacity": 1,
                "eligible_trainees": ["CCC"],
            },
            {
                "id": "T3",
                "trainer": "AAA",
                "capability": "inf",
                "capacity": 2,
                "eligible_trainees": ["BBB"],
            },
        ],
    )


def _independently_without(data: dict, kind: str, identifier: str) -> dict:
    reduced = copy.deepcopy(data)
    if kind == "donation":
        reduced["donations"] = [d for d in reduced["donations"] if d["id"] != identifier]
    elif kind == "training":
        reduced["trainings"] = [t for t in reduced["trainings"] if t["id"] != identifier]
    else:
        reduced["pledges"] = [p for p in reduced["pledges"] if p["state"] != identifier]
        reduced["donations"] = [d for d in reduced["donations"] if d["donor"] != identifier]
        reduced["trainings"] = [t for t in reduced["trainings"] if t["trainer"] != identifier]
    return reduced


@pytest.mark.parametrize("workers", [1, 2])
def test_each_withdrawal_is_the_difference_of_two_solves(workers: int) -> None:
    data = _data()
    report = dependence(scenario_from_data(data), workers=workers)
    base = solve_scenario(scenario_from_data(data)).weighted_gap
    assert report.base_weighted_gap == base
    kinds = {(w.kind, w.id) for w in report.withdrawals}
    assert kinds == {
        ("donation", "D1"),
        ("donation", "D2"),
        ("donation", "D3"),
        ("training", "T1"),
        ("training", "T2"),
        ("training", "T3"),
        ("state", "AAA"),
        ("state", "BBB"),
        ("state", "CCC"),
        ("state", "DDD"),
        ("state", "HHH"),
    }
    for withdrawal in report.withdrawals:
        alone = solve_scenario(
            scenario_from_data(_independently_without(data, withdrawal.kind, withdrawal.id))
        )
        assert withdrawal.weighted_gap_increase == alone.weighted_gap - base, withdrawal
    # the shortcut was taken for the unused ones, and they truly cost nothing
    unused = [w for w in report.withdrawals if not w.used_by_plan]
    assert {(w.kind, w.id) for w in unused} >= {("donation", "D3"), ("training", "T3")}
    assert all(w.weighted_gap_increase == 0 for w in unused)
    assert report.re_solves == len(report.withdrawals) - len(unused)
    increases = [w.weighted_gap_increase for w in report.withdrawals]
    assert increases == sorted(increases, reverse=True)


def test_single_points_of_failure_and_concentration() -> None:
    report = dependence(scenario_from_data(_data()), workers=1)
    base = solve_scenario(scenario_from_data(_data()))
    by_requirement: dict[str, set[str]] = {}
    for a in base.assignments:
        by_requirement.setdefault(a.requirement, set()).add(a.state)
    expected = sorted(r for r, states in by_requirement.items() if len(states) == 1)
    found = sorted(
        item.requirement
        for item in report.single_points_of_failure
        if item.kind == "requirement_single_contributor"
    )
    assert found == expected
    donor_of = {"D1": "DDD", "D2": "AAA", "D3": "AAA"}
    donors_by_recipient: dict[str, set[str]] = {}
    for use in base.donations:
        donors_by_recipient.setdefault(use.recipient, set()).add(donor_of[use.donation])
    expected_single = sorted(r for r, donors in donors_by_recipient.items() if len(donors) == 1)
    found_single = sorted(
        item.recipient
        for item in report.single_points_of_failure
        if item.kind == "recipient_single_donor"
    )
    assert found_single == expected_single
    for row in report.concentration:
        units = [a.units for a in base.assignments if a.mission == row.mission]
        per_state: dict[str, int] = {}
        for a in base.assignments:
            if a.mission == row.mission:
                per_state[a.state] = per_state.get(a.state, 0) + a.units
        assert row.units == sum(units)
        assert row.hhi == pytest.approx(
            sum((100 * n / sum(units)) ** 2 for n in per_state.values()), abs=0.05
        )


def test_critical_command_writes_withdrawals(tmp_path: Path) -> None:
    source = tmp_path / "s.yaml"
    source.write_text(yaml.safe_dump(_data()))
    output = tmp_path / "critical.json"
    runner = CliRunner()
    ran = runner.invoke(
        app, ["graph", str(source), "--critical", "-o", str(output), "--workers", "1"]
    )
    assert ran.exit_code == 0, ran.output
    assert "Withdrawals that widen the gap" in ran.output
    data = json.loads(output.read_text())
    assert {"kind", "id", "weighted_gap_increase"} <= set(data["withdrawals"][0])
    nothing = runner.invoke(app, ["graph", str(source)])
    assert nothing.exit_code == 2 and "--export FILE, --critical and/or --chains" in nothing.output


def test_donation_report_and_impact_equal_two_solves(tmp_path: Path) -> None:
    data = _data()
    scenario = scenario_from_data(data)
    base = solve_scenario(scenario)
    # the requirements each recipient's donated items fill are the assignments of its units needing them
    for use in base.donations:
        expected = sorted(
            (a.requirement, a.units)
            for a in base.assignments
            if a.state == use.recipient and a.capability == "uh"
        )
        assert sorted((f["requirement"], f["units"]) for f in use.requirements) == expected
    source = tmp_path / "s.yaml"
    source.write_text(yaml.safe_dump(data))
    output = tmp_path / "r.json"
    ran = CliRunner().invoke(app, ["solve", str(source), "--donation-impact", "-o", str(output)])
    assert ran.exit_code == 0, ran.output
    impact = json.loads(output.read_text())["donation_impact"]
    used = sorted({use.donation for use in base.donations})
    assert [row["donation"] for row in impact] == used
    for row in impact:
        alone = solve_scenario(
            scenario_from_data(_independently_without(data, "donation", row["donation"]))
        )
        assert row["weighted_gap_without"] == alone.weighted_gap
        assert row["weighted_gap_closed"] == alone.weighted_gap - base.weighted_gap
