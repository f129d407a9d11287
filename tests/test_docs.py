"""The docs say what the code does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from gapsolver import scenario_from_data, solve_scenario
from gapsolver.model.families import CONSTRAINT_FAMILIES
from gapsolver.preprocess.rules import RULE_NAMES
from gapsolver.preprocess.scoring import FEATURES
from gapsolver.schema import scenario as schema

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _models() -> list[type]:
    return [
        schema.Scenario,
        schema.Capability,
        schema.MemberState,
        schema.Mission,
        schema.Requirement,
        schema.Pledge,
        schema.Caveats,
        schema.EquipmentNeed,
        schema.Donation,
        schema.Training,
        schema.Settings,
        schema.PriorityWeights,
        schema.ScoreWeights,
    ]


@pytest.mark.parametrize("model", _models(), ids=lambda model: model.__name__)
def test_every_schema_field_is_documented(model: type) -> None:
    text = (DOCS / "scenario-format.md").read_text()
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        assert f"| `{name}` |" in text, (
            f"{model.__name__}.{name} missing from docs/scenario-format.md"
        )
        assert field.description and field.description in text, (
            f"{model.__name__}.{name} description"
        )


def test_formulation_names_every_rule_family_and_feature() -> None:
    text = (DOCS / "formulation.md").read_text()
    for rule in RULE_NAMES:
        assert f"`{rule}`" in text, rule
    for define in CONSTRAINT_FAMILIES:
        family = define.__name__.removeprefix("define_")
        assert f"**`{family}`**" in text, family
    for feature in FEATURES:
        assert f"| `{feature}` |" in text, feature


def test_minimal_example_solves_as_documented() -> None:
    text = (DOCS / "scenario-format.md").read_text()
    example = re.search(r"## A minimal scenario\n\n```yaml\n(.*?)```", text, re.S)
    assert example
    data = yaml.safe_load(example.group(1))
    result = solve_scenario(scenario_from_data(data))
    assert result.weighted_gap == 100


def test_every_limit_is_documented_with_its_value() -> None:
    from gapsolver import limits

    text = (DOCS / "limits.md").read_text()
    for name in dir(limits):
        if name.isupper():
            assert f"`{name}`" in text, f"{name} missing from docs/limits.md"
    assert "| `MAX_QUANTITY` | 1,000,000 |" in text and limits.MAX_QUANTITY == 1_000_000
    assert "| `MAX_NODES` | 500,000 |" in text and limits.MAX_NODES == 500_000
    assert "| `MAX_RUNS` | 100,000 |" in text and limits.MAX_RUNS == 100_000
    assert f"| `MAX_FILE_BYTES` | {limits.MAX_FILE_BYTES // 2**20} MiB |" in text


def test_architecture_says_where_every_rule_and_family_lives() -> None:
    from gapsolver.preprocess.rules import TRAINING

    text = (DOCS / "architecture.md").read_text()
    for rule in (*RULE_NAMES, TRAINING.name):
        assert f"`{rule}`" in text or f"`{rule.upper()}`" in text, rule
    for define in CONSTRAINT_FAMILIES:
        assert f"`{define.__name__.removeprefix('define_')}`" in text, define.__name__
    package = Path(__file__).resolve().parent.parent / "gapsolver"
    for folder in sorted(
        p.name for p in package.iterdir() if p.is_dir() and p.name != "__pycache__"
    ):
        assert f"`{folder}/`" in text, folder


def test_every_source_path_the_docs_name_exists() -> None:
    root = Path(__file__).resolve().parent.parent
    named = {
        match
        for path in [*DOCS.glob("*.md"), root / "README.md"]
        for match in re.findall(r"gapsolver/[a-z_/]+\.py", path.read_text())
    }
    assert named and [path for path in sorted(named) if not (root / path).exists()] == []
