"""Why each requirement is short: typed reasons for every unfilled unit, read off the plan and the
eligibility rules, each with a counterfactual — the changes (in the variants format) that remove the
cause.

For a short requirement r every pledge p with an eligible pair to r can give more in two ways, and each
way is blocked by something the plan shows:

- units of p that are still free (``free_units``) would need a training seat (``prerequisite_short``),
  donated items (``prerequisite_short``), budget (``budget``) or room under the state–mission cap
  (``max_units_per_state_per_mission``); when nothing blocks them the plan is simply not optimal
  (``not_chosen``, e.g. a greedy plan);
- units of p serving other requirements (``capacity_used_elsewhere``) could move, at the cost of the
  requirements that took them (named, with their priorities).

Whatever no eligible pledge could supply even with every such constraint lifted is
``no_eligible_pledge``, with the near misses: pledges of the capability that break some rule, each with
the rules that block it and a fix.

Each reason carries ``units`` (how many of the missing units it accounts for, at most the gap; the units
of all reasons together cover the gap) and ``counterfactual``: changes that remove the cause. For a
pledge whose entry has no ``other_blockers``, the counterfactual admits the old plan plus the missing
units, so a re-solve lowers the optimal weighted gap by the requirement's weight per unit
(`gapsolver explain --verify` does that re-solve, :func:`gapsolver.analysis.explain.verify`; the
test suite proves it on small cases).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from gapsolver.model.model import Model, PlanUse
from gapsolver.postprocess.extract import trimmed_gifts
from gapsolver.preprocess.encode import NONE, Encoded
from gapsolver.preprocess.rules import RULES, TRAINING, fix_for, rule_table
from gapsolver.schema.reasons import NearMiss, Reason

REASON_TYPES = (
    "no_eligible_pledge",
    "capacity_used_elsewhere",
    "prerequisite_short",
    "budget",
    "max_units_per_state_per_mission",
    "not_chosen",
)
_REASON: TypeAdapter[Reason] = TypeAdapter(Reason)
NEAR_MISSES_KEPT = 10
"""Near misses listed per reason in a result (all of them in `gapsolver explain`)."""

_DATE_RULE = [rule.name for rule in RULES].index("date")
_BLOCKER_REASON = {
    "training": "prerequisite_short",
    "equipment": "prerequisite_short",
    "budget": "budget",
    "state_cap": "max_units_per_state_per_mission",
}


@dataclass
class PlanSlack:
    """How much room each constraint has left in a plan."""

    model: Model
    x: np.ndarray
    y: np.ndarray
    pledge_used: np.ndarray
    seats_used: np.ndarray
    donation_left: np.ndarray
    free_items: np.ndarray  # [S, I]
    budget_left: float | None
    cap: int | None
    use: PlanUse
    """The plan read against every constraint family's rows."""
    pairs_of_requirement: dict[int, list[int]] = field(default_factory=dict)
    pairs_of_pledge: dict[int, list[int]] = field(default_factory=dict)

    @property
    def enc(self) -> Encoded:
        return self.model.enc

    def left(self, family: str, key: object) -> float:
        """Room the family's row for ``key`` has left in the plan (infinite: no such row)."""
        rows = self.use.family(family)
        return float("inf") if rows is None else rows.left(key)

    def used(self, family: str, key: object) -> int:
        """What the plan puts on the family's row for ``key`` (0: no such row)."""
        rows = self.use.family(family)
        return 0 if rows is None else round(rows.used(key))


def _used_by(use: PlanUse, family: str, count: int) -> np.ndarray:
    rows = use.family(family)
    return np.zeros(count, dtype=np.int64) if rows is None else rows.used_by(count).astype(np.int64)


def plan_slack(model: Model, values: np.ndarray) -> PlanSlack:
    """The room each constraint family leaves in the plan, read off the families' rows."""
    enc = model.enc
    k = model.n_pairs
    x = np.round(values[:k]).astype(np.int64)
    y = trimmed_gifts(model, np.round(values))  # surplus on y means nothing: items stay to give
    use = model.use(np.concatenate([x, y]).astype(float))
    option = model.pair_option
    pledge = enc.option_pledge[option]
    pledge_used = _used_by(use, "pledge_capacity", len(enc.pledge_ids))
    seats_used = _used_by(use, "training_capacity", len(enc.training_ids))
    donation_left = enc.donation_quantity - _used_by(use, "donation_supply", len(enc.donation_ids))
    # items a state could still get: the remainder of every donation that lists it
    free_items = np.zeros((len(enc.state_ids), len(enc.item_ids)), dtype=np.int64)
    for d in range(len(enc.donation_ids)):
        free_items[enc.donation_recipient[d], enc.donation_item[d]] += donation_left[d]
    settings = enc.scenario.settings
    budget = use.family("budget")
    spent = 0.0 if budget is None else budget.used(0)
    slack = PlanSlack(
        model=model,
        x=x,
        y=y,
        pledge_used=pledge_used,
        seats_used=seats_used,
        donation_left=donation_left,
        free_items=free_items,
        budget_left=None if settings.budget is None else float(settings.budget) - spent,
        cap=settings.max_units_per_state_per_mission,
        use=use,
    )
    for kk in range(k):
        r = int(model.pair_requirement[kk])
        slack.pairs_of_requirement.setdefault(r, []).append(kk)
        slack.pairs_of_pledge.setdefault(int(pledge[kk]), []).append(kk)
    return slack


def _new_unit_blockers(slack: PlanSlack, option: int, r: int) -> list[str]:
    """What stops one more unit of ``option`` going to ``r`` (pledge capacity aside)."""
    enc = slack.enc
    p = int(enc.option_pledge[option])
    blockers = []
    t = int(enc.option_training[option])
    if t != NONE and slack.left("training_capacity", t) <= 0:
        blockers.append("training")
    item = int(enc.pledge_item[p])
    if item != NONE and slack.free_items[enc.pledge_state[p], item] < enc.pledge_per_unit[p]:
        blockers.append("equipment")
    if slack.budget_left is not None and enc.option_unit_cost[option] > slack.budget_left + 1e-9:
        blockers.append("budget")
    if slack.left("state_mission_cap", (int(enc.pledge_state[p]), int(enc.req_mission[r]))) <= 0:
        blockers.append("state_cap")
    return blockers


def _move_blockers(slack: PlanSlack, taker_pair: int, option: int, r: int) -> list[str]:
    """What stops a unit of the taker pair moving to ``r`` through ``option`` (same pledge)."""
    enc, model = slack.enc, slack.model
    taker_option = int(model.pair_option[taker_pair])
    taker_mission = int(enc.req_mission[model.pair_requirement[taker_pair]])
    blockers = []
    t = int(enc.option_training[option])
    if (
        t != NONE
        and t != int(enc.option_training[taker_option])
        and slack.left("training_capacity", t) <= 0
    ):
        blockers.append("training")
    extra_cost = float(enc.option_unit_cost[option] - enc.option_unit_cost[taker_option])
    if slack.budget_left is not None and extra_cost > slack.budget_left + 1e-9:
        blockers.append("budget")
    state = int(enc.option_state[option])
    if (
        taker_mission != int(enc.req_mission[r])
        and slack.left("state_mission_cap", (state, int(enc.req_mission[r]))) <= 0
    ):
        blockers.append("state_cap")
    return blockers


def requirement_row(enc: Encoded, r: int) -> dict[str, Any]:
    return {
        "requirement": enc.requirement_ids[r],
        "mission": enc.mission_ids[int(enc.req_mission[r])],
        "priority": enc.scenario.requirements[r].priority.value,
    }


# ---------------------------------------------------------------------------------------------------
# Near misses


def near_misses(slack: PlanSlack, r: int, eligible_pledges: set[int]) -> list[NearMiss]:
    """Pledges of the requirement's capability that no option lets serve it, fewest blocking rules
    first, each with the rules that block its best option and the fix."""
    enc = slack.enc
    capability = int(enc.req_capability[r])
    pledges = [
        int(p)
        for p in np.flatnonzero(enc.pledge_capability == capability).tolist()
        if int(p) not in eligible_pledges
    ]
    found = []
    for p in pledges:
        options = np.flatnonzero(enc.option_pledge == p)
        free = int(enc.pledge_quantity[p] - slack.pledge_used[p])
        if options.size == 0:  # no course takes it: no option for the pair rules to test
            blocked = [TRAINING.detail(enc, p, r)]
            late = 0
        else:
            passes = rule_table(enc, options, r)
            failures = (~passes).sum(axis=0)
            lateness = enc.option_ready[options] - enc.req_needed_by[r]
            best = int(np.lexsort((lateness, failures))[0])
            option = int(options[best])
            blocked = [
                rule.detail(enc, option, r)
                for index, rule in enumerate(RULES)
                if not passes[index, best]
            ]
            late = int(lateness[best]) if not passes[_DATE_RULE, best] else 0
        found.append(
            (
                len(blocked),
                late,
                enc.pledge_ids[p],
                NearMiss(
                    pledge=enc.pledge_ids[p],
                    state=enc.state_ids[int(enc.pledge_state[p])],
                    quantity=int(enc.pledge_quantity[p]),
                    free_units=free,
                    blocked_by=blocked,
                    fix=fix_for(enc.scenario, p, blocked),
                ),
            )
        )
    found.sort(key=lambda entry: entry[:3])  # fewest rules broken, least late, by id
    return [entry[3] for entry in found]


# ---------------------------------------------------------------------------------------------------
# Reasons


def _best(candidates: list[tuple[list[str], int]]) -> tuple[list[str], int]:
    """The candidate with the fewest blockers (first on ties)."""
    return min(candidates, key=lambda candidate: len(candidate[0]))


@dataclass
class _Entries:
    """Per reason type, the pledge entries and the units they could supply."""

    pledges: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    units: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, kind: str, entry: dict[str, Any], units: int) -> None:
        self.pledges[kind].append(entry)
        self.units[kind] += units


def requirement_reasons(
    slack: PlanSlack, r: int, near_miss_limit: int | None = NEAR_MISSES_KEPT
) -> list[Reason]:
    """The typed reasons requirement ``r`` is short in the plan (empty when it is filled). Their
    parts are gathered as plain entries here, inside this module, and typed on the way out."""
    enc, model = slack.enc, slack.model
    pairs = slack.pairs_of_requirement.get(r, [])
    allocated = int(sum(slack.x[k] for k in pairs))
    gap = int(enc.req_quantity[r]) - allocated
    if gap <= 0:
        return []
    by_pledge: dict[int, list[int]] = defaultdict(list)
    for k in pairs:
        by_pledge[int(enc.option_pledge[model.pair_option[k]])].append(k)

    entries = _Entries()
    potential = 0
    for p, own_pairs in by_pledge.items():
        options = sorted({int(model.pair_option[k]) for k in own_pairs})
        here = int(sum(slack.x[k] for k in own_pairs))
        free = int(enc.pledge_quantity[p] - slack.pledge_used[p])
        elsewhere = int(slack.pledge_used[p]) - here
        potential += free + elsewhere
        base = {"pledge": enc.pledge_ids[p], "state": enc.state_ids[int(enc.pledge_state[p])]}
        if free > 0:
            blockers, option = _best([(_new_unit_blockers(slack, o, r), o) for o in options])
            if not blockers:
                entries.add("not_chosen", base | {"free_units": free}, free)
            kinds = {_BLOCKER_REASON[blocker] for blocker in blockers}
            for kind in sorted(kinds):
                entry = base | {"free_units": free, "other_blockers": sorted(kinds - {kind})}
                for blocker in blockers:
                    if _BLOCKER_REASON[blocker] == kind:
                        entry |= _blocker_details(slack, blocker, option, r)
                entries.add(kind, entry, free)
        if elsewhere > 0:
            takers = [
                k
                for k in slack.pairs_of_pledge[p]
                if slack.x[k] > 0 and int(model.pair_requirement[k]) != r
            ]
            blockers, _ = _best(
                [(_move_blockers(slack, k, o, r), k) for k in takers for o in options]
            )
            taken: dict[int, int] = defaultdict(int)
            taker_blockers: dict[int, set[str]] = {}
            for k in takers:
                other = int(model.pair_requirement[k])
                taken[other] += int(slack.x[k])
                found, _ = _best([(_move_blockers(slack, k, o, r), o) for o in options])
                kinds = {_BLOCKER_REASON[b] for b in found}
                if other not in taker_blockers or len(kinds) < len(taker_blockers[other]):
                    taker_blockers[other] = kinds
            entries.add(
                "capacity_used_elsewhere",
                base
                | {
                    "units_elsewhere": elsewhere,
                    "taken_by": [
                        requirement_row(enc, other)
                        | {"units": units, "other_blockers": sorted(taker_blockers[other])}
                        for other, units in sorted(
                            taken.items(), key=lambda item: -enc.req_weight[item[0]]
                        )
                    ],
                    "other_blockers": sorted({_BLOCKER_REASON[b] for b in blockers}),
                },
                elsewhere,
            )

    reasons: list[dict[str, Any]] = []
    for kind in REASON_TYPES[1:]:
        if kind not in entries.units:
            continue
        pledges = sorted(
            entries.pledges[kind],
            key=lambda e: (len(e["other_blockers"]) if "other_blockers" in e else 0, e["pledge"]),
        )
        units = min(gap, entries.units[kind])
        reason: dict[str, Any] = {"type": kind, "units": units, "pledges": pledges}
        reason |= _reason_context(slack, kind)
        reason["counterfactual"] = _counterfactual(slack, kind, pledges, units, r)
        reasons.append(reason)
    missing = gap - min(gap, potential)
    if missing > 0:
        misses = near_misses(slack, r, set(by_pledge))
        fixable = next((miss for miss in misses if miss.fix and miss.free_units), None)
        reason = {
            "type": "no_eligible_pledge",
            "units": missing,
            "eligible_pledges": sorted(enc.pledge_ids[p] for p in by_pledge),
            "near_misses": misses if near_miss_limit is None else misses[:near_miss_limit],
            "more_near_misses": 0
            if near_miss_limit is None
            else max(len(misses) - near_miss_limit, 0),
            "counterfactual": [] if fixable is None or fixable.fix is None else fixable.fix,
        }
        reasons.insert(0, reason)
    return [_REASON.validate_python(reason) for reason in reasons]


def _blocker_details(slack: PlanSlack, blocker: str, option: int, r: int) -> dict[str, Any]:
    enc = slack.enc
    p = int(enc.option_pledge[option])
    state = int(enc.pledge_state[p])
    if blocker == "training":
        t = int(enc.option_training[option])
        return {
            "training": {
                "training": enc.training_ids[t],
                "capacity": int(enc.training_capacity[t]),
                "seats_used": int(slack.seats_used[t]),
            }
        }
    if blocker == "equipment":
        item = int(enc.pledge_item[p])
        sources = np.flatnonzero((enc.donation_item == item) & enc.donation_recipient[:, state])
        return {
            "equipment": {
                "item": enc.item_ids[item],
                "per_unit": int(enc.pledge_per_unit[p]),
                "items_available": int(slack.free_items[state, item]),
                "donations": [
                    {
                        "donation": enc.donation_ids[d],
                        "quantity": int(enc.donation_quantity[d]),
                        "left": int(slack.donation_left[d]),
                    }
                    for d in sources.tolist()
                ],
            }
        }
    if blocker == "budget":
        return {"unit_cost": float(enc.option_unit_cost[option])}
    return {
        "mission": enc.mission_ids[int(enc.req_mission[r])],
        "units_in_mission": slack.used("state_mission_cap", (state, int(enc.req_mission[r]))),
    }


def _reason_context(slack: PlanSlack, kind: str) -> dict[str, Any]:
    settings = slack.enc.scenario.settings
    if kind == "budget":
        assert slack.budget_left is not None and settings.budget is not None
        return {"budget": settings.budget, "spent": round(settings.budget - slack.budget_left, 2)}
    if kind == "max_units_per_state_per_mission":
        return {"cap": slack.cap}
    return {}


def _counterfactual(
    slack: PlanSlack, kind: str, pledges: list[dict[str, Any]], units: int, r: int
) -> list[dict[str, Any]]:
    """Changes that remove this cause for ``units`` of the missing units, the least blocked pledges
    first."""
    enc = slack.enc
    scenario = enc.scenario
    if kind == "not_chosen":
        return []
    if kind == "capacity_used_elsewhere":
        quantity = {req.id: req.quantity for req in scenario.requirements}
        reduce: dict[str, int] = defaultdict(int)
        left = units
        takers = sorted(
            (
                len(taker["other_blockers"]),
                _weight(enc, taker["requirement"]),
                taker["requirement"],
                taker["units"],
            )
            for entry in pledges
            for taker in entry["taken_by"]
        )  # takers whose unit could move here unblocked first, then the lowest-priority ones
        for _, _, requirement, taken in takers:
            take = min(left, taken)
            reduce[requirement] += take
            left -= take
        changes: list[dict[str, Any]] = []
        removed = [req for req, n in reduce.items() if n and n >= quantity[req]]
        reduced = {
            f"requirements[{req}].quantity": quantity[req] - n
            for req, n in reduce.items()
            if n and n < quantity[req]
        }
        if reduced:
            changes.append({"set": reduced})
        if removed:
            changes.append({"remove": {"requirements": removed}})
        return changes
    left = units
    capacity: dict[str, int] = defaultdict(int)
    items: dict[str, int] = defaultdict(int)
    extra_cost = 0.0
    for entry in pledges:
        take = min(left, entry["free_units"])
        left -= take
        if "training" in entry:
            capacity[entry["training"]["training"]] += take
        if "equipment" in entry:
            need = take * entry["equipment"]["per_unit"]
            short = max(need - entry["equipment"]["items_available"], 0)
            donations = entry["equipment"]["donations"]
            if short and donations:
                items[donations[0]["donation"]] += short
        if "unit_cost" in entry:
            extra_cost += take * entry["unit_cost"]
        if left == 0:
            break
    if kind == "budget":
        missing = max(extra_cost - (slack.budget_left or 0.0), 0.0)
        return [{"set": {"settings.budget": float(scenario.settings.budget or 0) + missing}}]
    if kind == "max_units_per_state_per_mission":
        return [{"set": {"settings.max_units_per_state_per_mission": int(slack.cap or 0) + units}}]
    by_id_t = {t.id: t for t in scenario.trainings}
    by_id_d = {d.id: d for d in scenario.donations}
    changed = {
        f"trainings[{t}].capacity": by_id_t[t].capacity + n for t, n in capacity.items() if n
    }
    changed |= {f"donations[{d}].quantity": by_id_d[d].quantity + n for d, n in items.items() if n}
    return [{"set": changed}] if changed else []


def _weight(enc: Encoded, requirement: str) -> float:
    return float(enc.req_weight[enc.requirement_ids.index(requirement)])


def plan_reasons(model: Model, values: np.ndarray) -> list[list[Reason]]:
    """Reasons for every requirement, in scenario order (empty lists for filled ones)."""
    slack = plan_slack(model, values)
    return [requirement_reasons(slack, r) for r in range(len(model.enc.requirement_ids))]
