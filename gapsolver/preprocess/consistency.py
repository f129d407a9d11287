"""Cross-reference checks: the second level of validation.

The schema checks each object on its own; this pass checks the scenario as a whole — unknown and
duplicate ids, dates against ``start``, hosts — and reports every problem in one go. It reads the raw
document rather than validated models so that it still runs, and still reports, when the schema check
failed elsewhere in the file: a planner sees every problem after one run. Values of the wrong type are
skipped here (the schema check already reports them).

It also returns warnings: things that are legal but almost certainly not what the planner meant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from gapsolver.exceptions import Problem
from gapsolver.preprocess.document import Document, PathKey
from gapsolver.preprocess.encode import encode
from gapsolver.preprocess.rules import has_course, has_donor
from gapsolver.schema import Scenario

COLLECTION_NOUN = {
    "capabilities": "capability",
    "member_states": "member state",
    "missions": "mission",
    "requirements": "requirement",
    "pledges": "pledge",
    "donations": "donation",
    "trainings": "training",
}

# (collection, path to a reference inside one object — a trailing "*" means a list of them, target)
REFERENCES: Sequence[tuple[str, tuple[str, ...], str]] = (
    ("missions", ("host",), "member_states"),
    ("missions", ("co_hosts", "*"), "member_states"),
    ("requirements", ("mission",), "missions"),
    ("requirements", ("capability",), "capabilities"),
    ("pledges", ("state",), "member_states"),
    ("pledges", ("capability",), "capabilities"),
    ("pledges", ("caveats", "exclude_missions", "*"), "missions"),
    ("pledges", ("caveats", "only_missions", "*"), "missions"),
    ("donations", ("donor",), "member_states"),
    ("donations", ("eligible_recipients", "*"), "member_states"),
    ("trainings", ("trainer",), "member_states"),
    ("trainings", ("capability",), "capabilities"),
    ("trainings", ("eligible_trainees", "*"), "member_states"),
)


REFERENCED: frozenset[str] = frozenset(target for _, _, target in REFERENCES)
"""The collections whose objects others name: removing any other object leaves no name dangling."""

CHECKED_FIELDS: frozenset[tuple[str, str]] = frozenset(
    {(collection, "id") for collection in COLLECTION_NOUN}
    | {(collection, path[0]) for collection, path, _ in REFERENCES}
    | {("requirements", "needed_by"), ("donations", "eligible_recipients")}
)
"""The fields of a collection's objects that :func:`check_consistency` reads (besides the scenario's
``start`` and the collections themselves), as (collection, field). Its outcome cannot change when
only other fields of existing objects do: a what-if that changes nothing else revalidates only the
objects it changed (:func:`gapsolver.preprocess.variants.apply_changes`). tests/test_variants_quick.py
traces the reads to keep this list whole."""


def _objects(data: Mapping[str, Any], collection: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    items = data.get(collection)
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, Mapping):
                yield index, item


def _refs(obj: Any, path: tuple[str, ...], at: PathKey = ()) -> Iterator[tuple[PathKey, str]]:
    if not path:
        if isinstance(obj, str):
            yield at, obj
        return
    head, rest = path[0], path[1:]
    if head == "*":
        if isinstance(obj, list):
            for index, item in enumerate(obj):
                yield from _refs(item, rest, (*at, index))
    elif isinstance(obj, Mapping) and head in obj:
        yield from _refs(obj[head], rest, (*at, head))


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def check_consistency(doc: Document) -> tuple[list[Problem], list[Problem]]:
    """Return (errors, warnings) for the scenario document as a whole."""
    data = doc.data if isinstance(doc.data, Mapping) else {}
    errors: list[Problem] = []
    warnings: list[Problem] = []

    known: dict[str, set[str]] = {}
    for collection, noun in COLLECTION_NOUN.items():
        first_seen: dict[str, int] = {}
        for index, obj in _objects(data, collection):
            identifier = obj.get("id")
            if not isinstance(identifier, str):
                continue
            if identifier in first_seen:
                errors.append(
                    doc.problem(
                        (collection, index, "id"),
                        f"duplicate {noun} id {identifier!r} (first defined at "
                        f"{collection}[{first_seen[identifier]}])",
                    )
                )
            else:
                first_seen[identifier] = index
        known[collection] = set(first_seen)

    for collection, path, target in REFERENCES:
        for index, obj in _objects(data, collection):
            for sub_path, ref in _refs(obj, path):
                if ref not in known[target]:
                    errors.append(
                        doc.problem(
                            (collection, index, *sub_path),
                            f"unknown {COLLECTION_NOUN[target]} {ref!r}",
                        )
                    )

    for index, mission in _objects(data, "missions"):
        co_hosts = mission.get("co_hosts")
        if isinstance(co_hosts, list) and mission.get("host") in co_hosts:
            errors.append(
                doc.problem(
                    ("missions", index, "co_hosts"), f"{mission.get('host')!r} is already the host"
                )
            )

    start = _date(data.get("start"))
    for index, requirement in _objects(data, "requirements"):
        needed_by = _date(requirement.get("needed_by"))
        if start is not None and needed_by is not None and needed_by < start:
            errors.append(
                doc.problem(
                    ("requirements", index, "needed_by"),
                    f"needed_by {needed_by} is before the scenario start {start}",
                )
            )

    for index, donation in _objects(data, "donations"):
        recipients = donation.get("eligible_recipients")
        if isinstance(recipients, list) and donation.get("donor") in recipients:
            warnings.append(
                doc.problem(
                    ("donations", index, "eligible_recipients"),
                    f"the donor {donation.get('donor')!r} is listed as its own recipient",
                )
            )

    if not data.get("requirements"):
        warnings.append(doc.problem(("requirements",), "the scenario has no requirements"))
    return errors, warnings


def prerequisite_warnings(scenario: Scenario, doc: Document) -> list[Problem]:
    """Conditional pledges that no donation or training in the scenario could ever enable, read off
    the encoding with the eligibility module's own tests (only for a valid scenario)."""
    enc = encode(scenario)
    pledges = np.arange(len(scenario.pledges))
    no_donor = ~has_donor(enc, pledges)
    no_course = ~has_course(enc)
    warnings = []
    for index in np.flatnonzero(no_donor | no_course).tolist():
        pledge = scenario.pledges[index]
        if no_donor[index] and pledge.needs_equipment is not None:
            warnings.append(
                doc.problem(
                    ("pledges", index, "needs_equipment", "item"),
                    f"no donation of {pledge.needs_equipment.item!r} lists {pledge.state!r} as a "
                    "recipient: this pledge cannot deploy",
                )
            )
        if no_course[index]:
            warnings.append(
                doc.problem(
                    ("pledges", index, "needs_training"),
                    f"no training for {pledge.capability!r} lists {pledge.state!r} as a trainee: "
                    "this pledge cannot deploy",
                )
            )
    return warnings
