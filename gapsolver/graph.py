"""The partnership graph: who can give what to whom, and (given a plan) who gave what.

One networkx ``MultiDiGraph`` per scenario. Nodes are member states (attribute ``roles``: contributor,
donor, trainer, recipient, trainee, host — comma-separated so every export format keeps it) and missions.
Edges:

- ``donation``: donor → each eligible recipient, one per (donation, recipient): ``donation``, ``item``,
  ``quantity`` (items offered by the donation), ``items_given`` (from a plan, else 0);
- ``training``: trainer → each eligible trainee, one per (training, trainee): ``training``,
  ``capability``, ``capacity``, ``lead_time_days``, ``seats_used`` (from a plan, else 0);
- ``deployment`` (from a plan only): state → mission, one per capability: ``capability``, ``units``.

The model takes its donation and training links from these edges (:func:`donation_links`,
:func:`training_links`), so the graph is the one source of truth for who can give what to whom.
"""

from __future__ import annotations

from collections.abc import Iterator

import networkx as nx

from gapsolver.result import Result
from gapsolver.schema import Scenario

STATE, MISSION = "state", "mission"
DONATION, TRAINING, DEPLOYMENT = "donation", "training", "deployment"


def _key(kind: str, *parts: str) -> str:
    return ":".join((kind, *parts))


def partnership_graph(scenario: Scenario, result: Result | None = None) -> nx.MultiDiGraph:
    """The scenario's partnership graph, with the plan of ``result`` on it when given."""
    graph = nx.MultiDiGraph(name=scenario.name)
    roles: dict[str, set[str]] = {state.id: set() for state in scenario.member_states}
    for pledge in scenario.pledges:
        roles[pledge.state].add("contributor")
    for mission in scenario.missions:
        for host in (mission.host, *mission.co_hosts):
            roles[host].add("host")
    for donation in scenario.donations:
        roles[donation.donor].add("donor")
        for recipient in donation.eligible_recipients:
            roles[recipient].add("recipient")
    for training in scenario.trainings:
        roles[training.trainer].add("trainer")
        for trainee in training.eligible_trainees:
            roles[trainee].add("trainee")

    for state in scenario.member_states:
        graph.add_node(
            state.id,
            kind=STATE,
            name=state.name,
            region=state.region,
            roles=",".join(sorted(roles[state.id])),
        )
    for mission in scenario.missions:
        graph.add_node(mission.id, kind=MISSION, name=mission.name, host=mission.host)

    for donation in scenario.donations:
        for recipient in donation.eligible_recipients:
            graph.add_edge(
                donation.donor,
                recipient,
                key=_key(DONATION, donation.id, recipient),
                kind=DONATION,
                donation=donation.id,
                item=donation.item,
                quantity=donation.quantity,
                items_given=0,
            )
    for training in scenario.trainings:
        for trainee in training.eligible_trainees:
            graph.add_edge(
                training.trainer,
                trainee,
                key=_key(TRAINING, training.id, trainee),
                kind=TRAINING,
                training=training.id,
                capability=training.capability,
                capacity=training.capacity,
                lead_time_days=training.lead_time_days,
                seats_used=0,
            )
    if result is not None:
        add_plan(graph, scenario, result)
    return graph


def add_plan(graph: nx.MultiDiGraph, scenario: Scenario, result: Result) -> None:
    """Put a plan on the graph: items given, seats used, and deployment edges."""
    donors = {donation.id: donation.donor for donation in scenario.donations}
    for use in result.donations:
        graph.edges[
            donors[use.donation], use.recipient, _key(DONATION, use.donation, use.recipient)
        ]["items_given"] += use.items
    trainers = {training.id: training.trainer for training in scenario.trainings}
    for assignment in result.assignments:
        if assignment.training is not None:
            edge = (
                trainers[assignment.training],
                assignment.state,
                _key(TRAINING, assignment.training, assignment.state),
            )
            graph.edges[edge]["seats_used"] += assignment.units
        key = _key(DEPLOYMENT, assignment.capability)
        if graph.has_edge(assignment.state, assignment.mission, key):
            graph.edges[assignment.state, assignment.mission, key]["units"] += assignment.units
        else:
            graph.add_edge(
                assignment.state,
                assignment.mission,
                key=key,
                kind=DEPLOYMENT,
                capability=assignment.capability,
                units=assignment.units,
            )


def _edges(graph: nx.MultiDiGraph, kind: str) -> Iterator[tuple[str, str, dict[str, object]]]:
    for source, target, data in graph.edges(data=True):
        if data.get("kind") == kind:
            yield source, target, data


def donation_links(graph: nx.MultiDiGraph) -> list[tuple[str, str]]:
    """(donation id, recipient state) for every donation edge: who may receive which donation."""
    return [(str(data["donation"]), target) for _, target, data in _edges(graph, DONATION)]


def training_links(graph: nx.MultiDiGraph) -> list[tuple[str, str]]:
    """(training id, trainee state) for every training edge: whose units may take which course."""
    return [(str(data["training"]), target) for _, target, data in _edges(graph, TRAINING)]
