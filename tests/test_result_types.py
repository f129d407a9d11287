"""Typed results: the result file's JSON Schema describes what `solve` writes, a result reads back
to the same JSON, and every analysis returns a typed object its renderer prints."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import build, pledge, req
from typer.testing import CliRunner

from gapsolver import SolveOptions, solve_scenario
from gapsolver.analysis.compare import compare, kpis
from gapsolver.analysis.dependence import dependence, donation_impact
from gapsolver.analysis.diff import ResultFile, diff_results, variant_diff
from gapsolver.analysis.robust import robust
from gapsolver.cli import app
from gapsolver.preprocess.variants import withdraw
from gapsolver.report.common import printer
from gapsolver.report.compare import print_compare
from gapsolver.report.dependence import print_dependence
from gapsolver.report.diff import print_diff
from gapsolver.report.result import print_result
from gapsolver.report.robust import print_robust
from gapsolver.schema import Priority, Scenario
from gapsolver.schema.analysis import (
    Comparison,
    DependenceReport,
    PlanDiff,
    PlanKpis,
    RobustReport,
    VariantDiff,
)
from gapsolver.schema.result import Result, StageStatus, result_json_schema

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "seoul-2021.yaml"
runner = CliRunner()


# --------------------------------------------------------------------------------------------------
# A JSON Schema check of the keywords pydantic writes (no validator library is a dependency)


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        schema = {**root["$defs"][name], **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def schema_errors(
    value: Any, schema: dict[str, Any], root: dict[str, Any], path: str = ""
) -> list[str]:
    """Where ``value`` breaks ``schema`` (empty when it conforms)."""
    schema = _resolve(schema, root)
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema["oneOf"]
        if any(not schema_errors(value, option, root, path) for option in options):
            return []
        return [f"{path}: {value!r} matches none of {options}"]
    if "const" in schema and value != schema["const"]:
        return [f"{path}: {value!r} is not {schema['const']!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: {value!r} is not one of {schema['enum']}"]
    kind = schema.get("type")
    checks = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
        "array": lambda v: isinstance(v, list),
        "object": lambda v: isinstance(v, dict),
    }
    if kind is not None and not checks[kind](value):
        return [f"{path}: {value!r} is not of type {kind}"]
    errors: list[str] = []
    if kind == "array":
        for index, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), root, f"{path}[{index}]")
    if kind == "object":
        properties = schema.get("properties", {})
        errors += [
            f"{path}.{key}: missing" for key in schema.get("required", []) if key not in value
        ]
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                errors += schema_errors(item, properties[key], root, f"{path}.{key}")
            elif extra is False:
                errors.append(f"{path}.{key}: not allowed")
            elif isinstance(extra, dict):
                errors += schema_errors(item, extra, root, f"{path}.{key}")
    return errors


@pytest.fixture(scope="module")
def reference_json() -> dict[str, Any]:
    done = runner.invoke(app, ["solve", str(REFERENCE), "--json"])
    assert done.exit_code == 0, done.output
    return dict(json.loads(done.stdout))


def test_the_result_schema_validates_the_reference_solve(reference_json: dict[str, Any]) -> None:
    printed = runner.invoke(app, ["schema", "--result"])
    assert printed.exit_code == 0, printed.output
    schema = json.loads(printed.stdout)
    assert schema == result_json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(reference_json)  # every key is always written
    assert schema_errors(reference_json, schema, schema) == []
    # the scenario schema is still the default
    assert "pledges" in json.loads(runner.invoke(app, ["schema"]).stdout)["properties"]


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda r: r.update(weighted_gap="12"), ".weighted_gap"),
        (lambda r: r["requirements"][0].update(gap=1.5), ".requirements[0].gap"),
        (lambda r: r["requirements"][0].update(priority="urgent"), ".requirements[0].priority"),
        (lambda r: r["stages"][0].update(status="done"), ".stages[0].status"),
        (lambda r: r.update(format_version=2), ".format_version"),
        (lambda r: r.pop("trainings"), ".trainings: missing"),
        (lambda r: r.update(surprise=1), ".surprise: not allowed"),
    ],
)
def test_the_result_schema_rejects_a_wrong_type(
    reference_json: dict[str, Any], edit: Any, where: str
) -> None:
    schema = result_json_schema()
    broken = json.loads(json.dumps(reference_json))
    edit(broken)
    errors = schema_errors(broken, schema, schema)
    assert any(error.startswith(where) for error in errors), errors
    with pytest.raises(ValueError):  # the model refuses it too
        Result.from_json(json.dumps(broken))


def test_a_result_reads_back_to_the_same_json(reference_json: dict[str, Any]) -> None:
    text = json.dumps(reference_json, indent=2)
    result = Result.from_json(text)
    assert next(iter(result.to_dict())) == "format_version"
    assert json.dumps(result.to_dict(), indent=2) == text
    assert all(isinstance(stage.status, StageStatus) for stage in result.stages)
    assert all(isinstance(r.priority, Priority) for r in result.requirements)


def _scenario() -> Scenario:
    return build(
        [
            req("R1", priority="critical"),
            req("R2", mission="M2", quantity=2, priority="high"),
            req("R3", mission="M2", capability="uh"),
        ],
        [
            pledge("P1", reliability=0.5),
            pledge("P2", state="CCC", quantity=2, caveats={"only_missions": ["M2"]}),
            pledge(
                "P3", state="CCC", capability="uh", needs_equipment={"item": "heli", "per_unit": 2}
            ),
        ],
        donations=[
            {
                "id": "D1",
                "donor": "DDD",
                "item": "heli",
                "quantity": 2,
                "eligible_recipients": ["CCC"],
            }
        ],
    )


def test_a_result_with_donation_impact_reads_back_and_renders() -> None:
    scenario = _scenario()
    result = solve_scenario(scenario)
    result.donation_impact = donation_impact(scenario, result, workers=1)
    assert [impact.donation for impact in result.donation_impact] == ["D1"]
    assert result.donations[0].requirements == [{"requirement": "R3", "mission": "M2", "units": 1}]
    data = result.to_dict()
    again = Result.from_json(json.dumps(data))
    assert again == result and again.to_dict() == data
    text = _rendered(lambda out: print_result(result, out))
    assert "What each donation closes" in text and "Donated equipment used" in text


def _rendered(show: Any) -> str:
    buffer = io.StringIO()
    show(printer("markdown", buffer))
    return buffer.getvalue()


def _reads_back(model: Any) -> None:
    """The analysis's JSON is its model's: it validates and writes the same JSON again."""
    data = json.loads(json.dumps(model.to_dict()))
    assert type(model).model_validate(data).to_dict() == data


def test_compare_is_typed_and_renders() -> None:
    scenario = _scenario()
    comparison = compare([("case", scenario)], ["optimal", "greedy"], SolveOptions())
    assert isinstance(comparison, Comparison)
    assert all(isinstance(row.ratio_to_optimal, float) for row in comparison.rows)
    _reads_back(comparison)
    text = _rendered(lambda out: print_compare(comparison, out))
    assert "× optimal" in text and "Summary per strategy" in text
    # without the optimum, the ratios are left out, not written as null
    plain = compare([("case", scenario)], ["greedy"], SolveOptions())
    assert "ratio_to_optimal" not in plain.to_dict()["rows"][0]
    assert "optimal_in" not in plain.to_dict()["summary"][0]
    assert "× optimal" not in _rendered(lambda out: print_compare(plain, out))
    _reads_back(plain)


def test_kpis_are_typed() -> None:
    figures = kpis(solve_scenario(_scenario()))
    assert isinstance(figures, PlanKpis)
    assert sum(figures.gap_of(priority) for priority in Priority) == figures.gap_units


def test_robust_is_typed_and_renders() -> None:
    report = robust(_scenario(), 6, seed=3)
    assert isinstance(report, RobustReport)
    assert len(report.runs) == 6 and "note" not in report.to_dict()
    _reads_back(report)
    assert "Optimal plan across samples" in _rendered(lambda out: print_robust(report, out))
    certain = robust(build([req("R1")], [pledge("P1")]), 5, seed=1)
    assert certain.note and certain.runs == [] and "note" in certain.to_dict()
    _reads_back(certain)
    assert "solved once" in _rendered(lambda out: print_robust(certain, out))


def test_diff_and_whatif_are_typed_and_render() -> None:
    scenario = _scenario()
    base = solve_scenario(scenario)
    without = solve_scenario(scenario.model_copy(update={"donations": []}))
    difference = diff_results(ResultFile.of(base), ResultFile.of(without))
    assert isinstance(difference, PlanDiff)
    assert [(gap.requirement, gap.gap_a, gap.gap_b) for gap in difference.gaps_opened] == [
        ("R3", 0, 1)
    ]
    assert isinstance(difference.kpis["allocated_units"].delta, int)
    _reads_back(difference)
    text = _rendered(lambda out: print_diff(difference, out))
    assert "Gaps opened" in text and "Donations redirected" in text
    change = withdraw("donation", "D1").model_dump(exclude_none=True)
    whatif = variant_diff(base, without, [], [change])
    assert isinstance(whatif, VariantDiff) and whatif.to_dict()["changes"] == [change]
    _reads_back(whatif)
    assert "Gaps opened" in _rendered(lambda out: print_diff(whatif, out))


def test_dependence_is_typed_and_renders() -> None:
    report = dependence(_scenario(), workers=1)
    assert isinstance(report, DependenceReport)
    assert {w.kind for w in report.withdrawals} == {"donation", "state"}
    _reads_back(report)
    text = _rendered(lambda out: print_dependence(report, out))
    assert "Withdrawals that widen the gap" in text and "Contributor concentration" in text
