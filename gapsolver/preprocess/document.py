"""A parsed input document and where its problems are: paths (``pledges[3].state``), the line where each
path starts (kept with the values when the YAML reader builds them, else read off the YAML event stream
only when a problem needs locating), and pydantic's errors turned into located problems. Shared by every
reader of user files: scenarios, variants, batch specs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from gapsolver.exceptions import InputError, Problem

PathKey = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)

BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


def format_path(path: Iterable[str | int]) -> str:
    """``('pledges', 3, 'state')`` → ``pledges[3].state``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


LineTree = list[Any]
"""The lines of a list or mapping of a document, in its shape: ``[line, children]``, where ``line`` is
the line its path starts on and ``children`` a list (a list's items) or a dict (a mapping's keys) of
the same for each child — a bare line for a scalar."""


def tree_line(tree: LineTree | int, path: PathKey) -> int:
    """Line of the longest prefix of ``path`` found in ``tree``."""
    line, children = (tree, None) if isinstance(tree, int) else tree
    for part in path:
        if isinstance(children, dict):
            child = children.get(part)
        elif isinstance(children, list) and isinstance(part, int) and 0 <= part < len(children):
            child = children[part]
        else:
            break
        if child is None:
            break
        line, children = (child, None) if isinstance(child, int) else child
    return line


@dataclass
class Document:
    """A parsed file: the plain data, problems found while parsing, and the line where each path
    starts — read with the values (``line_tree``) or computed only when a problem needs locating."""

    data: Any
    source: str
    text: str | None = None
    problems: list[Problem] = field(default_factory=list)
    _lines: dict[PathKey, int] | None = None
    line_tree: LineTree | int | None = None
    """The lines as the YAML reader found them with the values: where set, the line index is not
    computed."""
    where: Callable[[PathKey], tuple[str, int | None, str | None]] | None = None
    """For a document read from tables (a workbook, CSV files): where a path's value is, as (the
    place, e.g. ``pledges!D14 (readiness)``; the line; the file, when not the document's own)."""
    order: Callable[[Problem], Any] | None = None
    """For a document read from tables: the order its problems are listed in (else by line)."""

    @property
    def lines(self) -> dict[PathKey, int]:
        if self._lines is None:
            self._lines = index_lines(self.text, []) if self.text is not None else {}
        return self._lines

    def line_of(self, path: PathKey) -> int | None:
        """Line of the longest prefix of ``path`` the document has (a missing key points at its parent)."""
        if self.where is not None:
            return self.where(path)[1]
        if self.line_tree is not None and self._lines is None:
            return tree_line(self.line_tree, path)
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def problem(self, path: PathKey, message: str) -> Problem:
        if self.where is not None:
            place, line, source = self.where(path)
            return Problem(place, message, line, source)
        return Problem(format_path(path), message, self.line_of(path))


def event_line(event: yaml.Event) -> int:
    """The 1-based line an event starts on."""
    mark = event.start_mark
    return mark.line + 1 if mark is not None else 0


class _Frame:
    """An open list or mapping while indexing lines: its path (None inside a repeated key, which is
    not indexed), and for a mapping the key awaited or just read."""

    __slots__ = ("expect_key", "index", "is_map", "key", "path", "seen")

    def __init__(self, path: PathKey | None, is_map: bool) -> None:
        self.path = path
        self.is_map = is_map
        self.index = 0
        self.expect_key = True
        self.key: str | None = None
        self.seen: dict[str, int] = {}


def index_lines(text: str, repeated: list[Problem]) -> dict[PathKey, int]:
    """The 1-based line where every path of the document starts (a mapping entry at its key; a
    value given by an alias at the alias), read off the YAML event stream — no values are built;
    repeated mapping keys are added to ``repeated`` (JSON is read the same way). Empty if the text
    is not YAML."""
    lines: dict[PathKey, int] = {}
    stack: list[_Frame] = []
    try:
        for event in yaml.parse(text, Loader=BaseLoader):
            if isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
                continue
            if not isinstance(
                event, yaml.ScalarEvent | yaml.AliasEvent | yaml.CollectionStartEvent
            ):
                continue
            line = event_line(event)
            path: PathKey | None = ()
            if stack:
                top = stack[-1]
                if top.is_map and top.expect_key:
                    top.expect_key = False
                    key = str(getattr(event, "value", "?"))
                    top.key = key
                    if top.path is not None:
                        if key in top.seen:
                            repeated.append(
                                Problem(
                                    format_path((*top.path, key)),
                                    f"duplicate key {key!r} (first at line {top.seen[key]})",
                                    line,
                                )
                            )
                            top.key = None  # its value is not indexed
                        else:
                            top.seen[key] = line
                            lines[(*top.path, key)] = line
                    if isinstance(event, yaml.CollectionStartEvent):
                        stack.append(_Frame(None, isinstance(event, yaml.MappingStartEvent)))
                    continue
                if top.is_map:
                    top.expect_key = True
                    path = None if top.path is None or top.key is None else (*top.path, top.key)
                else:
                    path = None if top.path is None else (*top.path, top.index)
                    top.index += 1
            if path is not None:
                lines.setdefault(path, line)
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append(_Frame(path, isinstance(event, yaml.MappingStartEvent)))
    except yaml.YAMLError:
        return {}  # valid JSON that YAML cannot read: no line numbers
    return lines


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def pydantic_problems(error: ValidationError, doc: Document) -> list[Problem]:
    """Turn pydantic's errors into located, readable problems."""
    problems = []
    for item in error.errors(include_url=False):
        path: PathKey = tuple(
            part for part in item["loc"] if not isinstance(part, str) or part not in ("", "[key]")
        )
        kind = item["type"]
        message = item["msg"]
        if kind == "extra_forbidden":
            message = f"unknown key {path[-1]!r}"
        elif kind == "missing":
            message = f"missing required key {path[-1]!r}"
            path = path[:-1]  # the object that lacks the key
        elif kind in ("value_error", "assertion_error"):
            message = message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        else:
            message = f"{message[0].lower()}{message[1:]} (got {_describe(item.get('input'))})"
        problems.append(doc.problem(path, message))
    return problems


def by_line(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: (problem.line is None, problem.line or 0))


def validate_document(model: type[ModelT], doc: Document, extra_problems: list[Problem]) -> ModelT:
    """The document validated as ``model``, or an InputError with every problem: the document's own,
    the schema's (located) and ``extra_problems``, sorted by line."""
    problems = list(doc.problems)
    value: ModelT | None = None
    if isinstance(doc.data, Mapping):
        try:
            value = model.model_validate(doc.data)
        except ValidationError as error:
            problems += pydantic_problems(error, doc)
    problems += extra_problems
    if problems or value is None:
        ordered = sorted(problems, key=doc.order) if doc.order is not None else by_line(problems)
        raise InputError(ordered, doc.source)
    return value
