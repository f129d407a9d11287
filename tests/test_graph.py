"""The partnership graph: exact structure on a small scenario, the plan on it, and the model's
partnership links taken from it."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import build, pledge, req, run
from typer.testing import CliRunner

from gapsolver.cli import app
from gapsolver.partnerships.graph import donation_links, partnership_graph, training_links
from gapsolver.preprocess.encode import encode
from gapsolver.report.graph import export_graph, read_graph


def _scenario():  # type: ignore[no-untyped-def]
    return build(
        [req("R1", mission="M2", capability="uh", quantity=2, priority="critical"), req("R2")],
        [
            pledge(
                "P1",
                state="CCC",
                capability="uh",
                quantity=2,
                needs_training=True,
                needs_equipment={"item": "heli", "per_unit": 3},
            ),
            pledge("P2", state="BBB"),
        ],
        donations=[
            {
                "id": "D1",
                "donor": "DDD",
                "item": "heli",
                "quantity": 4,
                "eligible_recipients": ["CCC", "BBB"],
            }
        ],
        trainings=[
            {
                "id": "T1",
                "trainer": "DDD",
                "capability": "uh",
                "capacity": 2,
                "lead_time_days": 90,
                "eligible_trainees": ["CCC"],
            }
        ],
    )


def test_nodes_and_roles() -> None:
    graph = partnership_graph(_scenario())
    assert sorted(graph.nodes) == ["AAA", "BBB", "CCC", "DDD", "HHH", "M1", "M2"]
    roles = {node: data.get("roles") for node, data in graph.nodes(data=True)}
    assert roles == {
        "AAA": "host",
        "BBB": "contributor,recipient",
        "CCC": "contributor,recipient,trainee",
        "DDD": "donor,trainer",
        "HHH": "host",
        "M1": None,
        "M2": None,
    }
    assert graph.nodes["M1"] == {"kind": "mission", "full_name": "Mission one", "host": "HHH"}


def test_partnership_edges_with_attributes() -> None:
    graph = partnership_graph(_scenario())
    edges = sorted((u, v, k) for u, v, k in graph.edges(keys=True))
    assert edges == [
        ("DDD", "BBB", "donation:D1:BBB"),
        ("DDD", "CCC", "donation:D1:CCC"),
        ("DDD", "CCC", "training:T1:CCC"),
    ]
    assert graph.edges["DDD", "CCC", "donation:D1:CCC"] == {
        "kind": "donation",
        "donation": "D1",
        "item": "heli",
        "quantity": 4,
        "items_given": 0,
    }
    assert graph.edges["DDD", "CCC", "training:T1:CCC"] == {
        "kind": "training",
        "training": "T1",
        "capability": "uh",
        "capacity": 2,
        "lead_time_days": 90,
        "seats_used": 0,
    }


def test_the_plan_on_the_graph() -> None:
    scenario = _scenario()
    result = run(scenario)
    # 4 helicopters at 3 per unit: one unit of P1 flies, trained by T1; P2 serves R2.
    assert result.weighted_gap == 100
    graph = partnership_graph(scenario, result)
    assert graph.edges["DDD", "CCC", "donation:D1:CCC"]["items_given"] == 3
    assert graph.edges["DDD", "BBB", "donation:D1:BBB"]["items_given"] == 0
    assert graph.edges["DDD", "CCC", "training:T1:CCC"]["seats_used"] == 1
    deployments = sorted(
        (u, v, d["capability"], d["units"])
        for u, v, d in graph.edges(data=True)
        if d["kind"] == "deployment"
    )
    assert deployments == [("BBB", "M1", "inf", 1), ("CCC", "M2", "uh", 1)]


def test_the_model_takes_its_partnership_links_from_the_graph() -> None:
    scenario = _scenario()
    graph = partnership_graph(scenario)
    enc = encode(scenario)
    links = {
        (enc.donation_ids[d], enc.state_ids[s])
        for d, s in zip(*np.nonzero(enc.donation_recipient), strict=True)
    }
    assert links == set(donation_links(graph)) == {("D1", "BBB"), ("D1", "CCC")}
    seats = {
        (enc.training_ids[t], enc.state_ids[s])
        for t, s in zip(*np.nonzero(enc.training_trainee), strict=True)
    }
    assert seats == set(training_links(graph)) == {("T1", "CCC")}


def _canonical(graph):  # type: ignore[no-untyped-def]
    nodes = sorted((node, tuple(sorted(data.items()))) for node, data in graph.nodes(data=True))
    edges = sorted(
        (u, v, key, tuple(sorted(data.items())))
        for u, v, key, data in graph.edges(keys=True, data=True)
    )
    return nodes, edges


@pytest.mark.parametrize("suffix", [".graphml", ".gexf", ".json", ".dot"])
def test_exports_reload_with_every_attribute(tmp_path, suffix: str) -> None:  # type: ignore[no-untyped-def]
    scenario = _scenario()
    graph = partnership_graph(scenario, run(scenario))
    path = tmp_path / f"graph{suffix}"
    export_graph(graph, path)
    assert _canonical(read_graph(path)) == _canonical(graph)


def test_png_drawing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    scenario = _scenario()
    path = tmp_path / "graph.png"
    export_graph(partnership_graph(scenario, run(scenario)), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5_000


def test_graph_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import yaml
    from conftest import scenario_data

    source = tmp_path / "s.yaml"
    source.write_text(yaml.safe_dump(scenario_data([req("R1")], [pledge("P1")])))
    result_file = tmp_path / "r.json"
    runner = CliRunner()
    assert runner.invoke(app, ["solve", str(source), "-o", str(result_file)]).exit_code == 0
    out = tmp_path / "g.graphml"
    ran = runner.invoke(
        app, ["graph", str(source), "--result", str(result_file), "--export", str(out)]
    )
    assert ran.exit_code == 0, ran.output
    deployments = [d for _, _, d in read_graph(out).edges(data=True) if d["kind"] == "deployment"]
    assert deployments == [{"kind": "deployment", "capability": "inf", "units": 1}]
    bad = runner.invoke(app, ["graph", str(source), "--export", str(tmp_path / "g.xyz")])
    assert bad.exit_code == 2 and "cannot write '.xyz' files" in bad.output
    clobber = runner.invoke(
        app, ["graph", str(source), "--result", str(result_file), "--export", str(result_file)]
    )
    assert clobber.exit_code == 2 and "would be overwritten" in clobber.output
    assert '"weighted_gap"' in result_file.read_text()
