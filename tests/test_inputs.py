"""Bad input: every problem reported at once, located by path and line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import pledge, req, scenario_data

from gapsolver import InputError, load_scenario, scenario_from_data

BAD_YAML = """\
name: bad
start: 2022-01-01
capabilities:
  - {id: uh, name: Utility helicopter unit, personnel: 100}
  - {id: uh, name: Duplicate, personnel: 0}
member_states:
  - {id: KOR, name: Korea, languages: [ko, xx]}
  - {id: NOR, name: Norway, languages: [no]}
missions:
  - {id: M1, name: Mission one, host: MLI}
requirements:
  - {id: R1, mission: M1, capability: uh, quantity: -2, priority: urgent}
  - {id: R2, mission: M9, capability: uh, quantity: 1, needed_by: 2021-01-01}
pledges:
  - {id: P1, state: XYZ, capability: uh, quantity: 2, readiness: level2, colour: red}
  - {id: P2, state: KOR, capability: uh, quantity: "2", readiness: level2,
     caveats: {exclude_missions: [M1], only_missions: [M1]}}
  - {id: P3, state: NOR, capability: uh, quantity: 1, readiness: level4}
"""

EXPECTED = [
    "bad.yaml:5: capabilities[1].personnel: input should be greater than or equal to 1 (got 0)",
    "bad.yaml:5: capabilities[1].id: duplicate capability id 'uh' (first defined at capabilities[0])",
    "bad.yaml:7: member_states[0].languages[1]: 'xx' is not an ISO 639-1 language code (e.g. 'en', 'fr', 'ar')",
    "bad.yaml:10: missions[0].host: unknown member state 'MLI'",
    "bad.yaml:12: requirements[0].quantity: input should be greater than or equal to 1 (got -2)",
    "bad.yaml:12: requirements[0].priority: input should be 'critical', 'high' or 'normal' (got 'urgent')",
    "bad.yaml:13: requirements[1].mission: unknown mission 'M9'",
    "bad.yaml:13: requirements[1].needed_by: needed_by 2021-01-01 is before the scenario start 2022-01-01",
    "bad.yaml:15: pledges[0].colour: unknown key 'colour'",
    "bad.yaml:15: pledges[0].state: unknown member state 'XYZ'",
    "bad.yaml:16: pledges[1].quantity: input should be a valid integer (got '2')",
    "bad.yaml:17: pledges[1].caveats: missions both excluded and allowed: M1",
    "bad.yaml:18: pledges[2].readiness: input should be 'level1', 'level2', 'level3' or 'rapid' (got 'level4')",
]


def _messages(error: InputError) -> list[str]:
    return [problem.render(Path(error.source or "").name) for problem in error.problems]


def test_every_problem_at_once_with_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_YAML)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert _messages(caught.value) == EXPECTED
    assert caught.value.exit_code == 2


def test_json_gets_the_same_checks_with_lines(tmp_path: Path) -> None:
    data = yaml.safe_load(BAD_YAML)
    data["member_states"][1]["languages"] = ["no"]  # PyYAML's 1.1 booleans would read `no` as False
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, indent=1, default=str))
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    paths = [problem.path for problem in caught.value.problems]
    assert "pledges[0].state" in paths and "missions[0].host" in paths
    assert all(problem.line is not None for problem in caught.value.problems)
    assert len(caught.value.problems) == len(EXPECTED)


def test_norwegian_no_is_a_language_not_a_boolean(tmp_path: Path) -> None:
    data = scenario_data([req("R1")], [pledge("P1")])
    data["member_states"][0]["languages"] = ["no"]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data).replace("'no'", "no"))
    assert "- no\n" in path.read_text()
    scenario, _ = load_scenario(path)
    assert scenario.member_states[0].languages == ["no"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "expected a mapping at the top level, got list"),
        (
            "name: x\nstart: [2022\n",
            "s.yaml:3: YAML syntax error:",
        ),
        ("name: x\nname: y\nstart: 2022-01-01\n", "name: duplicate key 'name' (first at line 1)"),
        ("name: x\n", "missing required key 'start'"),
        ("name: x\nstart: 2022-02-30\n", "start: input should be a valid date"),
    ],
)
def test_file_level_problems(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert any(message in line for line in _messages(caught.value)), _messages(caught.value)


def test_missing_file() -> None:
    with pytest.raises(InputError) as caught:
        load_scenario("does/not/exist.yaml")
    assert _messages(caught.value) == ["exist.yaml: file not found"]


def test_json_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{\n  "name": "x",\n  "start": "2022-01-01",\n}\n')
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert _messages(caught.value) == [
        "s.json:4: JSON syntax error: Expecting property name enclosed in double quotes (column 1)"
    ]


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (lambda d: d["pledges"][0].update(quantity=True), "pledges[0].quantity", "valid integer"),
        (
            lambda d: d["pledges"][0].update(women_share=1.5),
            "pledges[0].women_share",
            "less than or equal to 1",
        ),
        (
            lambda d: d["pledges"][0].update(cost_per_unit=-1.0),
            "pledges[0].cost_per_unit",
            "greater than or equal to 0",
        ),
        (
            lambda d: d["member_states"][0].update(location=[95.0, 0.0]),
            "member_states[0].location[0]",
            "less than or equal to 90",
        ),
        (lambda d: d["member_states"][0].update(id="A B"), "member_states[0].id", "not a valid id"),
        (
            lambda d: d["missions"][0].update(co_hosts=["HHH"]),
            "missions[0].co_hosts",
            "already the host",
        ),
        (
            lambda d: d.update(settings={"priority_weights": {"critical": 0.0}}),
            "settings.priority_weights.critical",
            "greater than 0",
        ),
        (
            lambda d: d["donations"].append(
                {
                    "id": "D1",
                    "donor": "ZZZ",
                    "item": "heli",
                    "quantity": 1,
                    "eligible_recipients": [],
                }
            ),
            "donations[0].eligible_recipients",
            "at least 1 item",
        ),
        (
            lambda d: d["trainings"].append(
                {
                    "id": "T1",
                    "trainer": "AAA",
                    "capability": "tank",
                    "capacity": 1,
                    "eligible_trainees": ["BBB"],
                }
            ),
            "trainings[0].capability",
            "unknown capability 'tank'",
        ),
        (lambda d: d["pledges"].append(pledge("P1")), "pledges[1].id", "duplicate pledge id 'P1'"),
    ],
)
def test_object_problems(mutate, path: str, message: str) -> None:  # type: ignore[no-untyped-def]
    data = scenario_data([req("R1")], [pledge("P1")])
    mutate(data)
    with pytest.raises(InputError) as caught:
        scenario_from_data(data)
    found = [p for p in caught.value.problems if p.path == path]
    assert found and message in found[0].message, [p.render() for p in caught.value.problems]


def test_warnings_for_pledges_no_partnership_can_enable(tmp_path: Path) -> None:
    data = scenario_data(
        [req("R1", capability="uh")],
        [
            pledge(
                "P1",
                capability="uh",
                needs_training=True,
                needs_equipment={"item": "heli", "per_unit": 2},
            )
        ],
    )
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    _, warnings = load_scenario(path)
    assert [w.path for w in warnings] == [
        "pledges[0].needs_equipment.item",
        "pledges[0].needs_training",
    ]


def test_json_duplicate_keys_are_reported_with_path_and_line(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{\n  "name": "x",\n  "start": "2022-01-01",\n  "name": "y"\n}\n')
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert _messages(caught.value) == ["s.json:4: name: duplicate key 'name' (first at line 2)"]


def test_numbers_are_read_by_yaml_1_2_rules(tmp_path: Path) -> None:
    data = scenario_data([req("R1", quantity=3)], [pledge("P1", quantity=2)])
    text = yaml.safe_dump(data, sort_keys=False)
    text = text.replace("quantity: 3", "quantity: 03").replace(
        "  readiness: level1", "  readiness: level1\n  cost_per_unit: 1e6"
    )
    path = tmp_path / "s.yaml"
    path.write_text(text)
    scenario, _ = load_scenario(path)
    assert scenario.requirements[0].quantity == 3  # decimal, not YAML 1.1 octal
    assert scenario.pledges[0].cost_per_unit == 1e6  # 1e6 is a number in YAML 1.2
    path.write_text(text.replace("quantity: 03", "quantity: 1:20"))
    with pytest.raises(InputError) as caught:
        load_scenario(path)  # YAML 1.1 would read 1:20 as 80
    assert "(got '1:20')" in str(caught.value)
