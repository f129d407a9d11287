"""The sequential strategy (missions in priority order, each alone) on a hand-checked case where it
loses to the optimum, and `gapsolver compare`."""

from __future__ import annotations

import csv
import json

from conftest import build, pledge, req, scenario_data
from typer.testing import CliRunner

from gapsolver import SolveOptions, solve_scenario
from gapsolver.analysis.compare import compare
from gapsolver.cli import app
from gapsolver.model.build import build_model
from gapsolver.preprocess.encode import encode
from gapsolver.solve.sequential import mission_order

# M1 goes first (its demand weighs more). P1 suits R1 better (rapid) but is also the only pledge for
# R2 in M2; P2 can serve only R1. Alone, M1 takes P1 and leaves M2 empty; together, P2 → R1, P1 → R2.
CASE = (
    [
        req("R1", priority="critical"),
        req("R1b", priority="normal", capability="uh", quantity=2),
        req("R2", mission="M2", priority="critical"),
    ],
    [
        pledge("P1", readiness="rapid"),
        pledge("P2", readiness="level1", caveats={"only_missions": ["M1"]}),
    ],
)


def test_missions_are_taken_most_urgent_first() -> None:
    model = build_model(encode(build(*CASE)))
    assert [model.enc.mission_ids[m] for m in mission_order(model)] == ["M1", "M2"]


def test_sequential_loses_what_the_optimum_keeps() -> None:
    scenario = build(*CASE)
    optimal = solve_scenario(scenario, SolveOptions())
    sequential = solve_scenario(scenario, SolveOptions(strategy="sequential"))
    assert optimal.weighted_gap == 2  # only the two uh units nobody pledged
    assert sequential.weighted_gap == 102  # R2 left empty
    assert {(a.pledge, a.requirement) for a in sequential.assignments} == {("P1", "R1")}
    assert sequential.status.value == "feasible" and sequential.mip_gap is None
    assert [stage.objective for stage in sequential.stages] == [
        "M1:weighted_gap",
        "M1:suitability",
        "M2:weighted_gap",
        "M2:suitability",
    ]


def test_sequential_respects_shared_capacity_across_missions() -> None:
    training = {
        "id": "T",
        "trainer": "AAA",
        "capability": "inf",
        "capacity": 1,
        "eligible_trainees": ["BBB", "CCC"],
    }
    scenario = build(
        [req("R1", priority="critical"), req("R2", mission="M2", priority="critical")],
        [pledge("P1", needs_training=True), pledge("P2", state="CCC", needs_training=True)],
        trainings=[training],
    )
    result = solve_scenario(scenario, SolveOptions(strategy="sequential"))
    assert result.gap_units == 1  # one seat: the second mission finds it taken
    assert result.trainings[0].seats_used == 1


def test_compare_rows_and_summary() -> None:
    scenario = build(*CASE)
    comparison = compare([("case", scenario)], ["optimal", "greedy", "sequential"], SolveOptions())
    rows = {row.strategy: row for row in comparison.rows}
    assert rows["optimal"].ratio_to_optimal == 1.0
    assert rows["sequential"].ratio_to_optimal == 51.0
    assert (rows["sequential"].gap_critical, rows["sequential"].gap_normal) == (1, 2)
    summary = {entry.strategy: entry for entry in comparison.summary}
    assert summary["optimal"].optimal_in == 1 and summary["sequential"].optimal_in == 0
    assert summary["sequential"].worst_ratio_to_optimal == 51.0


def test_compare_cli(tmp_path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(scenario_data(*CASE)))
    out = tmp_path / "rows.csv"
    runner = CliRunner()
    shown = runner.invoke(app, ["compare", str(tmp_path / "*.json"), "-o", str(out)])
    assert shown.exit_code == 0, shown.output
    assert "Summary per strategy" in shown.output
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    greedy = solve_scenario(build(*CASE), SolveOptions(strategy="greedy")).weighted_gap
    assert [(row["strategy"], float(row["weighted_gap"])) for row in rows] == [
        ("optimal", 2.0),
        ("greedy", greedy),
        ("sequential", 102.0),
    ]
    bad = runner.invoke(app, ["compare", str(path), "--strategies", "optimal,magic"])
    assert bad.exit_code == 2 and "unknown strategy 'magic'" in bad.output
    none = runner.invoke(app, ["compare", str(tmp_path / "nothing-*.yaml")])
    assert none.exit_code == 2 and "no file matches" in none.output
