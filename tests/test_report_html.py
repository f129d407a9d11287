"""`gapsolver report`: the result of the reference scenario as one self-contained HTML page.

The page is checked as text (size, its Content-Security-Policy and the hashes in it, no reference
to anything outside it, every requirement and assignment as a row, escaping, the same bytes for the
same result), through the command (the reader's located errors, the output guard), and in a real
headless Chromium: it loads with no console message and no request, its own self-test sorts and
filters the allocation table (checked against the result), and a screenshot and a PDF print are
kept as test artifacts in ``.test-artifacts/`` at the repository root (or ``$GAPSOLVER_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import typer
from conftest import build, pledge, req, run
from typer.testing import CliRunner

import gapsolver
from gapsolver.cli.report import report
from gapsolver.report.html import CONTENT_SECURITY_POLICY, SCRIPT, STYLE, result_page
from gapsolver.report.reasons import reason_summary
from gapsolver.report.result import stage_text
from gapsolver.schema.result import Assignment, Result

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "seoul-2021.yaml"
MAX_PAGE_BYTES = 2 * 1024 * 1024

runner = CliRunner()


def _command_app() -> typer.Typer:
    """The command on an app of its own (the package's app registers it in `cli/__init__.py`)."""
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """gapsolver (test)."""

    app.command()(report)
    return app


COMMAND = _command_app()


@pytest.fixture(scope="module")
def reference() -> Result:
    scenario, _ = gapsolver.load_scenario(REFERENCE)
    return gapsolver.solve_scenario(scenario)


@pytest.fixture(scope="module")
def written(reference: Result, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The reference result written as `solve -o` writes it, and the page `report` made of it."""
    folder = tmp_path_factory.mktemp("report")
    result_file = folder / "seoul-2021-result.json"
    result_file.write_text(json.dumps(reference.to_dict(), indent=2) + "\n")
    page = folder / "report.html"
    done = runner.invoke(COMMAND, ["report", str(result_file), "-o", str(page)])
    assert done.exit_code == 0, done.output
    return result_file, page


class _Page(HTMLParser):
    """Every element's attributes, the text of a few kinds of element, and the rows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.inline: dict[str, list[str]] = {"script": [], "style": []}
        self.requirement_rows: list[str] = []
        self.allocation_rows = 0
        self.row_text: dict[str, list[str]] = {}
        self._open: str | None = None
        self._row: str | None = None
        self._in_allocation = False
        self.body: dict[str, str | None] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag in self.inline:
            self._open = tag
            self.inline[tag].append("")
        if tag == "body":
            self.body = attributes
        if tag == "table":
            self._in_allocation = attributes.get("id") == "allocation-table"
        if tag == "tr" and attributes.get("data-requirement") is not None:
            self._row = str(attributes["data-requirement"])
            self.requirement_rows.append(self._row)
            self.row_text[self._row] = []
        if tag == "tr" and self._in_allocation and attributes.get("data-index") is not None:
            self.allocation_rows += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            self._open = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.inline[self._open][-1] += data
        else:
            self.text.append(data)
        if self._row is not None:
            self.row_text[self._row].append(data)


def _parse(text: str) -> _Page:
    parsed = _Page()
    parsed.feed(text)
    parsed.close()
    return parsed


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# ---------------------------------------------------------------------------------------------------
# The page as text


def test_the_page_is_small_self_contained_and_locked_down(written: tuple[Path, Path]) -> None:
    _, page_file = written
    data = page_file.read_bytes()
    assert len(data) < MAX_PAGE_BYTES
    text = data.decode("utf-8")
    page = _parse(text)

    policies = [
        attributes["content"]
        for tag, attributes in page.elements
        if tag == "meta" and attributes.get("http-equiv") == "Content-Security-Policy"
    ]
    assert policies == [CONTENT_SECURITY_POLICY]
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'none'"
    # one style sheet and one script, each allowed by its own hash and nothing else
    assert page.inline["style"] == [STYLE] and page.inline["script"] == [SCRIPT]
    assert directives["style-src"] == _sha256(STYLE)
    assert directives["script-src"] == _sha256(SCRIPT)

    references = [
        (tag, name, value)
        for tag, attributes in page.elements
        for name, value in attributes.items()
        if name in ("src", "href", "action", "data", "poster", "srcset", "xlink:href")
    ]
    assert references and all(
        name == "href" and value is not None and value.startswith("#")
        for _, name, value in references
    ), references
    assert not re.search(r"(?i)(https?:)?//[a-z0-9]", text.replace(CONTENT_SECURITY_POLICY, ""))
    assert not any(name == "style" or name.startswith("on") for _, a in page.elements for name in a)
    assert "url(" not in STYLE and "@import" not in STYLE
    assert not re.search(r"\b(fetch|XMLHttpRequest|WebSocket|sendBeacon|eval|innerHTML)\b", SCRIPT)
    assert "import(" not in SCRIPT


def test_every_requirement_is_a_row_with_its_reasons(
    written: tuple[Path, Path], reference: Result
) -> None:
    page = _parse(written[1].read_text())
    assert Counter(page.requirement_rows) == Counter(r.id for r in reference.requirements)
    assert any(requirement.reasons for requirement in reference.requirements)
    for requirement in reference.requirements:
        row = " ".join(page.row_text[requirement.id])
        for reason in requirement.reasons:
            assert reason_summary(reason) in row  # the terminal report's words
    assert page.allocation_rows == len(reference.assignments)


def test_the_headline_figures_are_the_results(
    written: tuple[Path, Path], reference: Result
) -> None:
    text = " ".join(" ".join(_parse(written[1].read_text()).text).split())
    required = sum(requirement.quantity for requirement in reference.requirements)
    for figure in (
        reference.status.value,
        f"{reference.weighted_gap:g}",
        f"{reference.allocated_units} of {required}",
        f"{reference.cost:,.0f}",
        f"{reference.women_share:.1%}",
        f"{reference.suitability:.3f}",
        *(stage_text(stage) for stage in reference.stages),
    ):
        assert figure in text, figure
    assert "161" in text and "61 of 69" in text  # the README's figures


def test_the_charts_draw_every_mission_and_partnership(
    written: tuple[Path, Path], reference: Result
) -> None:
    text = written[1].read_text()
    gaps = text[text.index('<section id="gaps">') : text.index('<section id="requirements">')]
    missions = {requirement.mission for requirement in reference.requirements}
    for mission in missions:
        short = sum(r.gap for r in reference.requirements if r.mission == mission)
        quantity = sum(r.quantity for r in reference.requirements if r.mission == mission)
        words = f"{short} short of {quantity}" if short else f"all {quantity} allocated"
        assert f">{mission}</text>" in gaps and words in gaps, mission

    drawing = text[text.index('<section id="partnerships">') :]
    assert drawing.count('class="link link-donation"') == len(reference.donations) + 1  # + legend
    courses = {
        (assignment.state, assignment.training)
        for assignment in reference.assignments
        if assignment.training
    }
    assert drawing.count('class="link link-training"') == len(courses) + 1
    for use in reference.donations:
        assert f">{use.donor}</text>" in drawing and f">{use.recipient}</text>" in drawing


def test_the_same_result_gives_the_same_bytes(
    written: tuple[Path, Path], reference: Result
) -> None:
    result_file, page_file = written
    assert result_page(reference) == result_page(reference) == page_file.read_text()
    again = result_file.parent / "again.html"
    assert runner.invoke(COMMAND, ["report", str(result_file), "-o", str(again)]).exit_code == 0
    assert again.read_bytes() == page_file.read_bytes()


def test_every_text_of_the_result_is_escaped(reference: Result) -> None:
    hostile = '<script>alert("x")</script>&amp;'
    first = reference.requirements[0]
    assignment = reference.assignments[0]
    changed = reference.model_copy(
        update={
            "scenario": hostile,
            "requirements": [first.model_copy(update={"id": hostile, "mission": hostile})],
            "assignments": [
                assignment.model_copy(update={"pledge": hostile, "state": "'\"><img src=x>"})
            ],
        }
    )
    text = result_page(changed)
    page = _parse(text)
    assert page.inline["script"] == [SCRIPT]
    assert [tag for tag, _ in page.elements].count("img") == 0
    assert "<script>alert" not in text
    assert page.requirement_rows == [hostile]  # read back exactly


def test_a_plan_without_partnerships_or_requirements_still_makes_a_page() -> None:
    scenario = build([req("R1", quantity=2)], [pledge("P1", quantity=1)])
    result = run(scenario)
    text = result_page(result)
    assert "The plan uses no donation and no training." in text
    assert _parse(text).requirement_rows == ["R1"]
    empty = result.model_copy(update={"requirements": [], "assignments": [], "stages": []})
    assert "The result has no requirement." in result_page(empty)


# ---------------------------------------------------------------------------------------------------
# The command


def test_the_command_refuses_its_input_as_output(written: tuple[Path, Path]) -> None:
    result_file, _ = written
    before = result_file.read_bytes()
    done = runner.invoke(COMMAND, ["report", str(result_file), "-o", str(result_file)])
    assert done.exit_code == 2
    assert "is an input of this command" in done.output
    assert result_file.read_bytes() == before
    wrong = runner.invoke(
        COMMAND, ["report", str(result_file), "-o", str(result_file.parent / "r.pdf")]
    )
    assert wrong.exit_code == 2 and "--output writes .html" in wrong.output


def test_bad_result_files_give_located_errors(tmp_path: Path, reference: Result) -> None:
    data = reference.to_dict()
    data["gap_units"] = "eight"  # a key the diff reader checks
    first = tmp_path / "first.json"
    first.write_text(json.dumps(data, indent=2))
    done = runner.invoke(COMMAND, ["report", str(first), "-o", str(tmp_path / "a.html")])
    line = next(n for n, text in enumerate(first.read_text().splitlines(), 1) if '"eight"' in text)
    assert done.exit_code == 2, done.output
    assert f"first.json:{line}: gap_units" in done.output and "Traceback" not in done.output

    data = reference.to_dict()
    data["assignments"][3]["score"] = "high"  # a key only the full result has
    second = tmp_path / "second.json"
    second.write_text(json.dumps(data, indent=2))
    done = runner.invoke(COMMAND, ["report", str(second), "-o", str(tmp_path / "b.html")])
    line = next(
        n for n, text in enumerate(second.read_text().splitlines(), 1) if '"score": "high"' in text
    )
    assert done.exit_code == 2, done.output
    assert f"second.json:{line}: assignments[3].score" in done.output

    broken = tmp_path / "broken.json"
    broken.write_text('{"format_version": 1,\n "scenario": }')
    done = runner.invoke(COMMAND, ["report", str(broken), "-o", str(tmp_path / "c.html")])
    assert done.exit_code == 2 and "broken.json:2: JSON syntax error" in done.output
    assert not any(tmp_path.glob("*.html"))


# ---------------------------------------------------------------------------------------------------
# In a real browser

NETWORK_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
    "--enable-logging=stderr",
    "--v=0",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def _chromium() -> str | None:
    named = os.environ.get("GAPSOLVER_CHROMIUM")
    if named:
        return named
    return next(
        (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))),
        None,
    )


def _artifacts() -> Path:
    """Where the screenshot and the print are kept: a folder that tells git to ignore itself."""
    folder = Path(os.environ.get("GAPSOLVER_TEST_ARTIFACTS") or ROOT / ".test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# test artifacts (tests/test_report_html.py), never committed\n*\n")
    return folder


def _open_in_browser(page: Path, fragment: str, folder: Path) -> dict[str, Any]:
    """Load a page in headless Chromium: the DOM after its scripts ran, a screenshot, a PDF print,
    every console message, and every request the page made (from the network log; the browser's
    own background requests — no page origin — are not the page's)."""
    browser = _chromium()
    if browser is None:
        pytest.skip(
            "Chromium not found (install the Debian package `chromium`, as .ci/run does, or set "
            "GAPSOLVER_CHROMIUM)"
        )
    netlog, screenshot, pdf = folder / "netlog.json", folder / "page.png", folder / "page.pdf"
    done = subprocess.run(
        [
            browser,
            *NETWORK_FLAGS,
            f"--user-data-dir={folder / 'profile'}",
            f"--log-net-log={netlog}",
            f"--screenshot={screenshot}",
            f"--print-to-pdf={pdf}",
            "--window-size=1280,2000",
            "--dump-dom",
            page.resolve().as_uri() + fragment,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    log = json.loads(netlog.read_text())
    event_names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    requests = sorted(
        {
            event["params"]["url"]
            for event in log["events"]
            if event_names.get(event["type"]) == "URL_REQUEST_START_JOB"
            and (
                "file://" in str(event["params"].get("network_isolation_key", ""))
                or event["params"].get("initiator") in ("null", "file://")
            )
        }
    )
    console = [  # the page's console messages, of any level, and any error or refusal
        line
        for line in done.stderr.splitlines()
        if (":CONSOLE" in line and "source: file://" in line)
        or any(words in line for words in ("Uncaught", "Refused to", "Content Security Policy"))
    ]
    return {
        "dom": done.stdout,
        "console": console,
        "requests": requests,
        "screenshot": screenshot,
        "pdf": pdf,
    }


def _filter_query(assignments: list[Assignment], donations_text: str) -> str:
    """A state id that, typed in the filter, should leave exactly that state's rows: the state
    with most rows whose id appears in no other row (nor in any donation)."""
    counts = Counter(assignment.state for assignment in assignments)
    for state, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        others = [
            " ".join(str(value) for value in a.model_dump().values())
            for a in assignments
            if a.state != state
        ]
        if not any(state.lower() in text.lower() for text in [*others, donations_text]):
            return state
    raise AssertionError("no state id is unique to its rows")


def test_the_page_in_a_real_browser(
    written: tuple[Path, Path], reference: Result, tmp_path: Path
) -> None:
    _, page_file = written
    donations_text = json.dumps([use.model_dump() for use in reference.donations])
    query = _filter_query(reference.assignments, donations_text)
    seen = _open_in_browser(page_file, f"#selftest={query}", tmp_path)
    artifacts = _artifacts()
    shutil.copyfile(seen["screenshot"], artifacts / "report.png")
    shutil.copyfile(seen["pdf"], artifacts / "report.pdf")
    shutil.copyfile(page_file, artifacts / "report.html")

    assert seen["console"] == []  # no error, no CSP refusal, no message at all
    assert seen["requests"] == []
    assert seen["screenshot"].read_bytes().startswith(b"\x89PNG")
    pdf = seen["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2

    dom = _parse(seen["dom"])
    assert Counter(dom.requirement_rows) == Counter(r.id for r in reference.requirements)
    assert dom.allocation_rows == len(reference.assignments)
    controls = next(a for tag, a in dom.elements if a.get("id") == "allocation-controls")
    assert "hidden" not in controls  # the script ran, under the page's own policy
    selftest = json.loads(str(dom.body["data-selftest"]))
    assert "error" not in selftest, selftest

    total = len(reference.assignments)
    costs = sorted(assignment.unit_cost for assignment in reference.assignments)
    assert selftest["rows"] == total
    assert [float(value) for value in selftest["cost_ascending"]] == costs
    assert [float(value) for value in selftest["cost_descending"]] == costs[::-1]
    assert sorted(selftest["cost_ascending"]) != selftest["cost_ascending"]  # numeric, not text
    assert selftest["cost_sort"] == "descending"
    assert selftest["state_ascending"] == sorted(a.state for a in reference.assignments)
    expected = sorted(a.pledge for a in reference.assignments if a.state == query)
    assert selftest["query"] == query
    assert sorted(selftest["filtered_pledges"]) == expected and len(expected) >= 2
    assert selftest["shown_text"] == f"{len(expected)} of {total} rows"
    assert selftest["rows_after_clearing"] == total


def test_the_browser_check_sees_errors_and_requests(tmp_path: Path) -> None:
    """The check above is not blind: a page that breaks its policy, throws and asks the network
    for something is caught on all three counts."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>bad</title></head><body>"
        '<img src="https://example.com/pixel.png" alt="">'
        "<script>null.property;</script></body></html>"
    )
    seen = _open_in_browser(bad, "", tmp_path)
    assert seen["requests"] == ["https://example.com/pixel.png"]
    assert any("Uncaught TypeError" in line for line in seen["console"])

    locked = tmp_path / "locked.html"
    locked.write_text(
        result_page(_minimal_result()).replace("<script>", "<script>console.log(1);", 1)
    )
    seen = _open_in_browser(locked, "", tmp_path)
    assert any("Content Security Policy" in line for line in seen["console"]), seen["console"]


def _minimal_result() -> Result:
    return run(build([req("R1")], [pledge("P1")]))


def test_solve_report_writes_the_page_report_makes_of_its_result(tmp_path) -> None:
    from gapsolver.cli import app

    reference = str(Path(__file__).resolve().parent.parent / "scenarios" / "seoul-2021.yaml")
    result_file, direct, later = tmp_path / "r.json", tmp_path / "a.html", tmp_path / "b.html"
    command = ["solve", reference, "-o", str(result_file), "--report", str(direct)]
    assert CliRunner().invoke(app, command).exit_code == 0
    assert CliRunner().invoke(app, ["report", str(result_file), "-o", str(later)]).exit_code == 0
    assert direct.read_bytes() == later.read_bytes()
    refused = CliRunner().invoke(app, ["solve", reference, "--report", reference])
    assert refused.exit_code == 2
