"""The partnership graph: who can give what to whom, and (given a plan) who gave what.

One networkx ``MultiDiGraph`` per scenario. Nodes are member states (attribute ``roles``: contributor,
donor, trainer, recipient, trainee, host — comma-separated so every export format keeps it) and missions.
Edges:

- ``donation``: donor → each eligible recipient, one per (donation, recipient): ``donation``, ``item``,
  ``quantity`` (items offered by the donation), ``items_given`` (from a plan, else 0);
- ``training``: trainer → each eligible trainee, one per (training, trainee): ``training``,
  ``capability``, ``capacity``, ``lead_time_days``, ``seats_used`` (from a plan, else 0);
- ``deployment`` (from a plan only): state → mission, one per capability: ``capability``, ``units``.

The donation and training edges are drawn from :mod:`gapsolver.partnerships.links`, the one source of
truth for who can give what to whom; the model's encoding reads the same links, and
:func:`donation_links` and :func:`training_links` read them back off a graph.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import networkx as nx

from gapsolver.exceptions import InputError, Problem
from gapsolver.partnerships import links
from gapsolver.schema import Scenario
from gapsolver.schema.result import Result

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
            full_name=state.name,
            region=state.region,
            roles=",".join(sorted(roles[state.id])),
        )
    for mission in scenario.missions:
        graph.add_node(mission.id, kind=MISSION, full_name=mission.name, host=mission.host)

    for gift in links.donation_links(scenario):
        graph.add_edge(
            gift.donor,
            gift.recipient,
            key=_key(DONATION, gift.donation, gift.recipient),
            kind=DONATION,
            donation=gift.donation,
            item=gift.item,
            quantity=gift.quantity,
            items_given=0,
        )
    for course in links.training_links(scenario):
        graph.add_edge(
            course.trainer,
            course.trainee,
            key=_key(TRAINING, course.training, course.trainee),
            kind=TRAINING,
            training=course.training,
            capability=course.capability,
            capacity=course.capacity,
            lead_time_days=course.lead_time_days,
            seats_used=0,
        )
    if result is not None:
        add_plan(graph, scenario, result)
    return graph


class _Gift(Protocol):
    @property
    def donation(self) -> str: ...
    @property
    def recipient(self) -> str: ...
    @property
    def items(self) -> int: ...


class _Deployment(Protocol):
    @property
    def state(self) -> str: ...
    @property
    def mission(self) -> str: ...
    @property
    def capability(self) -> str: ...
    @property
    def units(self) -> int: ...
    @property
    def training(self) -> str | None: ...


class Plan(Protocol):
    """What the graph reads of a plan: a solve's :class:`gapsolver.schema.result.Result`, or a result
    file as ``gapsolver graph --result`` reads it."""

    @property
    def donations(self) -> Sequence[_Gift]: ...

    @property
    def assignments(self) -> Sequence[_Deployment]: ...


def add_plan(
    graph: nx.MultiDiGraph, scenario: Scenario, result: Plan, source: str = "result"
) -> None:
    """Put a plan on the graph: items given, seats used, deployments. Raises InputError when the
    plan names donations, trainings or states the scenario lacks."""

    donors = {donation.id: donation.donor for donation in scenario.donations}
    trainers = {training.id: training.trainer for training in scenario.trainings}
    problems: list[Problem] = []
    for index, use in enumerate(result.donations):
        key = _key(DONATION, use.donation, use.recipient)
        donor = donors.get(use.donation)
        if donor is None or not graph.has_edge(donor, use.recipient, key):
            problems.append(
                Problem(
                    f"donations[{index}]",
                    f"no donation {use.donation!r} to {use.recipient!r} in the scenario",
                )
            )
            continue
        graph.edges[donor, use.recipient, key]["items_given"] += int(use.items)
    for index, assignment in enumerate(result.assignments):
        state, mission = assignment.state, assignment.mission
        if state not in graph or mission not in graph:
            problems.append(
                Problem(f"assignments[{index}]", f"unknown state {state!r} or mission {mission!r}")
            )
            continue
        training = assignment.training
        if training is not None:
            edge = (trainers.get(training, ""), state, _key(TRAINING, training, state))
            if not graph.has_edge(*edge):
                problems.append(
                    Problem(
                        f"assignments[{index}].training",
                        f"no training {training!r} for {state!r} in the scenario",
                    )
                )
                continue
            graph.edges[edge]["seats_used"] += int(assignment.units)
        key = _key(DEPLOYMENT, assignment.capability)
        if graph.has_edge(state, mission, key):
            graph.edges[state, mission, key]["units"] += int(assignment.units)
        else:
            graph.add_edge(
                state,
                mission,
                key=key,
                kind=DEPLOYMENT,
                capability=assignment.capability,
                units=int(assignment.units),
            )
    if problems:
        raise InputError(problems, source)


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
