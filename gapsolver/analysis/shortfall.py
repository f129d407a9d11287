"""The pledging shopping list: the smallest set of additional pledges that would close every critical
(or every) gap, and what the same gaps would need through partnerships instead.

Both are solved with the MILP of :mod:`gapsolver.model.model` on the scenario plus candidates:

- **Pledges.** A candidate contributor (a member state that hosts no mission and speaks every
  language a requirement requires or a mission works in) offers one generic pledge per capability
  and readiness level that some requirement asks for, available from the start, at an estimated
  cost per unit (the median pledged cost of that capability, 0 when none is pledged). Every target
  requirement must be filled (``requirement_cover`` ≥ quantity) and no other requirement may
  receive fewer units than in the optimal plan; existing pledges may move. Ranked objectives:
  fewest candidate units, then least candidate cost. Candidate units are grouped by the
  requirement they fill: mission, capability, minimum readiness, latest arrival date
  (``needed_by``) and required language.

  The scenario's rules hold for the list. **Budget:** candidates are paid like any pledge, so
  their estimated cost counts against ``settings.budget``; when the budget cannot pay for every
  gap, the list first closes as much of the targets' weighted gap as it allows (a MILP of its own:
  the targets' weighted gap, then fewest candidate units) and lists what stays open under
  ``unclosed`` with the budget as what blocks it. **Per-state cap:** the candidate contributor
  stands for any number of new contributors, each bound by
  ``max_units_per_state_per_mission``; the cap therefore does not shorten the list, and each group
  says how many contributors it takes at least (``min_contributors`` = ⌈units / cap⌉). Existing
  states keep their cap when their pledges move.
- **Partnerships.** Instead of new pledges: a candidate donation of each item the scenario's
  conditional pledges need, open to every state with such a pledge, and a candidate course per
  capability whose pledges need training, open to every such state, with the shortest lead time of
  the capability's existing courses (0 when there is none).
  Ranked objectives: the smallest weighted gap of the target requirements, then the fewest items
  plus seats. No requirement may receive fewer units than in the optimal plan.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from gapsolver.exceptions import SolverError
from gapsolver.model.build import build_model
from gapsolver.model.model import Model
from gapsolver.postprocess.extract import donation_uses
from gapsolver.preprocess.encode import NONE, encode
from gapsolver.preprocess.rules import contributor_passing_state_rules
from gapsolver.preprocess.variants import Change, apply_changes, locate
from gapsolver.schema import READINESS_ORDER, Scenario
from gapsolver.schema.result import Result
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.pipeline import solve_plan
from gapsolver.solve.run import run_solver

SCOPES = ("critical", "all")


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PledgeGroup(_Part):
    """Additional units of one kind the list asks for: the same mission, capability, readiness,
    date and language."""

    mission: str
    capability: str
    min_readiness: str
    needed_by: str | None
    require_language: str | None
    units: int
    estimated_cost: float
    """At the median cost per unit of the capability's pledges."""
    requirements: list[str]
    min_contributors: int
    """States needed at least, under ``max_units_per_state_per_mission`` (1 without a cap)."""


class Unclosed(_Part):
    requirement: str
    units: int
    blocked_by: str


class BudgetUse(_Part):
    budget: float
    spent_with_list: float


class PledgesNeeded(_Part):
    """The fewest (then cheapest) additional pledges that close the targets."""

    units: int
    estimated_cost: float
    groups: list[PledgeGroup]
    unclosed: list[Unclosed]
    """Target units the budget cannot pay for (empty without a budget)."""
    budget: BudgetUse | None


class Closed(_Part):
    requirement: str
    units: int


class Fill(_Part):
    requirement: str
    mission: str
    units: int


class ItemsGiven(_Part):
    item: str
    recipient: str
    items: int
    fills: list[Fill]


class SeatsFunded(_Part):
    capability: str
    state: str
    requirement: str
    seats: int
    lead_time_days: int


class PartnershipsNeeded(_Part):
    """What new donations and training seats alone would close instead."""

    units_closed: int
    closed: list[Closed]
    items: list[ItemsGiven]
    seats: list[SeatsFunded]


class BaseFigures(_Part):
    weighted_gap: float
    gap_units: int


class Target(_Part):
    id: str
    mission: str
    capability: str
    priority: str
    gap: int


class Shortfall(_Part):
    """The pledging shopping list (``gapsolver shortfall``)."""

    scenario: str
    scope: str
    base: BaseFigures
    targets: list[Target]
    pledges: PledgesNeeded | None = None
    partnerships: PartnershipsNeeded | None = None


CANDIDATE_STATE = ("CANDIDATE", "Candidate contributor (pledging conference)")
"""Id (made unique) and name of the state that offers the candidate pledges."""


def _candidate_state(scenario: Scenario) -> dict[str, Any]:
    wanted, name = CANDIDATE_STATE
    identifier = _fresh_id({s.id for s in scenario.member_states}, wanted)
    return contributor_passing_state_rules(scenario, identifier, name)


def _fresh_id(taken: set[str], wanted: str) -> str:
    identifier = wanted
    while identifier in taken:
        identifier += "_"
    return identifier


def _augment(scenario: Scenario, additions: dict[str, list[dict[str, Any]]]) -> Scenario:
    return apply_changes(scenario, [locate(Change(add=additions), ("shortfall",))], "shortfall")


def _map_plan(base_model: Model, base_values: np.ndarray, model: Model) -> np.ndarray:
    """The base plan in the augmented model's columns (matched by name)."""
    position = {name: j for j, name in enumerate(model.col_names)}
    values = np.zeros(model.n_cols)
    for j in np.flatnonzero(base_values).tolist():
        values[position[base_model.col_names[j]]] = base_values[j]
    return values


def _solve(model: Model, options: SolveOptions, start: np.ndarray) -> np.ndarray:
    _, values, stages, _ = run_solver(model, options, start)
    if any(stage.status != "optimal" for stage in stages):
        raise SolverError("the shortfall model was not solved to optimality (time limit?)")
    return values


@dataclass(frozen=True)
class _Base:
    """The optimal plan the list starts from: its result, its model and its column values."""

    result: Result
    model: Model
    values: np.ndarray

    @property
    def allocated(self) -> list[int]:
        return [outcome.allocated for outcome in self.result.requirements]


def _base(scenario: Scenario, options: SolveOptions) -> _Base:
    return _Base(*solve_plan(scenario, options))


def _requirement_key(scenario: Scenario, r: int) -> dict[str, Any]:
    spec = scenario.requirements[r]
    return {
        "mission": spec.mission,
        "capability": spec.capability,
        "min_readiness": spec.readiness_needed.value,
        "needed_by": None if spec.needed_by is None else str(spec.needed_by),
        "require_language": spec.require_language,
    }


def pledges_needed(
    scenario: Scenario, base: _Base, targets: list[int], options: SolveOptions
) -> PledgesNeeded:
    state = _candidate_state(scenario)
    pledged_costs: dict[str, list[float]] = defaultdict(list)
    for p in scenario.pledges:
        pledged_costs[p.capability].append(p.cost_per_unit)
    wanted = sorted(
        {(r.capability, r.readiness_needed) for r in scenario.requirements},
        key=lambda key: (key[0], READINESS_ORDER[key[1]]),
    )
    taken = {p.id for p in scenario.pledges}
    candidates = []
    for capability, level in wanted:
        serves = sum(
            r.quantity
            for r in scenario.requirements
            if r.capability == capability
            and READINESS_ORDER[r.readiness_needed] <= READINESS_ORDER[level]
        )
        costs = pledged_costs.get(capability)
        candidates.append(
            {
                "id": _fresh_id(taken, f"candidate-{capability}-{level.value}"),
                "state": state["id"],
                "capability": capability,
                "quantity": serves,
                "readiness": level.value,
                "cost_per_unit": float(statistics.median(costs)) if costs else 0.0,
            }
        )
    augmented = _augment(scenario, {"member_states": [state], "pledges": candidates})
    model = build_model(encode(augmented))
    enc = model.enc
    candidate_pledge = np.zeros(len(enc.pledge_ids), dtype=bool)
    candidate_pledge[[enc.pledge_ids.index(c["id"]) for c in candidates]] = True
    is_candidate = np.concatenate(
        [
            candidate_pledge[enc.option_pledge[model.pair_option]],
            np.zeros(model.give_donation.size, dtype=bool),
        ]
    )
    # candidates serve only the target requirements, so every unit on the list fills a gap
    model = model.derived(
        col_upper=np.where(
            is_candidate
            & ~np.isin(
                np.concatenate([model.pair_requirement, np.full(model.give_donation.size, -1)]),
                targets,
            ),
            0.0,
            model.col_upper,
        )
    )
    # the candidate contributor stands for any number of new contributors: the per-state cap
    # binds each of them, not the list (see min_contributors), so its units do not count there
    model = model.without_columns_in("state_mission_cap", is_candidate)
    allocated = dict(enumerate(base.allocated))
    candidate_units = is_candidate.astype(float)
    candidate_cost = np.where(
        is_candidate,
        np.concatenate(
            [enc.option_unit_cost[model.pair_option], np.zeros(model.give_donation.size)]
        ),
        0.0,
    )
    start = _map_plan(base.model, base.values, model)
    fill = {r: int(enc.req_quantity[r]) for r in targets}
    if scenario.settings.budget is not None:
        # the budget may not pay for every gap: first close as much of the targets' weighted gap
        # as it allows (fewest candidate units among those plans), then list that
        target_pair = np.isin(model.pair_requirement, targets)
        closing = model.with_row_lower(
            "requirement_cover", {r: float(allocated[r]) for r in allocated}
        ).derived(
            primary=np.concatenate(
                [
                    np.where(target_pair, -enc.req_weight[model.pair_requirement], 0.0),
                    np.zeros(model.give_donation.size),
                ]
            ),
            primary_offset=float(sum(enc.req_weight[r] * enc.req_quantity[r] for r in targets)),
            secondary=candidate_units,
        )
        start = _solve(closing, options, start)
        filled = np.bincount(
            model.pair_requirement,
            weights=start[: model.n_pairs],
            minlength=len(enc.requirement_ids),
        )
        fill = {r: int(np.rint(filled[r])) for r in targets}
    else:
        for r in targets:  # fill each target's gap with the candidate at its own readiness
            gap = int(enc.req_quantity[r]) - allocated[r]
            needed = scenario.requirements[r].readiness_needed.value
            candidate = next(
                c["id"]
                for c in candidates
                if c["capability"] == scenario.requirements[r].capability
                and c["readiness"] == needed
            )
            k = next(
                k
                for k in np.flatnonzero(model.pair_requirement == r).tolist()
                if enc.pledge_ids[int(enc.option_pledge[model.pair_option[k]])] == candidate
            )
            start[k] += gap
    listing = model.with_row_lower(
        "requirement_cover",
        {r: float(fill[r]) if r in targets else float(allocated[r]) for r in allocated},
    ).derived(primary=candidate_units, primary_offset=0.0, secondary=candidate_cost)
    values = _solve(listing, options, start)

    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for k in np.flatnonzero(
        is_candidate[: model.n_pairs] & (values[: model.n_pairs] > 0.5)
    ).tolist():
        r = int(model.pair_requirement[k])
        key = _requirement_key(scenario, r)
        group = groups.setdefault(
            tuple(key.values()), key | {"units": 0, "estimated_cost": 0.0, "requirements": []}
        )
        units = round(float(values[k]))
        group["units"] += units
        group["estimated_cost"] += units * float(enc.option_unit_cost[model.pair_option[k]])
        if enc.requirement_ids[r] not in group["requirements"]:
            group["requirements"].append(enc.requirement_ids[r])
    rows = sorted(
        groups.values(), key=lambda g: (g["mission"], g["capability"], g["needed_by"] or "")
    )
    cap = scenario.settings.max_units_per_state_per_mission
    for group in rows:
        group["min_contributors"] = 1 if cap is None else -(-group["units"] // cap)
    budget = scenario.settings.budget
    unclosed = []
    for r in targets:
        short = int(enc.req_quantity[r]) - fill[r]
        if short > 0:
            unclosed.append(
                {
                    "requirement": enc.requirement_ids[r],
                    "units": short,
                    "blocked_by": "budget",
                }
            )
    x = np.round(values[: model.n_pairs])
    spent = float(enc.option_unit_cost[model.pair_option] @ x)
    return PledgesNeeded(
        units=sum(g["units"] for g in rows),
        estimated_cost=round(sum(g["estimated_cost"] for g in rows), 2),
        groups=[PledgeGroup(**group) for group in rows],
        unclosed=[Unclosed(**row) for row in unclosed],
        budget=None
        if budget is None
        else BudgetUse(budget=float(budget), spent_with_list=round(spent, 2)),
    )


def partnerships_needed(
    scenario: Scenario, base: _Base, targets: list[int], options: SolveOptions
) -> PartnershipsNeeded:
    state = _candidate_state(scenario)
    needing_items: dict[str, set[str]] = defaultdict(set)
    item_total: dict[str, int] = defaultdict(int)
    needing_training: dict[str, set[str]] = defaultdict(set)
    seat_total: dict[str, int] = defaultdict(int)
    for p in scenario.pledges:
        if p.needs_equipment is not None:
            needing_items[p.needs_equipment.item].add(p.state)
            item_total[p.needs_equipment.item] += p.quantity * p.needs_equipment.per_unit
        if p.needs_training:
            needing_training[p.capability].add(p.state)
            seat_total[p.capability] += p.quantity
    taken = {d.id for d in scenario.donations} | {t.id for t in scenario.trainings}
    donations = [
        {
            "id": _fresh_id(taken, f"candidate-donation-{item}"),
            "donor": state["id"],
            "item": item,
            "quantity": item_total[item],
            "eligible_recipients": sorted(states),
        }
        for item, states in sorted(needing_items.items())
    ]
    trainings = []
    for capability, states in sorted(needing_training.items()):
        leads = [t.lead_time_days for t in scenario.trainings if t.capability == capability]
        trainings.append(
            {
                "id": _fresh_id(taken, f"candidate-training-{capability}"),
                "trainer": state["id"],
                "capability": capability,
                "capacity": seat_total[capability],
                "lead_time_days": min(leads) if leads else 0,
                "eligible_trainees": sorted(states),
            }
        )
    empty = PartnershipsNeeded(units_closed=0, closed=[], items=[], seats=[])
    if not donations and not trainings:
        return empty
    augmented = _augment(
        scenario, {"member_states": [state], "donations": donations, "trainings": trainings}
    )
    model = build_model(encode(augmented))
    enc = model.enc
    candidate_donations = {enc.donation_ids.index(d["id"]) for d in donations}
    candidate_trainings = {enc.training_ids.index(t["id"]) for t in trainings}
    option_training = enc.option_training[model.pair_option]
    seat = np.isin(option_training, list(candidate_trainings)) & (option_training != NONE)
    item = np.isin(model.give_donation, list(candidate_donations))
    target = np.isin(model.pair_requirement, targets)
    allocated = base.allocated
    partnering = model.with_row_lower(
        "requirement_cover", {r: float(allocated[r]) for r in range(len(allocated))}
    ).derived(
        primary=np.concatenate(
            [np.where(target, -enc.req_weight[model.pair_requirement], 0.0), np.zeros(item.size)]
        ),
        primary_offset=float(sum(enc.req_weight[r] * enc.req_quantity[r] for r in targets)),
        secondary=np.concatenate([seat.astype(float), item.astype(float)]),
    )
    values = _solve(partnering, options, _map_plan(base.model, base.values, model))

    x = np.round(values[: model.n_pairs]).astype(np.int64)
    filled = np.bincount(model.pair_requirement, weights=x, minlength=len(enc.requirement_ids))
    closed = [
        Closed(requirement=enc.requirement_ids[r], units=int(filled[r] - allocated[r]))
        for r in targets
        if filled[r] > allocated[r]
    ]
    items = [
        ItemsGiven(
            item=use.item,
            recipient=use.recipient,
            items=use.items,
            fills=[Fill.model_validate(fill) for fill in use.requirements],
        )
        for use in donation_uses(model, values)
        if use.donation in {d["id"] for d in donations}
    ]
    seats: dict[tuple[str, str, str, int], int] = defaultdict(int)
    for k in np.flatnonzero(seat & (x > 0)).tolist():
        option = int(model.pair_option[k])
        unit = int(enc.option_pledge[option])
        t = int(enc.option_training[option])
        key = (
            enc.capability_ids[int(enc.pledge_capability[unit])],
            enc.state_ids[int(enc.pledge_state[unit])],
            enc.requirement_ids[int(model.pair_requirement[k])],
            int(enc.training_ready[t]),
        )
        seats[key] += int(x[k])
    return PartnershipsNeeded(
        units_closed=sum(row.units for row in closed),
        closed=closed,
        items=items,
        seats=[
            SeatsFunded(capability=c, state=s, requirement=r, seats=n, lead_time_days=lead)
            for (c, s, r, lead), n in sorted(seats.items())
        ],
    )


def shortfall(scenario: Scenario, options: SolveOptions, scope: str = "critical") -> Shortfall:
    """What it would take to close every critical (``scope='critical'``) or every gap."""
    base = _base(scenario, options)
    targets = [
        r
        for r, outcome in enumerate(base.result.requirements)
        if outcome.gap and (scope == "all" or outcome.priority == "critical")
    ]
    report = Shortfall(
        scenario=scenario.name,
        scope=scope,
        base=BaseFigures(weighted_gap=base.result.weighted_gap, gap_units=base.result.gap_units),
        targets=[
            Target(
                id=outcome.id,
                mission=outcome.mission,
                capability=outcome.capability,
                priority=str(outcome.priority),
                gap=outcome.gap,
            )
            for outcome in (base.result.requirements[r] for r in targets)
        ],
    )
    if not targets:
        return report
    return report.model_copy(
        update={
            "pledges": pledges_needed(scenario, base, targets, options),
            "partnerships": partnerships_needed(scenario, base, targets, options),
        }
    )
