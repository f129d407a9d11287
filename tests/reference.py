"""Plain-Python reference of the rules and an exhaustive optimum, for tests only.

Written independently of gapsolver's array code: one pair at a time, straight from the rules as the
documentation states them, so that the vectorized mask and the MILP can be checked against it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterator

import networkx as nx

from gapsolver.schema import READINESS_ORDER, Readiness, Scenario


def options(scenario: Scenario) -> list[tuple[str, str | None, dt.date]]:
    """(pledge id, training id or None, ready date) for every way a pledge can deploy."""
    out = []
    for pledge in scenario.pledges:
        available = pledge.available_from or scenario.start
        if not pledge.needs_training:
            out.append((pledge.id, None, available))
            continue
        for training in scenario.trainings:
            if (
                training.capability == pledge.capability
                and pledge.state in training.eligible_trainees
            ):
                ready = max(available, scenario.start + dt.timedelta(days=training.lead_time_days))
                out.append((pledge.id, training.id, ready))
    return out


def blocking_rules(
    scenario: Scenario, pledge_id: str, ready: dt.date, requirement_id: str
) -> list[str]:
    pledge = next(p for p in scenario.pledges if p.id == pledge_id)
    requirement = next(r for r in scenario.requirements if r.id == requirement_id)
    mission = next(m for m in scenario.missions if m.id == requirement.mission)
    state = next(s for s in scenario.member_states if s.id == pledge.state)
    failed = []
    if pledge.capability != requirement.capability:
        failed.append("capability")
    if (
        READINESS_ORDER[pledge.readiness]
        < READINESS_ORDER[requirement.min_readiness or Readiness.level1]
    ):
        failed.append("readiness")
    if pledge.state == mission.host or pledge.state in mission.co_hosts:
        failed.append("host")
    if mission.id in pledge.caveats.exclude_missions:
        failed.append("caveat_exclude")
    if pledge.caveats.only_missions and mission.id not in pledge.caveats.only_missions:
        failed.append("caveat_only")
    if requirement.require_language and requirement.require_language not in state.languages:
        failed.append("language")
    if requirement.needed_by is not None and ready > requirement.needed_by:
        failed.append("date")
    if pledge.needs_equipment and not any(
        donation.item == pledge.needs_equipment.item
        and pledge.state in donation.eligible_recipients
        for donation in scenario.donations
    ):
        failed.append("equipment")
    return failed


def eligible_triples(scenario: Scenario) -> list[tuple[str, str | None, str]]:
    return [
        (pledge_id, training_id, requirement.id)
        for pledge_id, training_id, ready in options(scenario)
        for requirement in scenario.requirements
        if not blocking_rules(scenario, pledge_id, ready, requirement.id)
    ]


def _items_feasible(scenario: Scenario, need: dict[tuple[str, str], int]) -> bool:
    """Can the donations cover every (state, item) need? A max-flow check."""
    total = sum(need.values())
    if total == 0:
        return True
    graph = nx.DiGraph()
    for donation in scenario.donations:
        graph.add_edge("source", ("d", donation.id), capacity=donation.quantity)
        for state in donation.eligible_recipients:
            if (state, donation.item) in need:
                graph.add_edge(("d", donation.id), ("n", state, donation.item), capacity=total)
    for (state, item), amount in need.items():
        graph.add_edge(("n", state, item), "sink", capacity=amount)
    if "source" not in graph:
        return False
    return nx.maximum_flow_value(graph, "source", "sink") == total


def allocations(scenario: Scenario) -> Iterator[dict[tuple[str, str | None, str], int]]:
    triples = eligible_triples(scenario)
    pledges = {p.id: p for p in scenario.pledges}
    requirements = {r.id: r for r in scenario.requirements}
    ranges = [range(min(pledges[p].quantity, requirements[r].quantity) + 1) for p, _, r in triples]
    for combo in itertools.product(*ranges):
        yield dict(zip(triples, combo, strict=True))


def feasible(scenario: Scenario, x: dict[tuple[str, str | None, str], int]) -> bool:
    pledges = {p.id: p for p in scenario.pledges}
    requirements = {r.id: r for r in scenario.requirements}
    trainings = {t.id: t for t in scenario.trainings}
    per_pledge: dict[str, int] = {}
    per_requirement: dict[str, int] = {}
    per_training: dict[str, int] = {}
    per_state_mission: dict[tuple[str, str], int] = {}
    need: dict[tuple[str, str], int] = {}
    cost = 0.0
    for (pledge_id, training_id, requirement_id), count in x.items():
        if not count:
            continue
        pledge = pledges[pledge_id]
        per_pledge[pledge_id] = per_pledge.get(pledge_id, 0) + count
        per_requirement[requirement_id] = per_requirement.get(requirement_id, 0) + count
        key = (pledge.state, requirements[requirement_id].mission)
        per_state_mission[key] = per_state_mission.get(key, 0) + count
        cost += count * pledge.cost_per_unit
        if training_id is not None:
            per_training[training_id] = per_training.get(training_id, 0) + count
            cost += count * trainings[training_id].cost_per_unit
        if pledge.needs_equipment:
            item_key = (pledge.state, pledge.needs_equipment.item)
            need[item_key] = need.get(item_key, 0) + count * pledge.needs_equipment.per_unit
    settings = scenario.settings
    return (
        all(per_pledge[p] <= pledges[p].quantity for p in per_pledge)
        and all(per_requirement[r] <= requirements[r].quantity for r in per_requirement)
        and all(per_training[t] <= trainings[t].capacity for t in per_training)
        and (settings.budget is None or cost <= settings.budget + 1e-6)
        and (
            settings.max_units_per_state_per_mission is None
            or all(
                v <= settings.max_units_per_state_per_mission for v in per_state_mission.values()
            )
        )
        and _items_feasible(scenario, need)
    )


def weighted_gap(scenario: Scenario, x: dict[tuple[str, str | None, str], int]) -> float:
    weights = scenario.settings.priority_weights
    total = 0.0
    for requirement in scenario.requirements:
        got = sum(count for (_, _, r), count in x.items() if r == requirement.id)
        total += weights.of(requirement.priority) * (requirement.quantity - got)
    return total


def optimal_weighted_gap(scenario: Scenario) -> float:
    return min(weighted_gap(scenario, x) for x in allocations(scenario) if feasible(scenario, x))


PARITY_TARGET = {
    "military_contingent": 0.15,
    "formed_police_unit": 0.20,
    "staff_and_observers": 0.25,
    "individual_police": 0.30,
}


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))


def option_costs(scenario: Scenario) -> list[float]:
    trainings = {t.id: t for t in scenario.trainings}
    pledges = {p.id: p for p in scenario.pledges}
    return [
        pledges[p].cost_per_unit + (trainings[t].cost_per_unit if t else 0.0)
        for p, t, _ in options(scenario)
    ]


class ReferenceScorer:
    """The suitability score per unit, one pair at a time, as docs/formulation.md states it; lookups
    precomputed once so that it runs as fast as plain Python reasonably can (benchmarks compare it)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.pledges = {p.id: p for p in scenario.pledges}
        self.requirements = {r.id: r for r in scenario.requirements}
        self.missions = {m.id: m for m in scenario.missions}
        self.states = {s.id: s for s in scenario.member_states}
        self.capabilities = {c.id: c for c in scenario.capabilities}
        self.trainings = {t.id: t for t in scenario.trainings}
        self.dearest = max(option_costs(scenario), default=0.0)
        self.weights = scenario.settings.score_weights

    def __call__(self, pledge_id: str, training_id: str | None, requirement_id: str) -> float:
        scenario, weights = self.scenario, self.weights
        pledge = self.pledges[pledge_id]
        requirement = self.requirements[requirement_id]
        mission = self.missions[requirement.mission]
        state = self.states[pledge.state]
        capability = self.capabilities[pledge.capability]
        training = self.trainings.get(training_id) if training_id else None

        readiness = (
            READINESS_ORDER[pledge.readiness]
            - READINESS_ORDER[requirement.min_readiness or Readiness.level1]
        ) / 3
        ready = pledge.available_from or scenario.start
        if training is not None:
            ready = max(ready, scenario.start + dt.timedelta(days=training.lead_time_days))
        deadline = requirement.needed_by or scenario.start + dt.timedelta(days=365)
        slack = min(max((deadline - ready).days / 365, 0.0), 1.0)
        language = 1.0 if requirement.preferred_language in state.languages else 0.0
        if state.location is None or mission.location is None:
            distance = 0.0
        else:
            km = _haversine_km(state.location, mission.location)
            distance = min(max(1 - km / 20015.1, 0.0), 1.0)
        if pledge.women_share is None:
            women = 0.0
        else:
            women = min(pledge.women_share / PARITY_TARGET[capability.category.value], 1.0)
        unit_cost = pledge.cost_per_unit + (training.cost_per_unit if training else 0.0)
        cost = 1 - unit_cost / self.dearest if self.dearest > 0 else 1.0
        return (
            weights.readiness * readiness
            + weights.slack * slack
            + weights.language * language
            + weights.distance * distance
            + weights.women * women
            + weights.cost * cost
        )
