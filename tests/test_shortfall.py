"""The pledging shopping list: hand-checked minimal lists, the list really closes the gaps, the
partnership alternative, scopes and the CLI."""

from __future__ import annotations

import json

from conftest import build, pledge, req, scenario_data
from typer.testing import CliRunner

from gapsolver import SolveOptions, scenario_from_data, solve_scenario
from gapsolver.analysis.shortfall import shortfall
from gapsolver.cli import app
from gapsolver.schema import Scenario

OPTIONS = SolveOptions()


def with_list(scenario: Scenario, report: dict) -> Scenario:
    """The scenario plus the pledges the list asks for, each restricted to its mission."""
    data = scenario.model_dump(mode="json")
    data["member_states"].append(
        {"id": "NEW", "name": "New contributor", "languages": ["en", "fr", "ko"]}
    )
    for index, group in enumerate(report["pledges"]["groups"]):
        data["pledges"].append(
            {
                "id": f"new-{index}",
                "state": "NEW",
                "capability": group["capability"],
                "quantity": group["units"],
                "readiness": group["min_readiness"],
                "caveats": {"only_missions": [group["mission"]]},
            }
        )
    return scenario_from_data(data)


def test_the_list_asks_for_each_missing_unit_at_the_readiness_and_date_needed() -> None:
    scenario = build(
        [
            req(
                "R", quantity=3, priority="critical", min_readiness="level2", needed_by="2022-06-30"
            ),
            req("N", mission="M2", priority="normal"),
        ],
        [
            pledge("P", readiness="level2", cost_per_unit=4.0),
            pledge("Q", readiness="level2", cost_per_unit=8.0),
        ],
    )
    report = shortfall(scenario, OPTIONS).model_dump(mode="json")
    assert [t["id"] for t in report["targets"]] == ["R"]  # N is not critical
    assert report["pledges"]["units"] == 1
    [group] = report["pledges"]["groups"]
    assert group == {
        "mission": "M1",
        "capability": "inf",
        "min_readiness": "level2",
        "needed_by": "2022-06-30",
        "require_language": None,
        "units": 1,
        "estimated_cost": 6.0,  # the median pledged cost of the capability
        "requirements": ["R"],
        "min_contributors": 1,
    }
    after = solve_scenario(with_list(scenario, report), OPTIONS)
    assert {r.id: r.gap for r in after.requirements}["R"] == 0


def test_all_scope_covers_every_gap_and_the_list_closes_them() -> None:
    scenario = build(
        [req("A", priority="high", quantity=2), req("B", mission="M2", capability="uh")],
        [pledge("P")],
    )
    assert shortfall(scenario, OPTIONS).model_dump(mode="json")["targets"] == []
    report = shortfall(scenario, OPTIONS, "all").model_dump(mode="json")
    assert report["pledges"]["units"] == 2
    assert {(g["mission"], g["capability"], g["units"]) for g in report["pledges"]["groups"]} == {
        ("M1", "inf", 1),
        ("M2", "uh", 1),
    }
    after = solve_scenario(with_list(scenario, report), OPTIONS)
    assert after.gap_units == 0


def test_closing_critical_gaps_takes_nothing_from_other_requirements() -> None:
    scenario = build(
        [
            req("CRIT", priority="critical", quantity=2),
            req("HIGH", mission="M2", priority="high", quantity=2),
        ],
        [pledge("P", quantity=2)],
    )
    base = solve_scenario(scenario, OPTIONS)
    assert {r.id: r.gap for r in base.requirements} == {"CRIT": 0, "HIGH": 2}
    report = shortfall(scenario, OPTIONS).model_dump(mode="json")
    assert report["targets"] == []  # nothing critical is short
    report = shortfall(scenario, OPTIONS, "all").model_dump(mode="json")
    assert report["pledges"]["units"] == 2
    assert [g["requirements"] for g in report["pledges"]["groups"]] == [["HIGH"]]


def test_partnerships_alternative_counts_seats_and_items() -> None:
    training = {
        "id": "T",
        "trainer": "AAA",
        "capability": "inf",
        "capacity": 1,
        "lead_time_days": 30,
        "eligible_trainees": ["BBB", "CCC"],
    }
    donation = {
        "id": "D",
        "donor": "DDD",
        "item": "heli",
        "quantity": 2,
        "eligible_recipients": ["BBB"],
    }
    scenario = build(
        [
            req("R1", priority="critical", quantity=2),
            req("R2", mission="M2", capability="uh", priority="critical"),
        ],
        [
            pledge("P", needs_training=True, quantity=2),
            pledge("H", capability="uh", needs_equipment={"item": "heli", "per_unit": 3}),
        ],
        donations=[donation],
        trainings=[training],
    )
    report = shortfall(scenario, OPTIONS).model_dump(mode="json")
    partnerships = report["partnerships"]
    assert partnerships["closed"] == [
        {"requirement": "R1", "units": 1},
        {"requirement": "R2", "units": 1},
    ]
    assert partnerships["seats"] == [
        {"capability": "inf", "state": "BBB", "requirement": "R1", "seats": 1, "lead_time_days": 30}
    ]
    [items] = partnerships["items"]
    assert (items["item"], items["recipient"]) == ("heli", "BBB")
    assert items["items"] == 1  # 2 donated + 1 more = the 3 one unit needs


def test_shortfall_cli(tmp_path) -> None:
    path = tmp_path / "s.json"
    path.write_text(
        json.dumps(scenario_data([req("R", priority="critical", quantity=2)], [pledge("P")]))
    )
    runner = CliRunner()
    shown = runner.invoke(app, ["shortfall", str(path)])
    assert shown.exit_code == 0, shown.output
    assert "Pledges to ask for: 1 units" in shown.output
    out = tmp_path / "list.json"
    written = runner.invoke(app, ["shortfall", str(path), "--json", "-o", str(out)])
    assert written.exit_code == 0
    assert json.loads(out.read_text())["pledges"]["units"] == 1
    missing = runner.invoke(app, ["shortfall", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "file not found" in missing.output


def _budget_case(budget: float | None) -> Scenario:
    """R needs 3 critical units; P (cost 4) gives 1; candidates cost the median pledged cost, 4."""
    data = scenario_data(
        [req("R", quantity=3, priority="critical")], [pledge("P", cost_per_unit=4.0)]
    )
    data["settings"] = {"budget": budget}
    return scenario_from_data(data)


def test_candidates_are_paid_from_the_budget_and_what_it_cannot_pay_for_is_named() -> None:
    # budget 8: P (4) plus one candidate (4); the third unit stays open, blocked by the budget
    report = shortfall(_budget_case(8.0), OPTIONS).model_dump(mode="json")
    assert report["pledges"]["units"] == 1
    assert report["pledges"]["unclosed"] == [
        {"requirement": "R", "units": 1, "blocked_by": "budget"}
    ]
    assert report["pledges"]["budget"] == {"budget": 8.0, "spent_with_list": 8.0}
    # a budget the plan already spends: nothing can be added
    spent = shortfall(_budget_case(4.0), OPTIONS).model_dump(mode="json")
    assert spent["pledges"]["units"] == 0 and spent["pledges"]["groups"] == []
    assert spent["pledges"]["unclosed"] == [
        {"requirement": "R", "units": 2, "blocked_by": "budget"}
    ]
    # enough budget: the whole gap, as without one
    ample = shortfall(_budget_case(100.0), OPTIONS).model_dump(mode="json")
    assert ample["pledges"]["units"] == 2 and ample["pledges"]["unclosed"] == []
    closed = solve_scenario(with_list(_budget_case(100.0), ample), OPTIONS)
    assert {r.id: r.gap for r in closed.requirements}["R"] == 0


def test_the_per_state_cap_binds_each_new_contributor_not_the_list() -> None:
    data = scenario_data([req("R", quantity=3, priority="critical")], [pledge("P")])
    data["settings"] = {"max_units_per_state_per_mission": 1}
    scenario = scenario_from_data(data)
    report = shortfall(scenario, OPTIONS).model_dump(mode="json")
    [group] = report["pledges"]["groups"]
    assert (group["units"], group["min_contributors"]) == (2, 2)
    assert report["pledges"]["unclosed"] == []
    # two new contributors of one unit each close it under the cap
    data["member_states"] += [
        {"id": f"NEW{i}", "name": f"New {i}", "languages": ["fr"]} for i in range(2)
    ]
    data["pledges"] += [
        {
            "id": f"new{i}",
            "state": f"NEW{i}",
            "capability": "inf",
            "quantity": 1,
            "readiness": "level1",
        }
        for i in range(2)
    ]
    after = solve_scenario(scenario_from_data(data), OPTIONS)
    assert {r.id: r.gap for r in after.requirements}["R"] == 0


def test_shortfall_under_a_budget_exits_0_and_says_what_blocks(tmp_path) -> None:
    import yaml

    path = tmp_path / "budget.yaml"
    data = scenario_data(
        [req("R", quantity=3, priority="critical")], [pledge("P", cost_per_unit=4.0)]
    )
    data["settings"] = {"budget": 8.0}
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["shortfall", str(path)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "1 unit of R cannot be closed within the budget" in text
