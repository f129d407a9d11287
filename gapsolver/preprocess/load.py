"""Read a scenario file (YAML or JSON) into a validated :class:`Scenario`.

Stage one of the pipeline. Every problem is collected with its location — the path inside the document
(``pledges[3].state``) and the line in the file — and raised together as one :class:`InputError`.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from gapsolver.exceptions import InputError, Problem
from gapsolver.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
from gapsolver.schema import Scenario

PathKey = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)


def format_path(path: Iterable[str | int]) -> str:
    """``('pledges', 3, 'state')`` → ``pledges[3].state``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass
class Document:
    """A parsed file: the plain data, problems found while parsing, and — computed only when a problem
    needs locating — the line where each path starts."""

    data: Any
    source: str
    text: str | None = None
    problems: list[Problem] = field(default_factory=list)
    _lines: dict[PathKey, int] | None = None

    @property
    def lines(self) -> dict[PathKey, int]:
        if self._lines is None:
            self._lines = _index_lines(self.text, []) if self.text is not None else {}
        return self._lines

    def line_of(self, path: PathKey) -> int | None:
        """Line of the longest prefix of ``path`` the document has (a missing key points at its parent)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def problem(self, path: PathKey, message: str) -> Problem:
        return Problem(format_path(path), message, self.line_of(path))


_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


class _Yaml12Loader(_BaseLoader):
    """Safe loader (libyaml's parser when available) with YAML 1.2 booleans — only true/false, so
    that the language code `no` (Norwegian) or a state id `ON` stays a string — and with dates left
    as text for the schema to parse, so that `2022-02-30` is a located error rather than a crash in
    the YAML reader. It notes whether any mapping repeats a key."""

    repeated_key = False

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [key.value for key, _ in node.value]
        if len(keys) != len(set(keys)):
            self.repeated_key = True
        return super().construct_mapping(node, deep=deep)


# YAML 1.2's core schema for booleans and numbers, in place of PyYAML's YAML 1.1 rules: `no` and
# `ON` stay text, `1e308` is a number, `012` is twelve (not octal ten) and `1:20` is text (not 80).
_DROPPED_TAGS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
}
_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _DROPPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_INT_12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_12 = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT_12, list("-+0123456789"))
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+.0123456789"))


def _construct_int(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_float(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node)).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _line(event: yaml.Event) -> int:
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


def _index_lines(text: str, repeated: list[Problem]) -> dict[PathKey, int]:
    """The 1-based line where every path of the document starts (a mapping entry at its key; a
    value given by an alias at the alias), read off the YAML event stream — no values are built;
    repeated mapping keys are added to ``repeated`` (JSON is read the same way). Empty if the text
    is not YAML."""
    lines: dict[PathKey, int] = {}
    stack: list[_Frame] = []
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            if isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
                continue
            if not isinstance(
                event, yaml.ScalarEvent | yaml.AliasEvent | yaml.CollectionStartEvent
            ):
                continue
            line = _line(event)
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


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            _JsonRepeats.found = True
        result[key] = value
    return result


class _JsonRepeats:
    found = False


def _read_text(path: str | Path, source: str) -> str:
    """The file's text, refusing before reading anything that is not a regular file of at most
    MAX_FILE_BYTES of UTF-8."""

    def refuse(message: str) -> InputError:
        return InputError([Problem("", message)], source)

    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise refuse("file not found") from None
    except OSError as error:
        raise refuse(f"cannot read: {error.strerror}") from None
    if stat.S_ISDIR(status.st_mode):
        raise refuse("is a directory, not a file")
    if not stat.S_ISREG(status.st_mode):
        raise refuse("not a regular file (a pipe or a device?)")
    if status.st_size > MAX_FILE_BYTES:
        raise refuse(
            f"the file is {status.st_size / 2**20:.1f} MiB; gapsolver reads files of up to "
            f"{MAX_FILE_BYTES // 2**20} MiB"
        )
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise refuse(f"cannot read: {error.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise refuse(f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError([Problem("", f"not UTF-8 text ({error.reason})", line)], source) from None


_CORE_TAGS = {
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
}
"""Explicit tags a file may use: YAML's core schema (no binary, sets, ordered maps or timestamps,
which no gapsolver field holds)."""


def _scan_yaml(text: str, source: str) -> None:
    """Walk the YAML event stream (no values are built) and refuse, with the line, what would make
    reading the document costly or ambiguous: nesting deeper than MAX_DEPTH, more than MAX_NODES
    values counting each alias as the values it stands for (alias bombs), and mapping keys that are
    lists, mappings or aliases."""
    events = yaml.parse(text, Loader=_BaseLoader)
    # one frame per open collection: [is_mapping, at_key, anchor, total when it opened]
    frames: list[list[Any]] = []
    sizes: dict[str, int] = {}
    total = 0

    def refuse(event: yaml.Event, message: str) -> InputError:
        return InputError([Problem("", message, _line(event))], source)

    def finished_node() -> None:
        if frames and frames[-1][0]:
            frames[-1][1] = not frames[-1][1]

    try:
        for event in events:
            if isinstance(event, yaml.ScalarEvent | yaml.AliasEvent | yaml.CollectionStartEvent):
                at_key = bool(frames) and frames[-1][0] and frames[-1][1]
                if at_key and not isinstance(event, yaml.ScalarEvent):
                    raise refuse(
                        event, "a mapping key must be plain text, not a list, mapping or alias"
                    )
                tag = getattr(event, "tag", None)
                if tag not in (None, "!") and tag not in _CORE_TAGS:
                    shown = tag.replace("tag:yaml.org,2002:", "!!")
                    raise refuse(event, f"the YAML tag {shown} is not allowed here")
                if isinstance(event, yaml.AliasEvent):
                    if any(frame[2] == event.anchor for frame in frames):
                        raise refuse(
                            event, f"the alias *{event.anchor} refers to a value that contains it"
                        )
                    total += sizes.get(event.anchor or "", 1)
                else:
                    total += 1
                if total > MAX_NODES:
                    raise refuse(
                        event,
                        f"more than {MAX_NODES:,} values (counting what each alias repeats); "
                        "gapsolver refuses files this large",
                    )
                if isinstance(event, yaml.CollectionStartEvent):
                    if len(frames) >= MAX_DEPTH:
                        raise refuse(event, f"nested deeper than {MAX_DEPTH} levels")
                    mapping = isinstance(event, yaml.MappingStartEvent)
                    frames.append([mapping, True, event.anchor, total - 1])
                else:
                    if isinstance(event, yaml.ScalarEvent) and event.anchor:
                        sizes[event.anchor] = 1
                    finished_node()
            elif isinstance(event, yaml.CollectionEndEvent) and frames:
                _, _, anchor, opened = frames.pop()
                if anchor:
                    sizes[anchor] = total - opened
                finished_node()
    finally:
        del events


def read_document(path: str | Path) -> Document:
    """Parse ``path`` as JSON (``.json``) or YAML (anything else) within the limits of
    :mod:`gapsolver.limits`; raise InputError on failure."""
    source = str(path)
    file = Path(path)
    text = _read_text(path, source)

    repeated_key = False
    if file.suffix.lower() == ".json":
        _JsonRepeats.found = False
        try:
            data = json.loads(text, object_pairs_hook=_json_pairs)
        except json.JSONDecodeError as error:
            raise InputError(
                [
                    Problem(
                        "", f"JSON syntax error: {error.msg} (column {error.colno})", error.lineno
                    )
                ],
                source,
            ) from None
        except RecursionError:
            raise InputError(
                [Problem("", f"nested deeper than {MAX_DEPTH} levels")], source
            ) from None
        except ValueError as error:  # e.g. an integer of more than 4,300 digits
            raise InputError([_value_problem(error, text, "JSON")], source) from None
        _check_shape(data, source)
        repeated_key = _JsonRepeats.found
    else:
        try:
            _scan_yaml(text, source)
            loader = _Yaml12Loader(text)
            try:
                data = loader.get_single_data()
                repeated_key = loader.repeated_key
            finally:
                loader.dispose()
        except yaml.reader.ReaderError as error:  # a character YAML does not allow
            line = text.count("\n", 0, error.position) + 1
            character = f"#x{error.character:04x}" if isinstance(error.character, int) else "?"
            message = (
                f"YAML syntax error: the character {character} is not allowed ({error.reason})"
            )
            raise InputError([Problem("", message, line)], source) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            reason = getattr(error, "problem", None) or str(error)
            context = getattr(error, "context", None)
            message = f"YAML syntax error: {reason}" + (f" ({context})" if context else "")
            at = mark.line + 1 if mark is not None else None
            raise InputError([Problem("", message, at)], source) from None
        except (ValueError, TypeError, OverflowError) as error:
            # a value the YAML reader cannot build (an explicit !!timestamp, a huge integer)
            raise InputError([_value_problem(error, text, "YAML")], source) from None

    doc = Document(data=data, source=source, text=text)
    if repeated_key:  # rare: locate every repeat with its path
        doc._lines = _index_lines(text, doc.problems)
    if data is None:
        doc.problems.append(Problem("", "the file is empty"))
    elif not isinstance(data, Mapping):
        doc.problems.append(
            Problem("", f"expected a mapping at the top level, got {type(data).__name__}")
        )
    return doc


def _value_problem(error: Exception, text: str, kind: str) -> Problem:
    """A value the reader could not build, located where possible."""
    if "integer string conversion" in str(error):
        found = re.search(r"\d{4301,}", text)
        line = text.count("\n", 0, found.start()) + 1 if found else None
        return Problem("", "a number with more than 4,300 digits", line)
    return Problem("", f"{kind} value error: {error}")


def _check_shape(data: Any, source: str) -> None:
    """Refuse parsed data nested deeper than MAX_DEPTH or holding more than MAX_NODES values."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise InputError(
                [
                    Problem(
                        "", f"more than {MAX_NODES:,} values; gapsolver refuses files this large"
                    )
                ],
                source,
            )
        children = (
            value.values()
            if isinstance(value, Mapping)
            else value
            if isinstance(value, list)
            else ()
        )
        if children and depth >= MAX_DEPTH:
            raise InputError([Problem("", f"nested deeper than {MAX_DEPTH} levels")], source)
        stack.extend((child, depth + 1) for child in children)


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


def _by_line(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: (problem.line is None, problem.line or 0))


def _validate(model: type[ModelT], doc: Document, extra_problems: list[Problem]) -> ModelT:
    problems = list(doc.problems)
    value: ModelT | None = None
    if isinstance(doc.data, Mapping):
        try:
            value = model.model_validate(doc.data)
        except ValidationError as error:
            problems += pydantic_problems(error, doc)
    problems += extra_problems
    if problems or value is None:
        raise InputError(_by_line(problems), doc.source)
    return value


def _scenario(doc: Document) -> tuple[Scenario, list[Problem]]:
    """Schema check and consistency check together, so one run reports every problem."""
    from gapsolver.preprocess.consistency import check_consistency, prerequisite_warnings

    errors, warnings = check_consistency(doc)
    scenario = _validate(Scenario, doc, errors)
    return scenario, prerequisite_warnings(scenario, doc) + warnings


def load_scenario(path: str | Path) -> tuple[Scenario, list[Problem]]:
    """Load, schema-check and cross-check a scenario file. Returns it with its warnings; raises
    InputError listing every problem when it is invalid."""
    return _scenario(read_document(path))


def expand_patterns(
    patterns: Iterable[str], folder: Path | None = None
) -> tuple[list[Path], list[int]]:
    """The files the patterns name or match as globs (relative to ``folder`` when given), in order,
    each once; and the positions of the patterns that match nothing."""
    import glob

    found: list[Path] = []
    unmatched: list[int] = []
    for index, pattern in enumerate(patterns):
        full = str(folder / pattern) if folder is not None else pattern
        matches = sorted(glob.glob(full)) if glob.has_magic(full) else [full]
        if not matches:
            unmatched.append(index)
        found += [Path(match) for match in matches if Path(match) not in found]
    return found, unmatched


def scenario_from_data(data: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate an in-memory scenario (as loaded from YAML/JSON) the same way as a file."""
    return _scenario(Document(data=data, source=source))[0]
