"""The partnership graph as files (GraphML, GEXF, node-link JSON, Graphviz DOT) and as a drawing (PNG,
SVG or PDF), and read back from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from gapsolver.exceptions import InputError, Problem, import_extra
from gapsolver.partnerships.graph import DEPLOYMENT, DONATION, MISSION, TRAINING
from gapsolver.postprocess.guard import GRAPH, IMAGE
from gapsolver.postprocess.write import atomic_path
from gapsolver.preprocess.encode import encode
from gapsolver.preprocess.rules import eligible_pairs
from gapsolver.report.plots import pyplot, save_figure
from gapsolver.schema import Scenario

EXPORT_FORMATS = GRAPH
"""The formats --export writes, by extension (the output guard's list)."""
_INTEGER_ATTRIBUTES = {
    "quantity",
    "items_given",
    "capacity",
    "lead_time_days",
    "seats_used",
    "units",
}
_FORMAT_OWNED = {"label", "id"}  # attributes GEXF adds on its own


def export_graph(
    graph: nx.MultiDiGraph,
    path: str | Path,
    possible: dict[tuple[str, str], int] | None = None,
    gaps: dict[str, int] | None = None,
) -> None:
    """Write the graph in the format its extension names (GraphML, GEXF, node-link JSON, Graphviz
    DOT, or a drawing as PNG, SVG or PDF: :func:`draw_graph`, with ``possible`` deployments and a
    plan's ``gaps``), atomically."""

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise InputError(
            [
                Problem(
                    "--export",
                    f"unknown format {suffix or '(none)'!r}; use one of {', '.join(EXPORT_FORMATS)}",
                )
            ]
        )

    if suffix in IMAGE:
        draw_graph(graph, target, possible, gaps)
        return
    if suffix == ".dot":  # the optional library, checked before any file is made
        _require_pydot("--export .dot")
    with atomic_path(target) as temporary:
        if suffix == ".graphml":
            nx.write_graphml(graph, temporary)
        elif suffix == ".gexf":
            nx.write_gexf(graph, temporary)
        elif suffix == ".json":
            data = nx.node_link_data(graph, edges="edges")
            temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        else:
            nx.nx_pydot.write_dot(graph, temporary)


def _require_pydot(feature: str) -> None:
    """networkx writes and reads DOT through pydot (the `dot` extra), imported only when asked."""
    import_extra("pydot", feature, "pydot", "dot")


def _clean(value: Any, name: str) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if name in _INTEGER_ATTRIBUTES and isinstance(value, str):
        return int(value)
    return value


def read_graph(path: str | Path) -> nx.MultiDiGraph:
    """Reload an exported graph (GraphML, GEXF, JSON or DOT) with its attributes as they were."""
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix == ".graphml":
        loaded = nx.read_graphml(source, force_multigraph=True)
    elif suffix == ".gexf":
        loaded = nx.read_gexf(source)
    elif suffix == ".json":
        loaded = nx.node_link_graph(json.loads(source.read_text(encoding="utf-8")), edges="edges")
    elif suffix == ".dot":
        _require_pydot("reading a .dot graph")
        loaded = nx.nx_pydot.read_dot(source)
    else:
        raise ValueError(f"cannot reload {suffix} files")
    graph = nx.MultiDiGraph(name=_clean(loaded.graph.get("name", ""), "name"))
    for node, data in loaded.nodes(data=True):
        graph.add_node(
            _clean(node, "node"),
            **{k: _clean(v, k) for k, v in data.items() if k not in _FORMAT_OWNED},
        )
    for source_node, target_node, key, data in loaded.edges(keys=True, data=True):
        graph.add_edge(
            _clean(source_node, "node"),
            _clean(target_node, "node"),
            key=_clean(key, "key"),
            **{k: _clean(v, k) for k, v in data.items() if k not in _FORMAT_OWNED},
        )
    return graph


_EDGE_COLOURS = {DONATION: "#1f77b4", TRAINING: "#9467bd", DEPLOYMENT: "#ff7f0e"}
_POSSIBLE_COLOUR = "#b0b0b0"
_PROVIDER_COLOUR, _STATE_COLOUR, _MISSION_COLOUR = "#e4d8f0", "#d9ecd9", "#f6dada"
_SHORT_COLOUR = "#c0392b"
_MISSION_X = 6.0
_MAX_BULGE = 4.0
"""How far left of the states column the widest partnership arc reaches."""


def _flow(data: dict[str, Any]) -> int:
    return int(data.get("items_given") or data.get("seats_used") or data.get("units") or 0)


def possible_deployments(scenario: Scenario) -> dict[tuple[str, str], int]:
    """For each (state, mission), how many of the state's pledges could serve some requirement of
    the mission: the eligibility rules' own pairs (:func:`gapsolver.preprocess.rules.eligible_pairs`)."""
    enc = encode(scenario)
    options, requirements = eligible_pairs(enc)
    pledges = enc.option_pledge[options]
    found: dict[tuple[str, str], set[int]] = {}
    for pledge, requirement in {
        (int(p), int(r)) for p, r in zip(pledges.tolist(), requirements.tolist(), strict=True)
    }:
        key = (scenario.pledges[pledge].state, scenario.requirements[requirement].mission)
        found.setdefault(key, set()).add(pledge)
    return {key: len(pledges) for key, pledges in sorted(found.items())}


def _order_states(
    states: list[str], missions: list[str], weights: dict[tuple[str, str, str], int]
) -> list[str]:
    """States ordered by the mean place of the missions they (could) serve, so deployment lines
    cross little; a state serving none by the mean place of its partners; ties by id."""
    place = {mission: index for index, mission in enumerate(missions)}
    served: dict[str, list[int]] = {}
    partners: dict[str, list[str]] = {}
    for u, v, kind in weights:
        if v in place:
            served.setdefault(u, []).append(place[v])
        elif kind in (DONATION, TRAINING):
            partners.setdefault(u, []).append(v)
            partners.setdefault(v, []).append(u)
    spread = len(missions) / max(len(states), 1)

    def centre(state: str) -> float:
        if state in served:
            return sum(served[state]) / len(served[state])
        near = [n for n in partners.get(state, []) if n in served]
        if near:
            return sum(sum(served[n]) / len(served[n]) for n in near) / len(near) + spread / 2
        return float(len(missions))

    return sorted(states, key=lambda state: (centre(state), state))


def draw_graph(
    graph: nx.MultiDiGraph,
    path: str | Path,
    possible: dict[tuple[str, str], int] | None = None,
    gaps: dict[str, int] | None = None,
) -> None:
    """A drawing (PNG, SVG or PDF by extension): member states in one column, missions in another,
    each id inside its box, and a legend. Deployments run from states to missions; donations and
    trainings between states are arcs on the left of the states' column, each as far out as the
    states it joins are apart, so a trainer's courses fan out rather than twist into one rope (one
    arc per pair and kind, as wide as their sum).

    With a plan on the graph only what the plan uses is drawn, widths by items given, seats used or
    units deployed, and missions left short are marked with their unfilled units (``gaps``).
    Without one: every offer, and the ``possible`` deployments (state → mission, width by pledges)."""

    plt = pyplot(f"--export {Path(path).suffix.lower()}")
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, Patch

    planned = any(data["kind"] == DEPLOYMENT for _, _, data in graph.edges(data=True))
    weights: dict[tuple[str, str, str], int] = {}
    for u, v, data in graph.edges(data=True):
        if planned and _flow(data) <= 0:
            continue
        key = (u, v, data["kind"])
        weights[key] = weights.get(key, 0) + (_flow(data) if planned else 1)
    if not planned:
        for (state, mission), count in (possible or {}).items():
            if state in graph and mission in graph:
                weights[(state, mission, "possible")] = count
    missions = sorted(n for n, data in graph.nodes(data=True) if data.get("kind") == MISSION)
    used = {n for u, v, _ in weights for n in (u, v)}
    states = _order_states(
        [n for n in sorted(used) if graph.nodes[n].get("kind") != MISSION], missions, weights
    )
    providers = {u for u, _, kind in weights if kind in (DONATION, TRAINING)}
    tallest = max(len(states), len(missions), 1)

    def spaced(members: list[str], x: float) -> dict[str, tuple[float, float]]:
        step = (tallest - 1) / max(len(members) - 1, 1)
        return {
            node: (x, (tallest - 1) / 2 - index * step if len(members) > 1 else 0.0)
            for index, node in enumerate(members)
        }

    position = spaced(states, 0.0) | spaced(missions, _MISSION_X)
    figure, axes = plt.subplots(figsize=(11, max(4.5, 0.3 * tallest + 2.0)))
    largest = max(weights.values(), default=1)
    for (u, v, kind), weight in sorted(weights.items()):
        (x1, y1), (x2, y2) = position[u], position[v]
        width = 0.5 + 3.5 * weight / largest
        if kind in (DONATION, TRAINING):  # an arc on the left of the states' column
            length = max(abs(y2 - y1), 1e-9)
            rad = min(0.5, _MAX_BULGE / length) * (-1.0 if y2 > y1 else 1.0)
            start, end, style = (x1 - 0.5, y1), (x2 - 0.5, y2), f"arc3,rad={rad:.4f}"
        else:
            start, end, style = (x1 + 0.5, y1), (x2 - 0.7, y2), "arc3,rad=0"
        axes.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-" if kind == "possible" else "-|>",
                mutation_scale=8,
                linewidth=width,
                linestyle="--" if kind == "possible" else "-",
                color=_POSSIBLE_COLOUR if kind == "possible" else _EDGE_COLOURS[kind],
                alpha=0.5 if kind == "possible" else 0.75,
                connectionstyle=style,
                zorder=1,
            )
        )
    for node, (x, y) in position.items():
        is_mission = graph.nodes[node].get("kind") == MISSION
        short = (gaps or {}).get(node, 0) if is_mission else 0
        colour = (
            _MISSION_COLOUR
            if is_mission
            else _PROVIDER_COLOUR
            if node in providers
            else _STATE_COLOUR
        )
        axes.text(
            x,
            y,
            f"{node}  (short {short})" if short else node,
            ha="center",
            va="center",
            fontsize=7,
            zorder=3,
            bbox={
                "boxstyle": "round,pad=0.25",
                "facecolor": colour,
                "edgecolor": _SHORT_COLOUR if short else "#606060",
                "linewidth": 1.6 if short else 0.6,
            },
        )
    top = (tallest - 1) / 2 + 1.0
    axes.text(0.0, top, "member states", ha="center", va="bottom", fontsize=8, fontweight="bold")
    axes.text(_MISSION_X, top, "missions", ha="center", va="bottom", fontsize=8, fontweight="bold")
    legend: list[Any] = [
        Line2D([0], [0], color=_EDGE_COLOURS[DONATION], lw=2, label="donated equipment"),
        Line2D([0], [0], color=_EDGE_COLOURS[TRAINING], lw=2, label="training"),
        Patch(facecolor=_PROVIDER_COLOUR, edgecolor="#606060", label="donor or trainer"),
    ]
    if planned:
        legend.append(
            Line2D([0], [0], color=_EDGE_COLOURS[DEPLOYMENT], lw=2, label="units deployed")
        )
        if gaps and any(gaps.values()):
            legend.append(Patch(facecolor=_MISSION_COLOUR, edgecolor=_SHORT_COLOUR, label="short"))
    elif possible:
        legend.append(
            Line2D([0], [0], color=_POSSIBLE_COLOUR, lw=2, ls="--", label="possible deployment")
        )
    axes.legend(
        handles=legend,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(legend),
        fontsize=8,
        frameon=False,
    )
    what = "the plan (width: items, seats or units)" if planned else "every offer (width: how many)"
    axes.set_title(f"{graph.graph.get('name', '')} — {what}", fontsize=10)
    axes.set_xlim(-_MAX_BULGE - 1.0, _MISSION_X + 1.5)
    axes.set_ylim(-(tallest - 1) / 2 - 1.0, top + 0.8)
    axes.axis("off")
    figure.tight_layout()
    save_figure(figure, path, dpi=110)
    plt.close(figure)
