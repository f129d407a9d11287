"""The partnership graph as files (GraphML, GEXF, node-link JSON, Graphviz DOT) and as a drawing, and
read back from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from gapsolver.exceptions import InputError, Problem, import_extra
from gapsolver.partnerships.graph import DEPLOYMENT, DONATION, MISSION, TRAINING
from gapsolver.postprocess.guard import GRAPH
from gapsolver.postprocess.write import atomic_path
from gapsolver.report.plots import pyplot

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


def export_graph(graph: nx.MultiDiGraph, path: str | Path) -> None:
    """Write the graph in the format its extension names (GraphML, GEXF, node-link JSON, Graphviz
    DOT, or a PNG drawing), atomically."""

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

    if suffix == ".dot":  # the optional libraries, checked before any file is made
        _require_pydot("--export .dot")
    elif suffix == ".png":
        pyplot("--export .png")
    with atomic_path(target) as temporary:
        if suffix == ".graphml":
            nx.write_graphml(graph, temporary)
        elif suffix == ".gexf":
            nx.write_gexf(graph, temporary)
        elif suffix == ".json":
            data = nx.node_link_data(graph, edges="edges")
            temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        elif suffix == ".dot":
            nx.nx_pydot.write_dot(graph, temporary)
        else:
            draw_graph(graph, temporary)


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
_COLUMN_COLOURS = {0: "#9467bd", 1: "#2ca02c", 2: "#d62728"}


def _flow(data: dict[str, Any]) -> int:
    return int(data.get("items_given") or data.get("seats_used") or data.get("units") or 0)


def draw_graph(graph: nx.MultiDiGraph, path: str | Path) -> None:
    """A PNG drawing in three columns: donors and trainers, contributors and recipients, missions.
    With a plan on the graph only what the plan uses is drawn, edge widths by items given, seats used
    or units deployed; without one, every offer."""

    plt = pyplot("--export .png")
    planned = any(data["kind"] == DEPLOYMENT for _, _, data in graph.edges(data=True))
    edges = [
        (u, v, data) for u, v, data in graph.edges(data=True) if not planned or _flow(data) > 0
    ]
    providers = {u for u, _, data in edges if data["kind"] in (DONATION, TRAINING)}
    nodes = sorted({n for u, v, _ in edges for n in (u, v)}) or sorted(graph.nodes)

    def column(node: str) -> int:
        if graph.nodes[node].get("kind") == MISSION:
            return 2
        return 0 if node in providers else 1

    columns: dict[int, list[str]] = {0: [], 1: [], 2: []}
    for node in nodes:
        columns[column(node)].append(node)
    position = {
        node: (x, len(members) / 2 - index)
        for x, members in columns.items()
        for index, node in enumerate(members)
    }
    height = max(4.0, 0.3 * max(len(members) for members in columns.values()))
    figure, axes = plt.subplots(figsize=(11, height))
    for kind, colour in _EDGE_COLOURS.items():
        chosen = [(u, v, d) for u, v, d in edges if d["kind"] == kind]
        nx.draw_networkx_edges(
            graph,
            position,
            edgelist=[(u, v) for u, v, _ in chosen],
            width=[0.6 + 0.9 * _flow(d) for _, _, d in chosen],
            edge_color=colour,
            alpha=0.65,
            arrows=True,
            arrowsize=8,
            ax=axes,
            connectionstyle="arc3,rad=0.06",
        )
    nx.draw_networkx_nodes(
        graph,
        position,
        nodelist=nodes,
        node_color=[_COLUMN_COLOURS[column(n)] for n in nodes],
        node_size=240,
        ax=axes,
    )
    nx.draw_networkx_labels(graph, position, labels={n: n for n in nodes}, font_size=7, ax=axes)
    what = "the plan" if planned else "every offer"
    axes.set_title(
        f"{graph.graph.get('name', '')} — {what}: donations (blue), training (purple), "
        "deployments (orange); width = items, seats or units"
    )
    axes.axis("off")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=110)
    plt.close(figure)
