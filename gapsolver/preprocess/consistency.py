"""Cross-reference checks: the second level of validation.

The schema checks each object on its own; this pass checks the scenario as a whole — unknown and
duplicate ids, dates against ``start``, hosts — and reports every problem in one go. It also returns
warnings: things that are legal but almost certainly not what the planner meant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from gapsolver.exceptions import Problem
from gapsolver.preprocess.load import Document, PathKey
from gapsolver.schema import Scenario

_COLLECTION_NOUN = {
    "capabilities": "capability",
    "member_states": "member state",
    "missions": "mission",
    "requirements": "requirement",
    "pledges": "pledge",
    "donations": "donation",
    "trainings": "training",
}

# (collection, how to read the referenced ids of one object with their sub-paths, target collection)
Getter = Callable[[Any], Iterable[tuple[PathKey, str]]]


def _one(field: str) -> Getter:
    return lambda obj: [((field,), getattr(obj, field))]


def _many(*fields: str) -> Getter:
    def get(obj: Any) -> list[tuple[PathKey, str]]:
        value = obj
        for name in fields:
            value = getattr(value, name)
        return [((*fields, index), ref) for index, ref in enumerate(value)]

    return get


_REFERENCES: Sequence[tuple[str, Getter, str]] = (
    ("missions", _one("host"), "member_states"),
    ("missions", _many("co_hosts"), "member_states"),
    ("requirements", _one("mission"), "missions"),
    ("requirements", _one("capability"), "capabilities"),
    ("pledges", _one("state"), "member_states"),
    ("pledges", _one("capability"), "capabilities"),
    ("pledges", _many("caveats", "exclude_missions"), "missions"),
    ("pledges", _many("caveats", "only_missions"), "missions"),
    ("donations", _one("donor"), "member_states"),
    ("donations", _many("eligible_recipients"), "member_states"),
    ("trainings", _one("trainer"), "member_states"),
    ("trainings", _one("capability"), "capabilities"),
    ("trainings", _many("eligible_trainees"), "member_states"),
)


def check_consistency(scenario: Scenario, doc: Document) -> tuple[list[Problem], list[Problem]]:
    """Return (errors, warnings) for the scenario as a whole."""
    errors: list[Problem] = []
    warnings: list[Problem] = []

    known: dict[str, set[str]] = {}
    for collection, noun in _COLLECTION_NOUN.items():
        first_seen: dict[str, int] = {}
        for index, obj in enumerate(getattr(scenario, collection)):
            if obj.id in first_seen:
                errors.append(
                    doc.problem(
                        (collection, index, "id"),
                        f"duplicate {noun} id {obj.id!r} (first defined at "
                        f"{collection}[{first_seen[obj.id]}])",
                    )
                )
            else:
                first_seen[obj.id] = index
        known[collection] = set(first_seen)

    for collection, getter, target in _REFERENCES:
        for index, obj in enumerate(getattr(scenario, collection)):
            for sub_path, ref in getter(obj):
                if ref not in known[target]:
                    errors.append(
                        doc.problem(
                            (collection, index, *sub_path),
                            f"unknown {_COLLECTION_NOUN[target]} {ref!r}",
                        )
                    )

    for index, mission in enumerate(scenario.missions):
        if mission.host in mission.co_hosts:
            errors.append(
                doc.problem(("missions", index, "co_hosts"), f"{mission.host!r} is already the host")
            )

    for index, requirement in enumerate(scenario.requirements):
        if requirement.needed_by is not None and requirement.needed_by < scenario.start:
            errors.append(
                doc.problem(
                    ("requirements", index, "needed_by"),
                    f"needed_by {requirement.needed_by} is before the scenario start {scenario.start}",
                )
            )

    for index, donation in enumerate(scenario.donations):
        if donation.donor in donation.eligible_recipients:
            warnings.append(
                doc.problem(
                    ("donations", index, "eligible_recipients"),
                    f"the donor {donation.donor!r} is listed as its own recipient",
                )
            )

    warnings += _prerequisite_warnings(scenario, doc)
    if not scenario.requirements:
        warnings.append(doc.problem(("requirements",), "the scenario has no requirements"))
    return errors, warnings


def _prerequisite_warnings(scenario: Scenario, doc: Document) -> list[Problem]:
    """Conditional pledges that no donation or training in the scenario could ever enable."""
    warnings = []
    for index, pledge in enumerate(scenario.pledges):
        need = pledge.needs_equipment
        if need is not None and not any(
            donation.item == need.item and pledge.state in donation.eligible_recipients
            for donation in scenario.donations
        ):
            warnings.append(
                doc.problem(
                    ("pledges", index, "needs_equipment", "item"),
                    f"no donation of {need.item!r} lists {pledge.state!r} as a recipient: "
                    "this pledge cannot deploy",
                )
            )
        if pledge.needs_training and not any(
            training.capability == pledge.capability and pledge.state in training.eligible_trainees
            for training in scenario.trainings
        ):
            warnings.append(
                doc.problem(
                    ("pledges", index, "needs_training"),
                    f"no training for {pledge.capability!r} lists {pledge.state!r} as a trainee: "
                    "this pledge cannot deploy",
                )
            )
    return warnings
