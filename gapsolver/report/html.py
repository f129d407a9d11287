"""A result as one self-contained HTML page to send (`gapsolver report`, `solve --report`).

The page holds the headline figures and what each ranked stage proved, the gaps per mission as a bar
chart, every requirement with the reasons its gap remains (the terminal report's words:
:func:`gapsolver.report.reasons.reason_summary`), the allocation as a table that sorts by a click on
a header and filters by a text box, and the partnerships the plan uses as a drawing (donors and
trainers → recipients and trainees → missions).

Everything is inline — one style sheet, one script, hand-written SVG — and the page's
Content-Security-Policy (:data:`CONTENT_SECURITY_POLICY`) allows nothing else: no request of any
kind leaves the page, and a style or script that is not exactly ours does not run. Every text taken
from the result is escaped. The same result gives the same bytes: nothing in the page depends on
the time or the machine.

Opened as ``report.html#selftest`` the script sorts and filters the allocation table itself and
writes what it saw into ``<body data-selftest="…">`` (JSON), for the browser test.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Final

from gapsolver.report.reasons import changes_text, reason_summary
from gapsolver.report.result import donation_fills, stage_text
from gapsolver.schema import Priority
from gapsolver.schema.result import Assignment, RequirementOutcome, Result

STYLE: Final = """
:root { color-scheme: light; --ink: #1d2733; --muted: #5a6775; --rule: #d5dbe1; --band: #f3f5f8;
  --alloc: #4f9a6e; --critical: #b2182b; --high: #e0803b; --normal: #f2c14e;
  --donation: #2166ac; --training: #c2570c; --deployment: #7a7f87; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1.05rem; margin: 22px 0 6px; }
p { margin: 6px 0; }
.lede, .note, figcaption { color: var(--muted); }
nav ul { list-style: none; padding: 0; margin: 10px 0 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
a { color: var(--donation); }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(175px, 1fr)); gap: 10px;
  margin: 0; }
.figure { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 12px; background: var(--band); }
.figure dt { font-size: .8rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.figure dd { margin: 2px 0 0; font-size: 1.35rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.figure dd small { display: block; font-size: .8rem; font-weight: 400; color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: .88rem; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.wide { overflow-x: auto; }
table.requirements { table-layout: fixed; }
table.requirements col.col-id { width: 16%; }
table.requirements col.col-capability { width: 12%; }
table.requirements col.col-priority { width: 9%; }
table.requirements col.col-count { width: 8.5%; }
table.requirements col.col-reasons { width: 37.5%; }
#allocation-table { font-size: .8rem; }
#allocation-table th, #allocation-table td { padding: 4px 6px; }
#allocation-table td { white-space: nowrap; }
#allocation-table td.wrap { white-space: normal; min-width: 14em; }
tr.short td.gap { color: var(--critical); font-weight: 700; }
ul.reasons { margin: 0; padding-left: 1.1em; }
ul.reasons li + li { margin-top: 3px; }
.fix { display: block; color: var(--muted); font-size: .92em; }
.priority { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: .9em; }
.priority-critical { background: var(--critical); color: #fff; }
.priority-high { background: var(--high); color: #fff; }
.priority-normal { background: var(--rule); }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; margin: 8px 0; }
.controls input { font: inherit; padding: 4px 8px; min-width: 260px; border: 1px solid #9aa5b1;
  border-radius: 4px; }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0; padding: 0;
  cursor: pointer; white-space: nowrap; }
th button::after { content: " \\2195"; color: var(--muted); }
th[aria-sort="ascending"] button::after { content: " \\2191"; color: var(--ink); }
th[aria-sort="descending"] button::after { content: " \\2193"; color: var(--ink); }
[hidden] { display: none !important; }
figure { margin: 8px 0 16px; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  font-size: 12px; fill: var(--ink); }
svg .tick { stroke: var(--rule); }
svg .axis text, svg .small { font-size: 11px; fill: var(--muted); }
svg .alloc { fill: var(--alloc); }
svg .gap-critical { fill: var(--critical); }
svg .gap-high { fill: var(--high); }
svg .gap-normal { fill: var(--normal); }
svg .node { fill: #fff; stroke: var(--ink); stroke-width: 1; }
svg .link { fill: none; stroke-opacity: .85; }
svg .link-donation { stroke: var(--donation); }
svg .link-training { stroke: var(--training); stroke-dasharray: 6 3; }
svg .link-deployment { stroke: var(--deployment); }
svg .label { font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg .label-donation { fill: var(--donation); }
svg .label-training { fill: var(--training); }
svg .label-deployment { fill: #4a4f57; }
svg .heading { font-weight: 600; }
footer { margin-top: 40px; color: var(--muted); font-size: .82rem; border-top: 1px solid var(--rule);
  padding-top: 8px; }
@media print {
  @page { margin: 14mm 12mm; }
  html, body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  .wide { overflow: visible; }
  table { font-size: 8.5pt; }
  th, td { padding: 3px 4px; }
  #allocation-table { font-size: 7.5pt; }
  #allocation-table th, #allocation-table td { padding: 2px 3px; white-space: normal; }
  #allocation-table td.wrap { min-width: 0; }
  #allocation-table td.date { white-space: nowrap; }
  nav, .controls { display: none !important; }
  th button { cursor: auto; }
  th button::after { content: none; }
  thead { display: table-header-group; }
  tr, .figure, figure, svg { break-inside: avoid; page-break-inside: avoid; }
  h2, h3, caption { break-after: avoid; page-break-after: avoid; }
  section.mission { break-inside: avoid-page; }
  a { color: inherit; text-decoration: none; }
}
"""

SCRIPT: Final = """
(function () {
  "use strict";
  var table = document.getElementById("allocation-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var rows = Array.prototype.slice.call(body.rows);
  var texts = rows.map(function (row) {
    return Array.prototype.map.call(row.cells, function (cell) {
      return cell.textContent;
    }).join("\\n").toLowerCase();
  });
  var filter = document.getElementById("allocation-filter");
  var shown = document.getElementById("allocation-shown");
  var note = document.getElementById("allocation-note");

  function sortKey(row, column, numeric) {
    var cell = row.cells[column];
    if (!numeric) { return cell.textContent; }
    var value = parseFloat(cell.getAttribute("data-value"));
    return isNaN(value) ? Infinity : value;
  }

  function place(ordered) {
    ordered.forEach(function (row) { body.appendChild(row); });
  }

  function sortBy(column) {
    var header = headers[column];
    var numeric = header.getAttribute("data-type") === "number";
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    var sign = ascending ? 1 : -1;
    headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    place(rows.slice().sort(function (a, b) {
      var x = sortKey(a, column, numeric);
      var y = sortKey(b, column, numeric);
      if (x < y) { return -sign; }
      if (x > y) { return sign; }
      return Number(a.getAttribute("data-index")) - Number(b.getAttribute("data-index"));
    }));
  }

  function applyFilter() {
    var query = filter.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row, index) {
      var match = query === "" || texts[index].indexOf(query) !== -1;
      row.hidden = !match;
      if (match) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " rows";
    note.textContent = query === "" ? "" : "Rows matching \\u201c" + filter.value.trim() + "\\u201d.";
  }

  headers.forEach(function (header, column) {
    var button = header.querySelector("button");
    if (button) { button.addEventListener("click", function () { sortBy(column); }); }
  });
  filter.addEventListener("input", applyFilter);
  document.getElementById("allocation-controls").hidden = false;
  applyFilter();

  var hash = window.location.hash;
  if (hash !== "#selftest" && hash.indexOf("#selftest=") !== 0) { return; }

  function column(name) {
    return headers.findIndex(function (header) { return header.getAttribute("data-key") === name; });
  }
  function visible(name, attribute) {
    var index = column(name);
    return Array.prototype.filter.call(body.rows, function (row) { return !row.hidden; })
      .map(function (row) {
        var cell = row.cells[index];
        return attribute ? cell.getAttribute(attribute) : cell.textContent;
      });
  }
  function click(name) { headers[column(name)].querySelector("button").click(); }

  var seen = { rows: rows.length };
  try {
    click("unit_cost");
    seen.cost_ascending = visible("unit_cost", "data-value");
    click("unit_cost");
    seen.cost_descending = visible("unit_cost", "data-value");
    seen.cost_sort = headers[column("unit_cost")].getAttribute("aria-sort");
    click("state");
    seen.state_ascending = visible("state");
    var query = hash === "#selftest" ? (rows.length ? visible("state")[0] : "")
      : decodeURIComponent(hash.slice("#selftest=".length));
    filter.value = query;
    filter.dispatchEvent(new Event("input"));
    seen.query = query;
    seen.filtered_pledges = visible("pledge");
    seen.shown_text = shown.textContent;
    filter.value = "";
    filter.dispatchEvent(new Event("input"));
    seen.rows_after_clearing = visible("pledge").length;
    place(rows);
    headers.forEach(function (header) { header.setAttribute("aria-sort", "none"); });
  } catch (error) {
    seen.error = String(error);
  }
  document.body.setAttribute("data-selftest", JSON.stringify(seen));
})();
"""


def _csp_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline style or script."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


CONTENT_SECURITY_POLICY: Final = (
    f"default-src 'none'; style-src {_csp_hash(STYLE)}; script-src {_csp_hash(SCRIPT)}; "
    "base-uri 'none'; form-action 'none'"
)
"""Nothing but the page's own style sheet and script (allowed by their hashes): no request — image,
font, frame, fetch, form or base URL — of any kind, and no other inline code."""

MISSION_CHART_WIDTH: Final = 880
DRAWING_LABEL_CHARS: Final = 18
"""Longest node label in the partnership drawing; a longer name is cut (the full name on hover)."""

PRIORITIES: Final = tuple(Priority)


def _text(value: object) -> str:
    """A value from the result, escaped for HTML text and attributes."""
    return html.escape(str(value), quote=True)


def _number(value: float) -> str:
    """A number for an SVG attribute: short and the same on every machine."""
    return f"{value:.1f}".removesuffix(".0")


# ---------------------------------------------------------------------------------------------------
# Headline figures


def _figure(label: str, value: str, detail: str = "") -> str:
    small = f"<small>{_text(detail)}</small>" if detail else ""
    return f'<div class="figure"><dt>{_text(label)}</dt><dd>{_text(value)}{small}</dd></div>'


def _figures(result: Result) -> str:
    required = sum(requirement.quantity for requirement in result.requirements)
    short = {
        priority: sum(r.gap for r in result.requirements if r.priority is priority)
        for priority in PRIORITIES
    }
    proven = ", ".join(
        f"{name.replace('_', ' ')} {'proven' if held else 'not proven'}"
        for name, held in (
            ("weighted_gap", result.proven.weighted_gap),
            ("suitability", result.proven.suitability),
        )
    )
    cards = [
        _figure("status", result.status.value, proven),
        _figure("weighted gap", f"{result.weighted_gap:g}", "Σ priority weight × units short"),
        _figure(
            "units short",
            str(result.gap_units),
            " · ".join(f"{priority.value} {short[priority]}" for priority in PRIORITIES),
        ),
        _figure("units allocated", f"{result.allocated_units} of {required}", "units required"),
        _figure("cost (USD)", f"{result.cost:,.0f}", "deployed units"),
        _figure(
            "women share",
            "n/a" if result.women_share is None else f"{result.women_share:.1%}",
            "units that commit to one",
        ),
        _figure("suitability", f"{result.suitability:.3f}", "second ranked objective"),
        _figure(
            "solver",
            result.solver,
            f"{result.strategy} strategy · {result.solve_time:.2f} s in the stages",
        ),
    ]
    stages = "".join(
        f"<tr><td>{_text(stage.objective.replace('_', ' '))}</td>"
        f"<td>{_text(stage.status.value)}</td><td>{_text(stage_text(stage))}</td>"
        f'<td class="num">{_text("—" if stage.value is None else f"{stage.value:,.6g}")}</td>'
        f'<td class="num">{_text("—" if stage.bound is None else f"{stage.bound:,.6g}")}</td></tr>'
        for stage in result.stages
    )
    stage_table = (
        '<table class="stages"><caption>The ranked stages: what each proved</caption>'
        '<thead><tr><th>objective</th><th>status</th><th>proved</th><th class="num">value</th>'
        f'<th class="num">bound</th></tr></thead><tbody>{stages}</tbody></table>'
        if result.stages
        else '<p class="note">No stage was run.</p>'
    )
    return f'<dl class="figures">{"".join(cards)}</dl>{stage_table}'


# ---------------------------------------------------------------------------------------------------
# Gaps per mission: a bar chart


@dataclass
class _MissionBar:
    mission: str
    quantity: int = 0
    allocated: int = 0
    weighted_gap: float = 0.0
    gap: dict[Priority, int] = field(default_factory=lambda: dict.fromkeys(PRIORITIES, 0))


def _mission_bars(requirements: Sequence[RequirementOutcome]) -> list[_MissionBar]:
    """Per mission, most weighted gap first (then most units short, then by name)."""
    bars: dict[str, _MissionBar] = {}
    for requirement in requirements:
        bar = bars.setdefault(requirement.mission, _MissionBar(requirement.mission))
        bar.quantity += requirement.quantity
        bar.allocated += requirement.allocated
        bar.weighted_gap += requirement.weighted_gap
        bar.gap[requirement.priority] += requirement.gap
    return sorted(
        bars.values(), key=lambda bar: (-bar.weighted_gap, -sum(bar.gap.values()), bar.mission)
    )


def _tick_step(largest: int) -> int:
    """A round step (1, 2 or 5 × 10^k) giving at most six ticks up to ``largest``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if largest / (step * factor) <= 6:
                return step * factor
        step *= 10


def _short(name: str, limit: int) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def gap_chart(result: Result) -> str:
    """The gaps per mission as an inline SVG bar chart: each mission's required units, split into
    allocated units and units short by priority."""
    bars = _mission_bars(result.requirements)
    if not bars:
        return '<p class="note">The result has no requirement.</p>'
    label_width, bar_left, bar_width, pitch, top = 130, 140, 520, 28, 44
    largest = max(max(bar.quantity for bar in bars), 1)
    scale = bar_width / largest
    height = top + pitch * len(bars) + 10
    parts = [
        f'<svg viewBox="0 0 {MISSION_CHART_WIDTH} {height}" width="{MISSION_CHART_WIDTH}" '
        f'height="{height}" role="img" aria-labelledby="gap-chart-title">',
        '<title id="gap-chart-title">Units required per mission: allocated and short, by '
        "priority</title>",
    ]
    legend = [
        ("alloc", "allocated"),
        *((f"gap-{p.value}", f"short, {p.value}") for p in PRIORITIES),
    ]
    for index, (css, words) in enumerate(legend):
        legend_x = bar_left + index * 130
        parts.append(
            f'<rect class="{css}" x="{legend_x}" y="4" width="12" height="12"/>'
            f'<text class="small" x="{legend_x + 17}" y="14">{_text(words)}</text>'
        )
    step = _tick_step(largest)
    parts.append('<g class="axis">')
    for value in range(0, largest + 1, step):
        tick_x = _number(bar_left + value * scale)
        parts.append(
            f'<line class="tick" x1="{tick_x}" x2="{tick_x}" y1="{top - 8}" y2="{height - 6}"/>'
            f'<text x="{tick_x}" y="{top - 12}" text-anchor="middle">{value}</text>'
        )
    parts.append("</g>")
    for row, bar in enumerate(bars):
        y = top + row * pitch
        short = sum(bar.gap.values())
        summary = (
            f"{short} short of {bar.quantity} · weighted {bar.weighted_gap:g}"
            if short
            else f"all {bar.quantity} allocated"
        )
        detail = ", ".join(f"{bar.gap[p]} {p.value}" for p in PRIORITIES if bar.gap[p])
        parts.append(
            f"<g><title>{_text(bar.mission)}: {bar.allocated} of {bar.quantity} units allocated"
            f"{_text(f'; short: {detail}' if detail else '')}</title>"
            f'<text x="{label_width}" y="{y + 14}" text-anchor="end">'
            f"{_text(_short(bar.mission, 20))}</text>"
        )
        end = float(bar_left)
        for css, units in (
            ("alloc", bar.allocated),
            *((f"gap-{p.value}", bar.gap[p]) for p in PRIORITIES),
        ):
            if units <= 0:
                continue
            width = units * scale
            parts.append(
                f'<rect class="{css}" x="{_number(end)}" y="{y + 3}" width="{_number(width)}" '
                'height="16"/>'
            )
            end += width
        parts.append(
            f'<text class="small" x="{_number(end + 8)}" y="{y + 15}">{_text(summary)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


# ---------------------------------------------------------------------------------------------------
# Requirements and their reasons


def _reasons_cell(requirement: RequirementOutcome) -> str:
    if not requirement.reasons:
        return ""
    items = []
    for reason in requirement.reasons:
        fix = changes_text(reason.counterfactual) if reason.counterfactual else ""
        fix_html = f'<span class="fix">would close: {_text(fix)}</span>' if fix else ""
        items.append(f"<li>{_text(reason_summary(reason))}{fix_html}</li>")
    return f'<ul class="reasons">{"".join(items)}</ul>'


def _requirement_tables(result: Result) -> str:
    if not result.requirements:
        return '<p class="note">The result has no requirement.</p>'
    sections = []
    by_mission = sorted(result.requirements, key=lambda requirement: requirement.mission)
    for mission, group in groupby(by_mission, key=lambda requirement: requirement.mission):
        rows = []
        for requirement in group:
            short = " short" if requirement.gap else ""
            priority = requirement.priority.value
            rows.append(
                f'<tr class="requirement{short}" data-requirement="{_text(requirement.id)}">'
                f"<td>{_text(requirement.id)}</td><td>{_text(requirement.capability)}</td>"
                f'<td><span class="priority priority-{_text(priority)}">{_text(priority)}</span></td>'
                f'<td class="num">{requirement.quantity}</td>'
                f'<td class="num">{requirement.allocated}</td>'
                f'<td class="num gap">{requirement.gap}</td>'
                f"<td>{_reasons_cell(requirement)}</td></tr>"
            )
        sections.append(
            f'<section class="mission"><table class="requirements"><caption>{_text(mission)}'
            '</caption><colgroup><col class="col-id"><col class="col-capability"><col class="col-priority">'
            '<col class="col-count"><col class="col-count"><col class="col-count"><col class="col-reasons">'
            "</colgroup><thead><tr><th>requirement</th><th>capability</th><th>priority</th>"
            '<th class="num">quantity</th><th class="num">allocated</th><th class="num">gap</th>'
            f"<th>why short</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
        )
    return "".join(sections)


# ---------------------------------------------------------------------------------------------------
# The allocation: a sortable, filterable table

ALLOCATION_COLUMNS: Final = (
    ("mission", "mission", "text"),
    ("requirement", "requirement", "text"),
    ("state", "state", "text"),
    ("pledge", "pledge", "text"),
    ("capability", "capability", "text"),
    ("units", "units", "number"),
    ("ready", "ready", "text"),
    ("training", "training", "text"),
    ("equipment", "donated equipment", "text"),
    ("unit_cost", "unit cost", "number"),
    ("score", "score", "number"),
)
"""The allocation table's columns: key (``data-key``), header, and how the column sorts."""


def _donated(result: Result) -> dict[tuple[str, str, str], list[str]]:
    """(recipient, item, requirement) → the donations that equip its units, as the terminal's
    allocation table names them."""
    donated: dict[tuple[str, str, str], list[str]] = {}
    for use in result.donations:
        for filled in use.requirements:
            donated.setdefault((use.recipient, use.item, filled["requirement"]), []).append(
                f"{use.donation} ({use.donor}, {use.items} {use.item})"
            )
    return donated


def _allocation_order(assignments: Iterable[Assignment]) -> list[Assignment]:
    return sorted(assignments, key=lambda a: (a.mission, a.requirement, a.state, a.pledge))


def _allocation_table(result: Result) -> str:
    if not result.assignments:
        return '<p class="note">The plan deploys no unit.</p>'
    donated = _donated(result)
    headers = "".join(
        f'<th data-key="{key}" data-type="{kind}" aria-sort="none"'
        + (' class="num"' if kind == "number" else "")
        + f'><button type="button">{_text(header)}</button></th>'
        for key, header, kind in ALLOCATION_COLUMNS
    )
    rows = []
    for index, assignment in enumerate(_allocation_order(result.assignments)):
        equipment = (
            "; ".join(
                donated.get((assignment.state, assignment.equipment, assignment.requirement), [])
            )
            if assignment.equipment
            else ""
        )
        rows.append(
            f'<tr data-index="{index}">'
            f"<td>{_text(assignment.mission)}</td><td>{_text(assignment.requirement)}</td>"
            f"<td>{_text(assignment.state)}</td><td>{_text(assignment.pledge)}</td>"
            f"<td>{_text(assignment.capability)}</td>"
            f'<td class="num" data-value="{assignment.units}">{assignment.units}</td>'
            f'<td class="date">{_text(assignment.ready)}</td>'
            f"<td>{_text(assignment.training or '')}</td>"
            f'<td class="wrap">{_text(equipment)}</td>'
            f'<td class="num" data-value="{assignment.unit_cost!r}">{assignment.unit_cost:,.0f}</td>'
            f'<td class="num" data-value="{assignment.score!r}">{assignment.score:.3f}</td></tr>'
        )
    count = len(rows)
    return (
        '<div class="controls" id="allocation-controls" hidden>'
        '<label for="allocation-filter">Filter rows</label>'
        '<input id="allocation-filter" type="search" autocomplete="off" spellcheck="false" '
        'placeholder="state, pledge, mission, requirement…">'
        f'<span id="allocation-shown" aria-live="polite">{count} of {count} rows</span>'
        "<span>Click a header to sort.</span></div>"
        '<p class="note" id="allocation-note"></p>'
        '<div class="wide"><table id="allocation-table"><caption>Units of each pledge deployed to '
        "each requirement, with the training seat and donated equipment they rely on</caption>"
        f"<thead><tr>{headers}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


# ---------------------------------------------------------------------------------------------------
# The partnerships used: a drawing


@dataclass(frozen=True, eq=False)  # each link is itself, even if two read alike
class _Link:
    kind: str  # donation, training or deployment
    source: str
    target: str
    amount: int
    label: str
    title: str


def _links(result: Result) -> list[_Link]:
    """Donor → recipient (items), trainer → trainee (seats), and recipient or trainee → mission
    (the units that rely on a donation or a training)."""
    links: list[_Link] = []
    for use in result.donations:
        links.append(
            _Link(
                "donation",
                use.donor,
                use.recipient,
                use.items,
                f"{use.items} × {use.item}",
                f"{use.donor} → {use.recipient}: donation {use.donation}, {use.items} {use.item}",
            )
        )
    trainer = {training.training: training.trainer for training in result.trainings}
    seats: dict[tuple[str, str, str], int] = defaultdict(int)
    deployed: dict[tuple[str, str], int] = defaultdict(int)
    for assignment in _allocation_order(result.assignments):
        if assignment.training is not None:
            key = (trainer.get(assignment.training, "?"), assignment.state, assignment.training)
            seats[key] += assignment.units
        if assignment.training is not None or assignment.equipment is not None:
            deployed[(assignment.state, assignment.mission)] += assignment.units
    for (source, trainee, course), count in seats.items():
        noun = "seat" if count == 1 else "seats"
        links.append(
            _Link(
                "training",
                source,
                trainee,
                count,
                f"{count} {noun}",
                f"{source} → {trainee}: training {course}, {count} {noun}",
            )
        )
    for (state, mission), units in deployed.items():
        noun = "unit" if units == 1 else "units"
        links.append(
            _Link(
                "deployment",
                state,
                mission,
                units,
                f"{units} {noun}",
                f"{state} → {mission}: {units} {noun} relying on a donation or a training",
            )
        )
    return links


def _ordered(names: Iterable[str], anchors: dict[str, list[int]]) -> list[str]:
    """Names ordered by the mean position of what links to them (then by name): fewer crossings,
    and the same order for the same result."""

    def key(name: str) -> tuple[float, str]:
        positions = anchors.get(name, [])
        return (sum(positions) / len(positions) if positions else 0.0, name)

    return sorted(set(names), key=key)


def _drawing_columns(links: Sequence[_Link]) -> list[list[str]]:
    """The three columns of the drawing — providers, recipients and trainees, missions — each
    ordered by where its links come from (a barycentre pass each way), then by name."""
    given = [link for link in links if link.kind != "deployment"]
    deployed = [link for link in links if link.kind == "deployment"]
    providers = sorted({link.source for link in given})
    middle: list[str] = []
    for _sweep in range(2):
        provider_row = {name: row for row, name in enumerate(providers)}
        anchors: dict[str, list[int]] = defaultdict(list)
        for link in given:
            anchors[link.target].append(provider_row[link.source])
        middle = _ordered(
            [link.target for link in given] + [link.source for link in deployed], anchors
        )
        middle_row = {name: row for row, name in enumerate(middle)}
        back: dict[str, list[int]] = defaultdict(list)
        for link in given:
            back[link.source].append(middle_row[link.target])
        providers = _ordered(providers, back)
    middle_row = {name: row for row, name in enumerate(middle)}
    mission_anchors: dict[str, list[int]] = defaultdict(list)
    for link in deployed:
        mission_anchors[link.target].append(middle_row[link.source])
    return [providers, middle, _ordered(mission_anchors, mission_anchors)]


PORT_PITCH: Final = 15
"""Vertical distance between two links meeting one side of a node in the partnership drawing."""


def partnership_drawing(result: Result) -> str:
    """The partnerships the plan uses as an inline SVG drawing in three columns: donors and
    trainers → recipients and trainees → missions (the units that rely on a donation or a
    training). Every link meets its nodes at a port of its own and is labelled, level, at its
    end with what it carries; a node is as tall as its links need."""
    links = _links(result)
    if not any(link.kind != "deployment" for link in links):
        return '<p class="note">The plan uses no donation and no training.</p>'
    columns = _drawing_columns(links)
    box_width, gap, top, spacing = 140, 260, 78, 10
    width = 3 * box_width + 2 * gap
    column_of = {"donation": (0, 1), "training": (0, 1), "deployment": (1, 2)}
    incoming: dict[tuple[int, str], list[_Link]] = defaultdict(list)
    outgoing: dict[tuple[int, str], list[_Link]] = defaultdict(list)
    for link in links:
        left, right = column_of[link.kind]
        outgoing[(left, link.source)].append(link)
        incoming[(right, link.target)].append(link)

    def node_height(node: tuple[int, str]) -> int:
        ports = max(len(incoming[node]), len(outgoing[node]))
        return max(24, PORT_PITCH * ports + 6)

    totals = [
        sum(node_height((index, name)) for name in column) + spacing * (len(column) - 1)
        for index, column in enumerate(columns)
    ]
    tallest = max(totals)
    box: dict[tuple[int, str], tuple[float, float, int]] = {}  # node → (left, top, height)
    for index, column in enumerate(columns):
        y = top + (tallest - totals[index]) / 2
        for name in column:
            height = node_height((index, name))
            box[(index, name)] = (index * (box_width + gap), y, height)
            y += height + spacing

    def middle(node: tuple[int, str]) -> float:
        return box[node][1] + box[node][2] / 2

    def ports(node: tuple[int, str], ends: list[tuple[float, _Link]]) -> dict[_Link, float]:
        """Each link's port on one side of a node, in the order of their other ends."""
        _left, node_top, height = box[node]
        ordered = sorted(ends, key=lambda end: (end[0], end[1].kind, end[1].label))
        step = height / len(ordered)
        return {link: node_top + step * (rank + 0.5) for rank, (_, link) in enumerate(ordered)}

    start_y: dict[_Link, float] = {}
    end_y: dict[_Link, float] = {}
    for link in links:
        left, right = column_of[link.kind]
        if link not in start_y:
            node = (left, link.source)
            start_y |= ports(node, [(middle((right, out.target)), out) for out in outgoing[node]])
        if link not in end_y:
            node = (right, link.target)
            end_y |= ports(node, [(middle((left, into.source)), into) for into in incoming[node]])

    height = int(top + tallest + 10)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        'aria-labelledby="partnerships-title">',
        '<title id="partnerships-title">Partnerships the plan uses: donors and trainers, the '
        "states they equip or train, and the missions those units serve</title>",
    ]
    legend = [
        ("donation", "donation: donor → recipient (items)"),
        ("training", "training: trainer → trainee (seats)"),
        ("deployment", "units relying on them → mission"),
    ]
    for index, (kind, words) in enumerate(legend):
        legend_x = index * 300
        parts.append(
            f'<line class="link link-{kind}" x1="{legend_x}" x2="{legend_x + 30}" y1="12" y2="12" '
            'stroke-width="3"/>'
            f'<text class="small" x="{legend_x + 36}" y="16">{_text(words)}</text>'
        )
    headings = ("donors and trainers", "recipients and trainees", "missions")
    for index, heading in enumerate(headings):
        heading_x = index * (box_width + gap) + box_width / 2
        parts.append(
            f'<text class="heading" x="{_number(heading_x)}" y="{top - 14}" text-anchor="middle">'
            f"{_text(heading)}</text>"
        )
    labels = []
    bend = gap / 2
    for link in links:
        left, right = column_of[link.kind]
        x1 = box[(left, link.source)][0] + box_width
        x2 = box[(right, link.target)][0]
        y1, y2 = start_y[link], end_y[link]
        stroke = 1.5 + min(link.amount, 8) * 0.4
        parts.append(
            f'<path class="link link-{link.kind}" stroke-width="{_number(stroke)}" '
            f'd="M{_number(x1)} {_number(y1)} C{_number(x1 + bend)} {_number(y1)} '
            f'{_number(x2 - bend)} {_number(y2)} {_number(x2)} {_number(y2)}">'
            f"<title>{_text(link.title)}</title></path>"
        )
        labels.append(
            f'<text class="label label-{link.kind}" x="{_number(x2 - 6)}" y="{_number(y2 - 3)}" '
            f'text-anchor="end">{_text(link.label)}<title>{_text(link.title)}</title></text>'
        )
    for (_column, name), (node_left, node_top, node_height_) in sorted(box.items()):
        parts.append(
            f'<g><title>{_text(name)}</title><rect class="node" x="{node_left}" '
            f'y="{_number(node_top)}" width="{box_width}" height="{node_height_}" rx="4"/>'
            f'<text x="{_number(node_left + box_width / 2)}" '
            f'y="{_number(node_top + node_height_ / 2 + 4)}" text-anchor="middle">'
            f"{_text(_short(name, DRAWING_LABEL_CHARS))}</text></g>"
        )
    parts += labels
    parts.append("</svg>")
    return "".join(parts)


def _partnership_tables(result: Result) -> str:
    parts = []
    if result.donations:
        rows = "".join(
            f"<tr><td>{_text(use.donation)}</td><td>{_text(use.donor)}</td>"
            f"<td>{_text(use.item)}</td><td>{_text(use.recipient)}</td>"
            f'<td class="num">{use.items}</td><td>' + _text(donation_fills(use)) + "</td></tr>"
            for use in result.donations
        )
        parts.append(
            "<table><caption>Donated equipment used</caption><thead><tr><th>donation</th>"
            '<th>donor</th><th>item</th><th>recipient</th><th class="num">items</th>'
            f"<th>fills</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    if result.donation_impact:
        rows = "".join(
            f"<tr><td>{_text(row.donation)}</td>"
            f'<td class="num">{row.weighted_gap_without:g}</td>'
            f'<td class="num">{row.weighted_gap_closed:g}</td>'
            f'<td class="num">{row.gap_units_closed}</td></tr>'
            for row in result.donation_impact
        )
        parts.append(
            "<table><caption>What each donation closes (optimal plan with and without it)"
            '</caption><thead><tr><th>donation</th><th class="num">weighted gap without</th>'
            '<th class="num">weighted gap closed</th><th class="num">units closed</th></tr>'
            f"</thead><tbody>{rows}</tbody></table>"
        )
    used = [training for training in result.trainings if training.seats_used]
    if used:
        rows = "".join(
            f"<tr><td>{_text(training.training)}</td><td>{_text(training.trainer)}</td>"
            f'<td>{_text(training.capability)}</td><td class="num">{training.seats_used}</td>'
            f'<td class="num">{training.capacity}</td></tr>'
            for training in used
        )
        parts.append(
            "<table><caption>Training seats used</caption><thead><tr><th>training</th>"
            '<th>trainer</th><th>capability</th><th class="num">seats used</th>'
            f'<th class="num">capacity</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    return "".join(parts)


# ---------------------------------------------------------------------------------------------------
# The page


def result_page(result: Result) -> str:
    """The whole page, as text: the same result gives the same text."""
    name = _text(result.scenario)
    required = sum(requirement.quantity for requirement in result.requirements)
    sections = [
        ("figures", "Headline figures", _figures(result)),
        (
            "gaps",
            "Gaps per mission",
            f"<figure>{gap_chart(result)}<figcaption>Units required per mission: allocated, and "
            "short by priority; missions with the largest weighted gap first.</figcaption></figure>",
        ),
        (
            "requirements",
            "Requirements and why each gap remains",
            '<p class="lede">Every requirement, by mission. A reason accounts for some of the '
            "missing units; “would close” is the change to the scenario that removes its cause."
            f"</p>{_requirement_tables(result)}",
        ),
        ("allocation", "Allocation", _allocation_table(result)),
        (
            "partnerships",
            "Partnerships used",
            f"<figure>{partnership_drawing(result)}<figcaption>Donated equipment and training "
            "seats the plan relies on, and the missions the units they enable serve.</figcaption>"
            f"</figure>{_partnership_tables(result)}",
        ),
    ]
    navigation = "".join(
        f'<li><a href="#{anchor}">{_text(title)}</a></li>' for anchor, title, _ in sections
    )
    body = "".join(
        f'<section id="{anchor}"><h2>{_text(title)}</h2>{content}</section>'
        for anchor, title, content in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="generator" content="gapsolver">\n'
        f"<title>Gap report: {name}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>Gap report: {name}</h1>"
        f'<p class="lede">{_text(result.status.value)} plan of the {_text(result.strategy)} '
        f"strategy: {result.gap_units} of {required} required units short, weighted gap "
        f"{result.weighted_gap:g}.</p>"
        f'<nav aria-label="Contents"><ul>{navigation}</ul></nav></header>\n'
        f"{body}\n"
        f"<footer>Made by gapsolver from the result of scenario {name} (result format "
        f"{result.format_version}). The page is self-contained: it loads nothing.</footer>\n"
        f"</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


__all__ = ["CONTENT_SECURITY_POLICY", "gap_chart", "partnership_drawing", "result_page"]
