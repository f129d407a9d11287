"""What-if variants: named, composable changes to a base scenario.

A variants file (YAML or JSON) holds ``variants:``, a list of ``{name, description, extends, changes}``.
Each change is a mapping with exactly one operation:

- ``remove: {states|pledges|donations|trainings|requirements|missions: [id or glob, ...]}`` — removing
  a state removes everything it offers (its pledges, the donations it gives, the trainings it runs);
  removing a mission removes its requirements and drops it from pledges' caveats (a pledge that was
  only for removed missions goes too);
- ``set: {TARGET: value}`` — set a field (a pledge's, donation's, requirement's ``quantity`` or a
  training's ``capacity`` set to 0 removes the object, as a sweep down to nothing expects);
- ``scale: {TARGET: factor}`` — multiply a number (integer fields round half up; a pledge, donation,
  training or requirement whose quantity or capacity becomes 0 is removed);
- ``shift: {TARGET: days}`` — move a date (``available_from`` unset counts as ``start``; an unset
  ``needed_by`` stays unset) or add days to ``lead_time_days`` (never below 0);
- ``append: {TARGET: [values]}`` — add values to a list field (recipients, trainees, languages,
  caveats) that are not in it yet;
- ``add: {collection: [objects]}`` — add new objects.

A TARGET is ``collection[selector].field`` (``pledges[KOR-heli-1].quantity``,
``requirements[MINUSCA-*].needed_by``, ``pledges[state=KOR].quantity``, nested fields with dots:
``pledges[P1].caveats.exclude_missions``), ``settings.field`` (``settings.budget``) or a top-level
field (``start``). A selector is an id, a glob over ids, or ``field=value``; it must match something.

Changes apply to the scenario's data in order and the result is validated exactly like a scenario file;
every problem is reported at once, located at the change that caused it.
"""

from __future__ import annotations

import copy
import datetime as dt
import fnmatch
import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    Field,
    StrictInt,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from gapsolver.exceptions import InputError, Problem
from gapsolver.limits import MAX_DAYS, MAX_SCALE
from gapsolver.preprocess.consistency import CHECKED_FIELDS, COLLECTION_NOUN, REFERENCED
from gapsolver.preprocess.document import (
    Document,
    PathKey,
    format_path,
    pydantic_problems,
    validate_document,
)
from gapsolver.preprocess.load import read_document, scenario_from_data
from gapsolver.schema import Scenario
from gapsolver.schema.scenario import Identifier, StrictModel

OPERATIONS = ("remove", "set", "scale", "shift", "append", "add")
SIZE_FIELD = {
    "pledges": "quantity",
    "donations": "quantity",
    "trainings": "capacity",
    "requirements": "quantity",
}
"""Each collection's size field: set or scaled to 0, it removes the object."""
OFFERED = {"pledges": "state", "donations": "donor", "trainings": "trainer"}
"""What a member state offers, by collection, and the field naming the state: what removing the
state takes away."""
PLURAL = {"state": "states", "pledge": "pledges", "donation": "donations", "training": "trainings"}
"""The collection of each kind of element a withdrawal names."""
_INTEGER_FIELDS = {
    "quantity",
    "capacity",
    "lead_time_days",
    "per_unit",
    "personnel",
    "max_units_per_state_per_mission",
}
_TARGET = re.compile(
    r"^(?P<collection>[a-z_]+)\[(?P<selector>[^\]]+)\]\.(?P<fields>[a-z_][a-z_.]*)$"
)
_TOP_LEVEL = {"name", "description", "start"}


def _check_target(text: str) -> str:
    if text in _TOP_LEVEL or text.startswith("settings."):
        return text
    match = _TARGET.match(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a target: write collection[id, glob or field=value].field, "
            "settings.field or start"
        )
    if match["collection"] not in COLLECTIONS:
        raise ValueError(
            f"unknown collection {match['collection']!r} (one of {', '.join(COLLECTIONS)})"
        )
    return text


Target = Annotated[str, AfterValidator(_check_target)]
Removable = Literal["states", "pledges", "donations", "trainings", "requirements", "missions"]
Collection = Literal[
    "capabilities",
    "member_states",
    "missions",
    "requirements",
    "pledges",
    "donations",
    "trainings",
]
COLLECTIONS: tuple[str, ...] = get_args(Collection)


class Change(StrictModel):
    """One change to a scenario: exactly one of the operations."""

    remove: dict[Removable, list[str]] | None = None
    """Collection (or ``states``) → ids or globs to remove."""
    set: dict[Target, Any] | None = None
    """TARGET → new value."""
    scale: dict[Target, Annotated[float, Field(strict=True, ge=0, le=MAX_SCALE)]] | None = None
    """TARGET → factor (0 to 10^6)."""
    shift: dict[Target, Annotated[StrictInt, Field(ge=-MAX_DAYS, le=MAX_DAYS)]] | None = None
    """TARGET → days (dates, lead times), at most 36,500 either way."""
    append: dict[Target, list[Any]] | None = None
    """TARGET (a list field) → values to add."""
    add: dict[Collection, list[dict[str, Any]]] | None = None
    """Collection → new objects."""

    @model_validator(mode="after")
    def _one_operation(self) -> Change:
        given = [name for name in OPERATIONS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a change has exactly one of {', '.join(OPERATIONS)} (got "
                + (", ".join(given) if given else "none")
                + ")"
            )
        return self

    @property
    def operation(self) -> str:
        return next(name for name in OPERATIONS if getattr(self, name) is not None)

    @property
    def arguments(self) -> dict[str, Any]:
        return dict(getattr(self, self.operation))


class Variant(StrictModel):
    """A named set of changes to the base scenario."""

    name: Identifier
    """Unique name, used with ``--variant`` and in batch results."""
    description: str = ""
    """What the variant asks."""
    extends: list[Identifier] = Field(default_factory=list)
    """Variants whose changes apply first, in order."""
    changes: list[Change] = Field(default_factory=list)
    """The changes, applied in order."""


class VariantsFile(StrictModel):
    """A file of variants."""

    variants: list[Variant]
    """The variants."""


@dataclass
class Located:
    """A change with where it came from (for messages)."""

    change: Change
    path: PathKey
    line: int | None = None
    source: str | None = None

    def problem(self, message: str, *more: str | int) -> Problem:

        return Problem(format_path((*self.path, *more)), message, self.line, self.source)


@dataclass
class VariantSet:
    """Variants read from a file, by name (their ``extends`` checked: every parent exists, no
    cycles)."""

    variants: dict[str, Variant]
    located: dict[str, list[Located]] = field(default_factory=dict)
    source: str = "<variants>"

    def changes(self, names: Iterable[str], label: str = "--variant") -> list[Located]:
        """The changes of the named variants (each after those it extends, each variant once per
        name asked for), in order. ``label`` names where the names came from, for messages."""
        names = list(names)
        unknown = [name for name in names if name not in self.variants]
        if unknown:
            known = ", ".join(sorted(self.variants)) or "none"
            raise InputError(
                [
                    Problem(label, f"unknown variant {name!r} in {self.source} (known: {known})")
                    for name in unknown
                ],
                self.source,
            )
        found: list[Located] = []
        for name in names:
            for ancestor in self._lineage(name):
                found.extend(self.located[ancestor])
        return found

    def _lineage(self, name: str) -> list[str]:
        """The variants whose changes make up ``name``: its parents' lineages in order, then itself,
        each variant once however often it is reached (a diamond of extends applies its common
        ancestor once). Iterative: an extends chain may be long."""
        order: list[str] = []
        seen: set[str] = {name}
        stack: list[tuple[str, int]] = [(name, 0)]
        while stack:
            current, position = stack.pop()
            parents = self.variants[current].extends
            if position < len(parents):
                stack.append((current, position + 1))
                parent = parents[position]
                if parent not in seen:
                    seen.add(parent)
                    stack.append((parent, 0))
            else:
                order.append(current)
        return order


def _extends_cycles(parsed: VariantsFile, doc: Document) -> list[Problem]:
    """One problem per cycle of ``extends``, naming the chain, at the line of the ``extends`` that
    closes it (iterative depth-first search)."""
    index_of = {variant.name: index for index, variant in enumerate(parsed.variants)}
    parents = {
        variant.name: [name for name in variant.extends if name in index_of]
        for variant in parsed.variants
    }
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    problems: list[Problem] = []
    for root in parents:
        if root in state:
            continue
        path: list[str] = [root]
        state[root] = 1
        stack: list[tuple[str, int]] = [(root, 0)]
        while stack:
            current, position = stack.pop()
            if position < len(parents[current]):
                stack.append((current, position + 1))
                parent = parents[current][position]
                if state.get(parent) == 1:
                    chain = [*path[path.index(parent) :], parent]
                    if len(chain) > 9:
                        chain = [*chain[:4], f"… {len(chain) - 8} more …", *chain[-4:]]
                    problems.append(
                        doc.problem(
                            ("variants", index_of[current], "extends", position),
                            f"circular extends: {' → '.join(chain)}",
                        )
                    )
                elif parent not in state:
                    state[parent] = 1
                    path.append(parent)
                    stack.append((parent, 0))
            else:
                state[current] = 2
                path.pop()
    return problems


def read_variants(path: str | Path) -> VariantSet:
    """Read and schema-check a variants file; every problem at once, located."""

    doc = read_document(path)
    parsed = validate_document(VariantsFile, doc, [])
    problems: list[Problem] = []
    variants: dict[str, Variant] = {}
    located: dict[str, list[Located]] = {}
    names = {v.name for v in parsed.variants}
    for index, variant in enumerate(parsed.variants):
        if variant.name in variants:
            problems.append(
                doc.problem(("variants", index, "name"), f"duplicate variant {variant.name!r}")
            )
            continue
        for position, parent in enumerate(variant.extends):
            if parent not in names:
                problems.append(
                    doc.problem(
                        ("variants", index, "extends", position),
                        f"unknown variant {parent!r} to extend",
                    )
                )
        variants[variant.name] = variant
        located[variant.name] = [
            locate(change, ("variants", index, "changes", number), doc)
            for number, change in enumerate(variant.changes)
        ]
    problems += _extends_cycles(parsed, doc)
    if problems:
        raise InputError(problems, doc.source)
    return VariantSet(variants, located, doc.source)


def locate(change: Change, path: PathKey, doc: Document | None = None) -> Located:
    """A change with where it comes from (a path in a variants file, or a label)."""
    line = doc.line_of((*path, change.operation)) if doc is not None else None
    return Located(change, (*path, change.operation), line, doc.source if doc else None)


@functools.cache
def _changes_schema() -> TypeAdapter[list[Change]]:
    """The validator of a list of changes, made once (making it costs more than most what-ifs)."""
    return TypeAdapter(list[Change])


def changes_from_data(
    data: Sequence[Mapping[str, Any]], source: str = "<changes>"
) -> list[Located]:
    """Changes given as plain data (e.g. a reason's counterfactual), validated."""
    doc = Document(data=data, source=source)
    try:
        parsed = _changes_schema().validate_python(data)
    except ValidationError as error:
        raise InputError(pydantic_problems(error, doc), source) from None
    return [locate(change, (index,)) for index, change in enumerate(parsed)]


# ---------------------------------------------------------------------------------------------------
# Applying changes


def _matches(obj: Mapping[str, Any], selector: str) -> bool:
    if "=" in selector:
        key, _, value = selector.partition("=")
        found: Any = obj
        for name in key.strip().split("."):
            found = found.get(name) if isinstance(found, Mapping) else None
        return str(found) == value.strip()
    return fnmatch.fnmatchcase(str(obj.get("id", "")), selector)


def _select(data: dict[str, Any], collection: str, selector: str) -> list[dict[str, Any]]:
    return [obj for obj in data.get(collection, []) if _matches(obj, selector)]


def _noun(collection: str) -> str:

    return COLLECTION_NOUN.get(collection, collection)


@dataclass
class _Applier:
    data: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    touched: dict[tuple[str, str], Located] = field(default_factory=dict)
    changed: set[tuple[str, str]] = field(default_factory=set)
    """(collection, field) of every field a change targeted: "" for the scenario's own fields,
    "settings" for the settings'."""
    dropped: set[str] = field(default_factory=set)
    """The collections objects were removed from."""
    reshaped: bool = False
    """Whether objects were added, or missions removed (with what they take along)."""

    @property
    def start(self) -> dt.date:
        return dt.date.fromisoformat(str(self.data["start"]))

    def targets(
        self, entry: Located, key: str
    ) -> list[tuple[dict[str, Any], tuple[str, ...], str | None]]:
        """(object, field path, collection) for a TARGET; a problem when it matches nothing."""
        if key in _TOP_LEVEL:
            self.changed.add(("", key))
            return [(self.data, (key,), None)]
        if key.startswith("settings."):
            settings = self.data.setdefault("settings", {})
            self.changed.add(("settings", key.split(".")[1]))
            return [(settings, tuple(key.split(".")[1:]), None)]
        match = _TARGET.match(key)
        assert match is not None  # checked by the schema
        collection, selector = match["collection"], match["selector"]
        objects = _select(self.data, collection, selector)
        if not objects:
            self.problems.append(entry.problem(f"no {_noun(collection)} matches {selector!r}", key))
        fields = tuple(match["fields"].split("."))
        self.changed.add((collection, fields[0]))
        for obj in objects:
            self.touched[(collection, str(obj.get("id")))] = entry
        return [(obj, fields, collection) for obj in objects]

    def apply(self, entry: Located) -> None:
        operation = entry.change.operation
        for key, value in entry.change.arguments.items():
            getattr(self, f"_{operation}")(entry, key, value)

    # -- operations ---------------------------------------------------------------------------------

    def _remove(self, entry: Located, collection: str, selectors: list[str]) -> None:
        for position, selector in enumerate(selectors):
            if collection == "states":
                states = [s for s in self.data.get("member_states", []) if _matches(s, selector)]
                if not states:
                    self.problems.append(
                        entry.problem(f"no member state matches {selector!r}", collection, position)
                    )
                for state in states:
                    self._remove_state(str(state["id"]))
                continue
            objects = _select(self.data, collection, selector)
            if not objects:
                self.problems.append(
                    entry.problem(
                        f"no {_noun(collection)} matches {selector!r}", collection, position
                    )
                )
            ids = {str(obj.get("id")) for obj in objects}
            if collection == "missions":
                self._remove_missions(ids)
            else:
                self._drop(collection, ids)

    def _drop(self, collection: str, ids: set[str]) -> None:
        self.dropped.add(collection)
        self.data[collection] = [
            obj for obj in self.data.get(collection, []) if str(obj.get("id")) not in ids
        ]

    def _remove_state(self, state: str) -> None:
        for collection, key in OFFERED.items():
            self.dropped.add(collection)
            self.data[collection] = [
                obj for obj in self.data.get(collection, []) if obj.get(key) != state
            ]

    def _remove_missions(self, missions: set[str]) -> None:
        self.reshaped = True
        self._drop("missions", missions)
        self.data["requirements"] = [
            r for r in self.data.get("requirements", []) if r.get("mission") not in missions
        ]
        kept = []
        for pledge in self.data.get("pledges", []):
            caveats = pledge.get("caveats") or {}
            only = caveats.get("only_missions") or []
            remaining = [m for m in only if m not in missions]
            if only and not remaining:
                continue  # it was only for missions that are gone
            if caveats:
                caveats["only_missions"] = remaining
                caveats["exclude_missions"] = [
                    m for m in caveats.get("exclude_missions") or [] if m not in missions
                ]
            kept.append(pledge)
        self.data["pledges"] = kept

    def _set(self, entry: Located, key: str, value: Any) -> None:
        empty: dict[str, set[str]] = {}
        for obj, fields, collection in self.targets(entry, key):
            if collection in SIZE_FIELD and fields == (SIZE_FIELD[collection],) and value == 0:
                empty.setdefault(collection, set()).add(str(obj.get("id")))
                continue
            parent = obj
            for name in fields[:-1]:
                child = parent.get(name)
                if not isinstance(child, dict):
                    child = {}
                    parent[name] = child
                parent = child
            parent[fields[-1]] = copy.deepcopy(value)
        for collection, ids in empty.items():
            self._drop(collection, ids)

    def _get(self, obj: dict[str, Any], fields: tuple[str, ...]) -> Any:
        for name in fields:
            if not isinstance(obj, dict):
                return None
            obj = obj.get(name)  # type: ignore[assignment]
        return obj

    def _put(self, obj: dict[str, Any], fields: tuple[str, ...], value: Any) -> None:
        for name in fields[:-1]:
            obj = obj.setdefault(name, {})
        obj[fields[-1]] = value

    def _scale(self, entry: Located, key: str, factor: float) -> None:
        empty: dict[str, set[str]] = {}
        for obj, fields, collection in self.targets(entry, key):
            current = self._get(obj, fields)
            if isinstance(current, bool) or not isinstance(current, int | float):
                self.problems.append(
                    entry.problem(f"{key}: {_describe(obj, fields)} is not a number to scale", key)
                )
                continue
            scaled: float = current * factor
            if not math.isfinite(scaled):
                self.problems.append(
                    entry.problem(f"{key}: {_describe(obj, fields)} × {factor:g} is too large", key)
                )
                continue
            if fields[-1] in _INTEGER_FIELDS or isinstance(current, int):
                scaled = math.floor(scaled + 0.5)
            self._put(obj, fields, scaled)
            if collection in SIZE_FIELD and fields == (SIZE_FIELD[collection],) and scaled == 0:
                empty.setdefault(collection, set()).add(str(obj.get("id")))
        for collection, ids in empty.items():
            self._drop(collection, ids)

    def _shift(self, entry: Located, key: str, days: int) -> None:
        for obj, fields, _ in self.targets(entry, key):
            current = self._get(obj, fields)
            if fields[-1] == "lead_time_days":
                if current is not None and (
                    isinstance(current, bool) or not isinstance(current, int)
                ):
                    self.problems.append(
                        entry.problem(
                            f"{key}: {_describe(obj, fields)} is not a number of days", key
                        )
                    )
                    continue
                self._put(obj, fields, max((current or 0) + days, 0))
                continue
            if current is None and fields[-1] == "available_from":
                current = self.data["start"]
            if current is None:
                continue  # an unset needed_by stays unset: no deadline to move
            try:
                moved = dt.date.fromisoformat(str(current)) + dt.timedelta(days=days)
            except (ValueError, OverflowError):
                self.problems.append(
                    entry.problem(f"{key}: {_describe(obj, fields)} is not a date to shift", key)
                )
                continue
            self._put(obj, fields, moved.isoformat())

    def _append(self, entry: Located, key: str, values: list[Any]) -> None:
        for obj, fields, _ in self.targets(entry, key):
            current = self._get(obj, fields)
            if current is None:
                current = []
            if not isinstance(current, list):
                self.problems.append(
                    entry.problem(f"{key}: {_describe(obj, fields)} is not a list", key)
                )
                continue
            self._put(obj, fields, current + [v for v in values if v not in current])

    def _add(self, entry: Located, collection: str, objects: list[dict[str, Any]]) -> None:
        self.reshaped = True
        for obj in objects:
            self.data.setdefault(collection, []).append(copy.deepcopy(obj))
            self.touched[(collection, str(obj.get("id")))] = entry


def _describe(obj: Mapping[str, Any], fields: tuple[str, ...]) -> str:
    name = obj.get("id", "the scenario")
    return f"{name}.{'.'.join(fields)}"


def apply_changes(
    scenario: Scenario, changes: list[Located], source: str = "<variant>"
) -> Scenario:
    """The scenario with the changes applied in order, validated like a scenario file. Problems (a
    selector matching nothing, a value the schema rejects, a reference left dangling) are raised
    together as one InputError, each located at the change that caused it."""
    applier = _applied(scenario, changes)
    if not applier.problems:
        quick = _revalidated(scenario, applier)
        if quick is not None:
            return quick
    try:
        changed = scenario_from_data(applier.data, source)
    except InputError as error:
        applier.problems += _collapse([_attribute(problem, applier) for problem in error.problems])
    if applier.problems:
        raise InputError(applier.problems, _source(changes, source))
    return changed


def _applied(scenario: Scenario, changes: list[Located]) -> _Applier:
    """The scenario's data with the changes applied in order (not validated yet)."""
    applier = _Applier(scenario.model_dump(mode="json"))
    for entry in changes:
        applier.apply(entry)
    return applier


def _revalidated(scenario: Scenario, applier: _Applier) -> Scenario | None:
    """The changed scenario, validating only what changed, when the changes only set fields of
    existing objects (or settings) that the cross-reference checks do not read
    (:data:`~gapsolver.preprocess.consistency.CHECKED_FIELDS`) and remove objects no other names
    (not in :data:`~gapsolver.preprocess.consistency.REFERENCED`): each changed object is checked by
    its own schema, and the scenario as a whole passes its checks as before. None when that does
    not apply or an object fails its schema: the whole check then says what and where, as for a
    file."""
    if (
        applier.reshaped
        or applier.dropped & REFERENCED
        or any(
            collection == "" or (collection, name) in CHECKED_FIELDS
            for collection, name in applier.changed
        )
    ):
        return None
    update: dict[str, Any] = {}
    try:
        for collection in {collection for collection, _ in applier.changed} | applier.dropped:
            if collection == "settings":
                update[collection] = type(scenario.settings).model_validate(
                    applier.data[collection]
                )
                continue
            touched = {key for (name, key) in applier.touched if name == collection}
            before = {obj.id: obj for obj in getattr(scenario, collection)}
            update[collection] = [
                type(before[obj["id"]]).model_validate(obj)
                if obj["id"] in touched
                else before[obj["id"]]
                for obj in applier.data[collection]
            ]
    except ValidationError:
        return None
    return scenario.model_copy(update=update)


def _collapse(problems: list[Problem]) -> list[Problem]:
    """One problem per change and kind: a glob that breaks 78 pledges the same way is one message."""
    groups: dict[tuple[str, int | None, str], list[Problem]] = {}
    for problem in problems:
        kind = re.sub(r"\[\d+\]", "[*]", problem.message)
        groups.setdefault((problem.path, problem.line, kind), []).append(problem)
    return [
        group[0]
        if len(group) == 1
        else Problem(
            group[0].path, f"{group[0].message} (and {len(group) - 1} more like it)", group[0].line
        )
        for group in groups.values()
    ]


def _source(changes: list[Located], default: str) -> str:
    return next((entry.source for entry in changes if entry.source), default)


def _attribute(problem: Problem, applier: _Applier) -> Problem:
    """Locate a problem of the changed scenario at the change that touched the object."""
    match = re.match(r"^([a-z_]+)\[(\d+)\]", problem.path)
    if match and match[1] in COLLECTIONS:
        objects = applier.data.get(match[1], [])
        index = int(match[2])
        if index < len(objects):
            entry = applier.touched.get((match[1], str(objects[index].get("id"))))
            if entry is not None:
                return entry.problem(f"gives {problem.path}: {problem.message}")
    return Problem(problem.path, f"after the changes: {problem.message}")


# ---------------------------------------------------------------------------------------------------
# Shortcuts used by the CLI and the dependence analysis


def withdraw(kind: str, identifier: str) -> Change:
    """The change that withdraws one state (everything it offers), pledge, donation or training."""
    return Change(remove={PLURAL[kind]: [identifier]})


def shortcuts(
    scenario: Scenario, states: Iterable[str] = (), identifiers: Iterable[str] = ()
) -> list[Located]:
    """The command line's withdrawals (``--without-state``, ``--without`` a pledge, donation or
    training id), checked against the scenario: every unknown id at once."""
    problems = []
    changes = []
    known_states = {state.id for state in scenario.member_states}
    for state in states:
        if state not in known_states:
            problems.append(Problem("--without-state", f"unknown member state {state!r}"))
        changes.append(withdraw("state", state))
    for identifier in identifiers:
        kind = next(
            (
                kind
                for kind, collection in (
                    ("donation", scenario.donations),
                    ("training", scenario.trainings),
                    ("pledge", scenario.pledges),
                )
                if any(obj.id == identifier for obj in collection)
            ),
            None,
        )
        if kind is None:
            problems.append(
                Problem("--without", f"no pledge, donation or training has the id {identifier!r}")
            )
            continue
        changes.append(withdraw(kind, identifier))
    if problems:
        raise InputError(problems)
    return [locate(change, ("command line",)) for change in changes]
