"""Variants: each operation's semantics, composition, and located errors for bad variants."""

from __future__ import annotations

import pytest
from conftest import build, pledge, req

from gapsolver.exceptions import InputError
from gapsolver.preprocess.variants import apply_changes, changes_from_data, read_variants

DONATION = {
    "id": "D",
    "donor": "DDD",
    "item": "heli",
    "quantity": 4,
    "eligible_recipients": ["BBB"],
}
TRAINING = {
    "id": "T",
    "trainer": "CCC",
    "capability": "inf",
    "capacity": 2,
    "lead_time_days": 10,
    "eligible_trainees": ["BBB"],
}


def base():
    return build(
        [req("R1", needed_by="2022-03-01"), req("R2", mission="M2", quantity=3)],
        [
            pledge("P1", quantity=3),
            pledge("P2", state="CCC", available_from="2022-02-01"),
            pledge("P3", state="CCC", caveats={"only_missions": ["M2"]}),
        ],
        donations=[DONATION],
        trainings=[TRAINING],
    )


def apply(changes):
    return apply_changes(base(), changes_from_data(changes))


def test_remove_state_takes_everything_it_offers() -> None:
    changed = apply([{"remove": {"states": ["CCC"]}}])
    assert [p.id for p in changed.pledges] == ["P1"]
    assert changed.trainings == []  # CCC ran the course
    assert [s.id for s in changed.member_states] == [s.id for s in base().member_states]


def test_remove_mission_drops_its_requirements_and_pledges_only_for_it() -> None:
    changed = apply([{"remove": {"missions": ["M2"]}}])
    assert [r.id for r in changed.requirements] == ["R1"]
    assert [p.id for p in changed.pledges] == ["P1", "P2"]


def test_set_scale_shift_append_add() -> None:
    changed = apply(
        [
            {"set": {"pledges[P1].readiness": "rapid", "settings.budget": 10.0}},
            {"scale": {"pledges[*].quantity": 0.5}},  # 3 → 2 (half up), 1 → 1
            {"shift": {"pledges[state=CCC].available_from": 10, "requirements[R*].needed_by": -5}},
            {"shift": {"trainings[T].lead_time_days": -30}},
            {"append": {"donations[D].eligible_recipients": ["CCC", "BBB"]}},
            {"add": {"pledges": [pledge("P4", state="DDD")]}},
        ]
    )
    pledges = {p.id: p for p in changed.pledges}
    assert pledges["P1"].readiness.value == "rapid" and changed.settings.budget == 10.0
    assert [pledges[p].quantity for p in ("P1", "P2", "P3")] == [2, 1, 1]
    assert str(pledges["P2"].available_from) == "2022-02-11"
    assert str(pledges["P3"].available_from) == "2022-01-11"  # unset counts as start
    needed = {r.id: r.needed_by for r in changed.requirements}
    assert str(needed["R1"]) == "2022-02-24" and needed["R2"] is None  # unset stays unset
    assert changed.trainings[0].lead_time_days == 0  # never below 0
    assert changed.donations[0].eligible_recipients == ["BBB", "CCC"]
    assert "P4" in pledges


def test_scaling_or_setting_to_zero_removes_the_object() -> None:
    assert apply([{"scale": {"donations[D].quantity": 0.1}}]).donations == []
    changed = apply([{"set": {"trainings[T].capacity": 0, "pledges[P2].quantity": 0}}])
    assert changed.trainings == [] and [p.id for p in changed.pledges] == ["P1", "P3"]


def test_every_problem_of_a_change_list_at_once() -> None:
    with pytest.raises(InputError) as caught:
        apply(
            [
                {"set": {"pledges[NOPE].quantity": 2}},
                {"set": {"pledges[P1].readiness": "level9"}},
                {"remove": {"donations": ["X*"]}},
            ]
        )
    rendered = [problem.render() for problem in caught.value.problems]
    assert rendered == [
        "[0].set.pledges[NOPE].quantity: no pledge matches 'NOPE'",
        "[2].remove.donations[0]: no donation matches 'X*'",
        "[1].set: gives pledges[0].readiness: input should be 'level1', 'level2', 'level3' or "
        "'rapid' (got 'level9')",
    ]


def test_variants_file_composes_and_locates_errors(tmp_path) -> None:
    path = tmp_path / "variants.yaml"
    path.write_text(
        "variants:\n"
        "  - name: first\n"
        "    changes:\n"
        '      - set: {"pledges[P1].quantity": 5}\n'
        "  - name: second\n"
        "    extends: [first]\n"
        "    changes:\n"
        '      - scale: {"pledges[P1].quantity": 2}\n'
    )
    variants = read_variants(path)
    changed = apply_changes(base(), variants.changes(["second"]))
    assert changed.pledges[0].quantity == 10  # first's set, then second's scale
    with pytest.raises(InputError, match="unknown variant 'third'"):
        variants.changes(["third"])

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "variants:\n"
        "  - name: a\n"
        "    extends: [zzz]\n"
        "    changes:\n"
        "      - remove: {planets: [X]}\n"
        '      - set: {"pledges[P1]": 1}\n'
        "      - {set: {}, scale: {}}\n"
    )
    with pytest.raises(InputError) as caught:
        read_variants(bad)
    rendered = [problem.render(str(bad)) for problem in caught.value.problems]
    assert any(":5: variants[0].changes[0].remove.planets: input should be" in r for r in rendered)
    assert any(
        ":6: variants[0].changes[1].set.pledges[P1]: 'pledges[P1]' is not a target" in r
        for r in rendered
    )
    assert any("variants[0].changes[2]: a change has exactly one of" in r for r in rendered)
    assert len(rendered) == 3


def test_bad_value_in_a_file_is_located_at_its_change(tmp_path) -> None:
    path = tmp_path / "variants.yaml"
    path.write_text(
        'variants:\n  - name: a\n    changes:\n      - set: {"pledges[*].quantity": -1}\n'
    )
    with pytest.raises(InputError) as caught:
        apply_changes(base(), read_variants(path).changes(["a"]))
    [problem] = caught.value.problems
    assert problem.line == 4
    assert problem.message.startswith("gives pledges[0].quantity: input should be greater than")
    assert problem.message.endswith("(and 2 more like it)")


def test_whatif_cli_solves_base_and_variant_and_reports_the_difference(tmp_path) -> None:
    import json

    from conftest import scenario_data
    from typer.testing import CliRunner

    from gapsolver.cli import app

    scenario = tmp_path / "s.json"
    scenario.write_text(
        json.dumps(
            scenario_data(
                [req("R1", priority="critical"), req("R2", mission="M2")],
                [pledge("P1"), pledge("P2", state="CCC", caveats={"only_missions": ["M2"]})],
            )
        )
    )
    variants = tmp_path / "variants.yaml"
    variants.write_text(
        "variants:\n  - name: ccc-out\n    changes:\n      - remove: {states: [CCC]}\n"
    )
    runner = CliRunner()
    by_file = runner.invoke(
        app, ["whatif", str(scenario), "-f", str(variants), "-v", "ccc-out", "--json"]
    )
    assert by_file.exit_code == 0, by_file.output
    difference = json.loads(by_file.output)
    assert difference["kpis"]["weighted_gap"] == {"a": 0.0, "b": 1.0, "delta": 1.0}
    assert difference["gaps_opened"] == [
        {"requirement": "R2", "mission": "M2", "gap_a": 0, "gap_b": 1}
    ]
    assert difference["changes"] == [{"remove": {"states": ["CCC"]}}]
    shortcut = runner.invoke(app, ["whatif", str(scenario), "--without-state", "CCC", "--json"])
    assert json.loads(shortcut.output)["kpis"] == difference["kpis"]
    by_id = runner.invoke(app, ["whatif", str(scenario), "--without", "P1"])
    assert by_id.exit_code == 0 and "Gaps opened" in by_id.output
    bad = runner.invoke(app, ["whatif", str(scenario), "--without-state", "XYZ", "--without", "Q"])
    assert bad.exit_code == 2
    assert "--without-state: unknown member state 'XYZ'" in bad.output
    assert "--without: no pledge, donation or training has the id 'Q'" in bad.output
    nothing = runner.invoke(app, ["whatif", str(scenario)])
    assert nothing.exit_code == 2 and "no change given" in nothing.output
