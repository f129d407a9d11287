"""What-ifs that only change fields of existing objects revalidate just those objects: the same
scenario as validating the whole changed file, the same problems when a value is bad, and the
cross-reference checks' list of the fields they read kept whole by tracing their reads."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from gapsolver.exceptions import InputError
from gapsolver.preprocess.consistency import CHECKED_FIELDS, COLLECTION_NOUN, check_consistency
from gapsolver.preprocess.document import Document
from gapsolver.preprocess.load import load_scenario, scenario_from_data
from gapsolver.preprocess.variants import (
    _applied,
    _revalidated,
    apply_changes,
    changes_from_data,
)
from gapsolver.schema import Scenario

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "seoul-2021.yaml"


@pytest.fixture(scope="module")
def reference() -> Scenario:
    return load_scenario(REFERENCE)[0]


class _Reads(dict):
    """A dict that notes every key read from it."""

    def __init__(self, data: Mapping[str, Any], collection: str, seen: set[tuple[str, str]]):
        super().__init__(data)
        self.collection, self.seen = collection, seen

    def get(self, key: Any, default: Any = None) -> Any:
        self.seen.add((self.collection, key))
        return super().get(key, default)

    def __getitem__(self, key: Any) -> Any:
        self.seen.add((self.collection, key))
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.seen.add((self.collection, str(key)))
        return super().__contains__(key)


def test_the_cross_reference_checks_read_only_the_fields_they_declare(reference) -> None:
    data = reference.model_dump(mode="json")
    seen: set[tuple[str, str]] = set()
    traced = _Reads(
        {
            key: [_Reads(obj, key, seen) for obj in value] if key in COLLECTION_NOUN else value
            for key, value in data.items()
        },
        "",
        seen,
    )
    errors, _ = check_consistency(Document(data=traced, source="traced"))
    assert errors == []
    object_reads = {(collection, key) for collection, key in seen if collection}
    assert object_reads, "the trace saw nothing: it would prove nothing"
    assert object_reads <= CHECKED_FIELDS
    # the scenario's own fields it reads: the collections and start, never settings
    assert {key for collection, key in seen if not collection} <= {*COLLECTION_NOUN, "start"}
    # and no scenario-wide validator in the schema that the quick path would skip
    assert not Scenario.__pydantic_decorators__.model_validators


SAME_AS_A_FILE = [
    {"set": {"pledges[{pledge}].quantity": 7}},
    {"scale": {"pledges[*].cost_per_unit": 1.5}},
    {"shift": {"pledges[{pledge}].available_from": 40}},
    {"set": {"pledges[{pledge}].readiness": "rapid"}},
    {"set": {"requirements[{requirement}].min_readiness": "rapid"}},
    {"scale": {"requirements[*].quantity": 2}},
    {"set": {"trainings[{training}].capacity": 9}},
    {"shift": {"trainings[*].lead_time_days": 30}},
    {"set": {"donations[*].quantity": 3}},
    {"set": {"settings.budget": 1.0e9}},
    {"set": {"settings.max_units_per_state_per_mission": 2}},
    # removals of objects nothing names
    {"set": {"pledges[{pledge}].quantity": 0}},
    {"scale": {"trainings[{training}].capacity": 0}},
    {"remove": {"states": ["KOR"]}},
    {"remove": {"requirements": ["{requirement}"]}},
    # fields the cross-reference checks read, and removals of what others name: the whole check
    {"shift": {"requirements[*].needed_by": 10}},
    {"set": {"pledges[{pledge}].state": "KOR"}},
    {"remove": {"missions": ["{mission}"]}},
    {"shift": {"start": 5}},
]


@pytest.mark.parametrize("change", SAME_AS_A_FILE, ids=lambda c: str(c))
def test_a_changed_scenario_is_the_one_a_file_would_give(reference, change) -> None:
    names = {
        "pledge": reference.pledges[3].id,
        "requirement": reference.requirements[5].id,
        "training": reference.trainings[2].id,
        "mission": reference.missions[1].id,
    }
    operation, arguments = next(iter(change.items()))
    concrete = [
        {
            operation: {
                key.format(**names): (
                    [item.format(**names) for item in value] if isinstance(value, list) else value
                )
                for key, value in arguments.items()
            }
        }
    ]
    changes = changes_from_data(concrete)
    quick = apply_changes(reference, changes)
    whole = scenario_from_data(_applied(reference, changes).data)
    assert quick == whole
    assert quick != reference


def test_the_quick_path_is_taken_only_where_it_applies(reference) -> None:
    def quick(change: dict[str, Any]) -> bool:
        return _revalidated(reference, _applied(reference, changes_from_data([change]))) is not None

    pledge = reference.pledges[0].id
    assert quick({"set": {f"pledges[{pledge}].quantity": 2}})
    assert quick({"set": {"settings.budget": 5.0}})
    assert not quick({"set": {f"pledges[{pledge}].capability": "fpu"}})  # a reference
    assert quick({"set": {f"pledges[{pledge}].quantity": 0}})  # removes the pledge
    assert quick({"remove": {"states": [reference.pledges[0].state]}})  # and what it offers
    assert not quick({"remove": {"missions": [reference.missions[0].id]}})  # pledges name them
    assert not quick({"set": {f"pledges[{pledge}].quantity": -1}})  # the schema refuses it
    assert not quick({"set": {"description": "changed"}})  # the scenario's own field


def test_a_bad_value_is_reported_as_for_a_file(reference) -> None:
    pledge = reference.pledges[1].id
    with pytest.raises(InputError) as caught:
        apply_changes(
            reference,
            changes_from_data([{"set": {f"pledges[{pledge}].cost_per_unit": -5}}]),
        )
    [problem] = caught.value.problems
    assert problem.render().startswith(
        "[0].set: gives pledges[1].cost_per_unit: input should be greater than or equal to 0"
    )


def test_a_changed_scenario_hashes_as_its_whole_json(reference) -> None:
    from gapsolver.batch.plan import scenario_sha256, sha256_of

    pledge = reference.pledges[0].id
    changed = apply_changes(
        reference, changes_from_data([{"set": {f"pledges[{pledge}].quantity": 3}}])
    )
    odd = reference.model_copy(update={"pledges": [], "description": 'é ü \u2028 "q"'})
    for scenario in (reference, changed, odd, reference):  # the reference again: from the cache
        assert scenario_sha256(scenario) == sha256_of(scenario.model_dump(mode="json"))
    assert scenario_sha256(changed) != scenario_sha256(reference)
