"""Read a scenario file (YAML or JSON) into a validated :class:`Scenario`.

Stage one of the pipeline. Every problem is collected with its location — the path inside the document
(``pledges[3].state``) and the line in the file — and raised together as one :class:`InputError`.
"""

from __future__ import annotations

import glob
import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from gapsolver.exceptions import InputError, Problem
from gapsolver.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES
from gapsolver.preprocess.consistency import check_consistency, prerequisite_warnings
from gapsolver.preprocess.countries import complete_member_states
from gapsolver.preprocess.document import (
    BaseLoader,
    Document,
    LineTree,
    event_line,
    index_lines,
    validate_document,
)
from gapsolver.preprocess.tables import read_csv_folder, read_workbook
from gapsolver.schema import Scenario


class _Yaml12Loader(BaseLoader):
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


def _int_12(text: str) -> int:
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _float_12(text: str) -> float:
    text = text.lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    if text == ".nan":
        return float("nan")
    return float(text)


def _construct_int(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> int:
    return _int_12(str(loader.construct_scalar(node)))


def _construct_float(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> float:
    return _float_12(str(loader.construct_scalar(node)))


_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


_PLAIN_VALUE: dict[str, Any] = {
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:null": lambda text: None,
    "tag:yaml.org,2002:bool": lambda text: text.lower() == "true",
    "tag:yaml.org,2002:int": _int_12,
    "tag:yaml.org,2002:float": _float_12,
}
"""How each tag a plain scalar may resolve to builds its value, as _Yaml12Loader builds it (a merge
key ``<<`` or a value key ``=`` resolves to none of these)."""


class _Unusual(Exception):
    """The document uses something the one-pass reader leaves to the full reader."""


def _plain_value(text: str) -> Any:
    """A plain (unquoted) scalar's value by the resolvers of _Yaml12Loader, in their order."""
    resolvers = _Yaml12Loader.yaml_implicit_resolvers
    for tag, regexp in resolvers.get(text[:1], []) + resolvers.get(None, []):
        if regexp.match(text):
            build = _PLAIN_VALUE.get(tag)
            if build is None:
                raise _Unusual(tag)
            return build(text)
    return text


def read_plain_yaml(
    text: str, loader_class: type = BaseLoader
) -> tuple[Any, LineTree | int] | None:
    """The document's values and the line of each path (a :data:`LineTree`), read in one pass over
    the YAML event stream, for a document of plain mappings, lists and scalars: one document, no
    anchors, aliases or tags, mapping keys that are text and never repeated, within MAX_DEPTH and
    MAX_NODES. Scalars are read as _Yaml12Loader reads them. None for anything else, or any error:
    :func:`read_full_yaml` then reads the file and reports (the pass stops at the first thing it
    declines, so a hostile file costs at most one bounded walk more)."""
    try:
        loader = loader_class(text)
        try:
            return _plain_events(loader.get_event)
        finally:
            loader.dispose()
    except (_Unusual, yaml.YAMLError, ValueError, TypeError, OverflowError):
        return None


def _plain_events(get_event: Any) -> tuple[Any, LineTree | int]:
    """Build the values and their line tree from the events, as the event scan counts and the
    line index locates them: a mapping entry on its key's line, a list item on its own; raise
    _Unusual to decline."""
    scalar, mapping_start, sequence_start = (
        yaml.ScalarEvent,
        yaml.MappingStartEvent,
        yaml.SequenceStartEvent,
    )
    if not isinstance(get_event(), yaml.StreamStartEvent):
        raise _Unusual("stream")
    if not isinstance(get_event(), yaml.DocumentStartEvent):
        raise _Unusual("no document")
    plain: dict[str, Any] = {}  # plain scalars already resolved: ids and names repeat
    # one frame per open collection: [value, its lines' children, key awaited (mappings) or None]
    frames: list[list[Any]] = []
    root: tuple[Any, LineTree | int] | None = None
    total = 0
    while True:
        event = get_event()
        kind = event.__class__
        if kind is scalar:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual("anchor or tag")
            value = event.value
            if event.implicit[0]:
                try:
                    value = plain[value]
                except KeyError:
                    value = plain[value] = _plain_value(value)
            line: int | LineTree = event.start_mark.line + 1
            total += 1
        elif kind is mapping_start or kind is sequence_start:
            if event.anchor is not None or event.tag is not None:
                raise _Unusual("anchor or tag")
            if len(frames) >= MAX_DEPTH:
                raise _Unusual("depth")
            total += 1
            frame = [{}, {}, True] if kind is mapping_start else [[], [], None]
            value, children = frame[0], frame[1]
            line = [event.start_mark.line + 1, children]
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            frames.pop()
            if frames:
                continue
            break
        else:
            raise _Unusual(kind.__name__)
        if total > MAX_NODES:
            raise _Unusual("size")
        if not frames:
            root = value, line
        else:
            top = frames[-1]
            key = top[2]
            if key is None:  # a list's item
                top[0].append(value)
                top[1].append(line)
            elif key is True:  # a mapping's key
                if value.__class__ is not str or value in top[1]:
                    raise _Unusual("key not text, or repeated")
                top[2] = value
                top[1][value] = line
            else:  # a mapping's value: the entry starts at its key's line
                top[0][key] = value
                top[2] = True
                if kind is not scalar:
                    top[1][key] = [top[1][key], children]
        if kind is not scalar:
            frames.append(frame)
        elif not frames:
            break
    if (
        root is None
        or not isinstance(get_event(), yaml.DocumentEndEvent)
        or not isinstance(get_event(), yaml.StreamEndEvent)
    ):
        raise _Unusual("more than one document")
    return root


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
    events = yaml.parse(text, Loader=BaseLoader)
    # one frame per open collection: [is_mapping, at_key, anchor, total when it opened]
    frames: list[list[Any]] = []
    sizes: dict[str, int] = {}
    total = 0

    def refuse(event: yaml.Event, message: str) -> InputError:
        return InputError([Problem("", message, event_line(event))], source)

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


def read_full_yaml(text: str, source: str) -> tuple[Any, bool]:
    """The YAML document's values, read by the full reader: the event scan refuses what is costly or
    ambiguous (:func:`_scan_yaml`), then _Yaml12Loader builds the values (anchors, aliases, tags and
    merge keys included); and whether a mapping repeats a key. Raises InputError, located."""
    try:
        _scan_yaml(text, source)
        loader = _Yaml12Loader(text)
        try:
            return loader.get_single_data(), loader.repeated_key
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        line = text.count("\n", 0, error.position) + 1
        character = f"#x{error.character:04x}" if isinstance(error.character, int) else "?"
        message = f"YAML syntax error: the character {character} is not allowed ({error.reason})"
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


def read_document(path: str | Path) -> Document:
    """Parse ``path`` as JSON (``.json``) or YAML (anything else) within the limits of
    :mod:`gapsolver.limits`; raise InputError on failure. A plain YAML file is read in one pass
    with its lines; any other goes to the full reader."""
    source = str(path)
    file = Path(path)
    text = _read_text(path, source)

    repeated_key = False
    line_tree: LineTree | int | None = None
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
    elif (plain := read_plain_yaml(text)) is not None:
        data, line_tree = plain
    else:
        data, repeated_key = read_full_yaml(text, source)

    doc = Document(data=data, source=source, text=text, line_tree=line_tree)
    if repeated_key:  # rare: locate every repeat with its path
        doc._lines = index_lines(text, doc.problems)
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


def _scenario(doc: Document, warn: bool = True) -> tuple[Scenario, list[Problem]]:
    """Schema check and consistency check together, so one run reports every problem; with the
    warnings unless ``warn`` is False (then the pledges' prerequisites are not looked into)."""
    complete_member_states(doc.data)  # states given by their ISO code alone
    errors, warnings = check_consistency(doc)
    scenario = validate_document(Scenario, doc, errors)
    return scenario, (prerequisite_warnings(scenario, doc) if warn else []) + warnings


def read_scenario_document(path: str | Path) -> Document:
    """A scenario's document: an ``.xlsx`` workbook or a folder of CSV tables
    (:mod:`gapsolver.preprocess.tables`), else a YAML or JSON file (:func:`read_document`)."""
    file = Path(path)
    if file.suffix.lower() == ".xlsx":
        return read_workbook(file)
    if file.is_dir():
        return read_csv_folder(file)
    return read_document(path)


def load_scenario(path: str | Path) -> tuple[Scenario, list[Problem]]:
    """Load, schema-check and cross-check a scenario: a YAML or JSON file, a workbook or a folder
    of CSV tables. Returns it with its warnings; raises InputError listing every problem when it
    is invalid."""
    return _scenario(read_scenario_document(path))


def expand_patterns(
    patterns: Iterable[str], folder: Path | None = None
) -> tuple[list[Path], list[int]]:
    """The files the patterns name or match as globs (relative to ``folder`` when given), in order,
    each once; and the positions of the patterns that match nothing."""
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
    return _scenario(Document(data=data, source=source), warn=False)[0]
