"""The two YAML readers agree: the one-pass reader (plain documents: values and their lines from one
walk of the event stream, by libyaml or by PyYAML's pure-Python parser) builds the same values as the
full reader (event scan, then _Yaml12Loader) and puts every path on the line the line index gives; and
it declines every document it does not fully understand, which the full reader then reads and reports."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gapsolver import InputError, preprocess
from gapsolver.limits import MAX_DEPTH
from gapsolver.preprocess.document import PathKey, index_lines, tree_line
from gapsolver.preprocess.generate import generate
from gapsolver.preprocess.load import load_scenario, read_document, read_full_yaml, read_plain_yaml

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios"

PARSERS = [pytest.param(yaml.SafeLoader, id="pure-python")]
if yaml.__with_libyaml__:
    PARSERS.insert(0, pytest.param(yaml.CSafeLoader, id="libyaml"))

SCALARS = [
    *("no", "ON", "yes", "y", "true", "True", "TRUE", "tRue", "false", "FALSE"),
    *("~", "null", "Null", "NULL", "nULL", ""),
    *("012", "0o17", "0o8", "0x1F", "0b11", "+12", "-0", "1_000", "0o", "0x", "1:20", "12abc"),
    *("1e308", "1e999", "1E+5", "-1.5e-3", ".5", "5.", "-.5", "3.14", "1.0.0", "0."),
    *(".inf", "-.INF", "+.inf", ".NaN", ".nan", "NaN", "inf", "Infinity", "+", "-", "."),
    *("2022-01-01", "2022-02-30", "2022-01-01 10:00:00", "abc", "'quoted'", '"double"'),
]
"""Plain scalars whose YAML 1.2 reading is easy to get wrong (YAML 1.1 would make some of them
booleans, octals, sexagesimals or dates)."""


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types (1, 1.0 and True differ), NaN equal to NaN, keys in order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _paths(value: Any, at: PathKey = ()) -> Iterator[PathKey]:
    """Every path of ``value``, and beside each some that it lacks (which point at their parent)."""
    yield at
    yield from ((*at, "missing"), (*at, 10**6), (*at, 0), (*at, "0"))
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*at, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*at, index))


def _indexed_line(lines: dict[PathKey, int], path: PathKey) -> int | None:
    for end in range(len(path), -1, -1):
        line = lines.get(path[:end])
        if line is not None:
            return line
    return None


def _assert_readers_agree(text: str, parser: type) -> None:
    """Both readers refuse ``text``, or both build the same values, on the same lines."""
    plain = read_plain_yaml(text, parser)
    try:
        full, repeated = read_full_yaml(text, "test.yaml")
    except InputError:
        assert plain is None, text[:200]
        return
    assert plain is not None, text[:200]
    values, tree = plain
    assert not repeated
    assert _same(values, full), text[:200]
    lines = index_lines(text, [])
    for path in _paths(full):
        assert tree_line(tree, path) == _indexed_line(lines, path), (path, text[:200])


def _documents() -> Iterator[tuple[str, str]]:
    for path in sorted(REFERENCE.glob("*.yaml")):
        yield path.name, path.read_text()
    data = generate(pledges=300, seed=2)
    yield "generated", yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    yield "generated, flow style", yaml.safe_dump(data, default_flow_style=True, width=60)
    for scalar in SCALARS:
        for text in (
            f"a: {scalar}\n",
            f"- {scalar}\n",
            f"--- {scalar}\n",
            f"x: {{k: [{scalar}]}}\n",
        ):
            yield text, text
    yield "block scalars", "a: |\n  text\n  more\nb: >\n  folded\nc: 'it''s'\nd: \"t\\tb\"\n"
    yield "nesting", "- - - 1\n    - 2\n  - 3\n- {}\n- []\n- {a: {b: [1, {c: d}], e: []}}\n"
    yield "empty values", "a:\nb:\n  c:\n  d: ~\n"
    yield "explicit document", "%YAML 1.1\n---\na: yes\n...\n"
    yield "text keys", "'1': a\n\"true\": b\n? c\n: d\n"


@pytest.mark.parametrize("parser", PARSERS)
def test_the_one_pass_reader_builds_what_the_full_reader_builds_on_the_same_lines(
    parser: type,
) -> None:
    for _, text in _documents():
        _assert_readers_agree(text, parser)


DECLINED = {
    "empty": "",
    "comments only": "# nothing\n",
    "anchor and alias": "a: &x 1\nb: *x\n",
    "anchored mapping": "a: &x {b: 1}\n",
    "explicit tag": "a: !!str 1\n",
    "non-specific tag": "a: ! 1\n",
    "local tag": "a: !thing 1\n",
    "merge key": "<<: {a: 1}\nb: 2\n",
    "value key": "a: =\n",
    "repeated key": "a: 1\na: 2\n",
    "repeated key, once quoted": "a: 1\n'a': 2\n",
    "integer key": "1: a\n",
    "boolean key": "true: a\n",
    "null key": "~: a\n",
    "list as key": "? [a]\n: b\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "syntax error": "a: [1, 2\n",
    "trailing garbage": "a: 1\n]\n",
    "character not allowed": "a: \x07\n",
    "too deep": "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n",
    "integer of 5,000 digits": "a: " + "1" * 5000 + "\n",
}


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("text", list(DECLINED.values()), ids=list(DECLINED))
def test_the_one_pass_reader_declines_what_the_full_reader_must_read(
    text: str, parser: type
) -> None:
    assert read_plain_yaml(text, parser) is None


def test_a_plain_file_is_located_without_the_line_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warnings of a large generated scenario carry their lines, read with the values: the
    line index (a second walk of the file) is never built."""
    data = generate(pledges=400, seed=2)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    path = tmp_path / "generated.yaml"
    path.write_text(text)
    lines = index_lines(text, [])
    monkeypatch.setattr(preprocess.document, "index_lines", _refuse_index)
    _, warnings = load_scenario(path)
    assert warnings
    for warning in warnings:
        parts: list[str | int] = []
        for name in warning.path.replace("[", ".").replace("]", "").split("."):
            parts.append(int(name) if name.isdigit() else name)
        assert warning.line == _indexed_line(lines, tuple(parts))
    assert read_document(path).line_tree is not None


def _refuse_index(*_: Any) -> dict[PathKey, int]:
    raise AssertionError("the line index was built")


def test_an_unusual_file_still_gets_every_check(tmp_path: Path) -> None:
    """A file the one-pass reader declines is read and reported by the full reader: an alias
    bomb is refused at its line, a repeated key is located."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join([f'*{chr(97 + level)}'] * 10)}]\n"
        for level in range(6)
    )
    (tmp_path / "bomb.yaml").write_text(bomb)
    with pytest.raises(InputError) as refused:
        read_document(tmp_path / "bomb.yaml")
    assert "counting what each alias repeats" in str(refused.value)
    assert refused.value.problems[0].line == 6
    (tmp_path / "repeat.yaml").write_text("name: x\nstart: '2022-01-01'\nname: y\n")
    doc = read_document(tmp_path / "repeat.yaml")
    assert doc.line_tree is None
    assert [problem.render() for problem in doc.problems] == [
        "line 3: name: duplicate key 'name' (first at line 1)"
    ]
