"""One requirement's full story in the plan gapsolver finds — who serves it, every eligible pledge and
where its units went, near misses, the typed reasons (see :mod:`gapsolver.postprocess.reasons`) — and
re-solves that check each reason's counterfactual."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, ConfigDict, Field

from gapsolver.analysis.chains import Chain, enabling_chains
from gapsolver.exceptions import InputError, Problem
from gapsolver.postprocess.reasons import (
    near_misses,
    plan_slack,
    requirement_reasons,
    requirement_row,
)
from gapsolver.preprocess.variants import apply_changes, changes_from_data
from gapsolver.schema import Scenario
from gapsolver.schema.reasons import Changes, NearMiss, Reason, Verified
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.pipeline import solve_plan, solve_scenario


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Recheck(_Part):
    """A scenario re-solved with a counterfactual applied."""

    weighted_gap: float
    gap: int
    """The requirement's gap afterwards (0 when the changes removed it)."""
    requirement_removed: bool


class UnitsElsewhere(_Part):
    requirement: str
    mission: str
    priority: str
    units: int


class EligiblePledge(_Part):
    pledge: str
    state: str
    quantity: int
    units_here: int
    free_units: int
    elsewhere: list[UnitsElsewhere]


class StoryRequirement(_Part):
    id: str
    mission: str
    capability: str
    priority: str
    quantity: int
    min_readiness: str | None
    needed_by: str | None
    require_language: str | None
    allocated: int
    gap: int
    weighted_gap: float


class StoryPlan(_Part):
    status: str
    strategy: str
    weighted_gap: float


class Serving(_Part):
    pledge: str
    state: str
    units: int
    training: str | None
    ready: str


class Story(_Part):
    """One requirement's story in the plan (``gapsolver explain``)."""

    scenario: str
    requirement: StoryRequirement
    plan: StoryPlan
    serving: list[Serving]
    eligible_pledges: list[EligiblePledge]
    near_misses: list[NearMiss]
    reasons: list[Reason]
    chains: list[Chain] = Field(default_factory=list)


def verify(
    scenario: Scenario, requirement: str, changes: Changes, options: SolveOptions
) -> Recheck:
    """Re-solve with ``changes`` applied: the requirement's gap and the weighted gap afterwards."""
    changed = apply_changes(
        scenario, changes_from_data(changes, "counterfactual"), "counterfactual"
    )
    result = solve_scenario(changed, options, reasons=False)
    after = next((r for r in result.requirements if r.id == requirement), None)
    return Recheck(
        weighted_gap=result.weighted_gap,
        gap=0 if after is None else after.gap,
        requirement_removed=after is None,
    )


def explain_requirement(
    scenario: Scenario,
    requirement: str,
    options: SolveOptions,
    check: bool = False,
) -> Story:
    """The full story of one requirement in the plan gapsolver finds: who serves it, every eligible
    pledge and where its units went, every near miss with the rules that block it, the typed reasons
    with their counterfactuals (re-solved when ``check``), and the partnership chains of the
    conditional pledges of its capability."""
    ids = [r.id for r in scenario.requirements]
    if requirement not in ids:
        known = ", ".join(ids[:12]) + (" …" if len(ids) > 12 else "") or "the scenario has none"
        raise InputError(
            [Problem("--requirement", f"unknown requirement {requirement!r} (known: {known})")]
        )
    r = ids.index(requirement)
    result, model, values = solve_plan(scenario, options)
    enc = model.enc
    slack = plan_slack(model, values)
    outcome = result.requirements[r]
    spec = scenario.requirements[r]

    eligible = []
    by_pledge: dict[int, list[int]] = defaultdict(list)
    for k in slack.pairs_of_requirement.get(r, []):
        by_pledge[int(enc.option_pledge[model.pair_option[k]])].append(k)
    for p, pairs in sorted(by_pledge.items()):
        here = int(sum(slack.x[k] for k in pairs))
        elsewhere: dict[int, int] = defaultdict(int)
        for k in slack.pairs_of_pledge[p]:
            other = int(model.pair_requirement[k])
            if other != r and slack.x[k]:
                elsewhere[other] += int(slack.x[k])
        eligible.append(
            EligiblePledge(
                pledge=enc.pledge_ids[p],
                state=enc.state_ids[int(enc.pledge_state[p])],
                quantity=int(enc.pledge_quantity[p]),
                units_here=here,
                free_units=int(enc.pledge_quantity[p] - slack.pledge_used[p]),
                elsewhere=[
                    UnitsElsewhere(**requirement_row(enc, other), units=units)
                    for other, units in sorted(elsewhere.items())
                ],
            )
        )
    reasons = requirement_reasons(slack, r, near_miss_limit=None)
    if check:
        for index, reason in enumerate(reasons):
            if reason.counterfactual:
                after = verify(scenario, requirement, reason.counterfactual, options)
                verified = Verified(
                    weighted_gap_before=result.weighted_gap,
                    weighted_gap_after=after.weighted_gap,
                    gap_before=outcome.gap,
                    gap_after=after.gap,
                    # the cause is removed when the optimum improves by the requirement's weight per
                    # unit (a requirement of equal weight may take the unit in a tie)
                    closes=after.weighted_gap
                    <= result.weighted_gap - outcome.weight * reason.units + 1e-6,
                )
                reasons[index] = reason.model_copy(update={"verified": verified})
    capability_pledges = {p.id for p in scenario.pledges if p.capability == spec.capability}
    chains = [
        chain
        for chain in enabling_chains(scenario, result, model)
        if chain.pledge in capability_pledges
    ]
    return Story(
        scenario=scenario.name,
        requirement=StoryRequirement(
            id=spec.id,
            mission=spec.mission,
            capability=spec.capability,
            priority=spec.priority.value,
            quantity=spec.quantity,
            min_readiness=None if spec.min_readiness is None else spec.min_readiness.value,
            needed_by=None if spec.needed_by is None else str(spec.needed_by),
            require_language=spec.require_language,
            allocated=outcome.allocated,
            gap=outcome.gap,
            weighted_gap=outcome.weighted_gap,
        ),
        plan=StoryPlan(
            status=result.status.value,
            strategy=result.strategy,
            weighted_gap=result.weighted_gap,
        ),
        serving=[
            Serving(
                pledge=a.pledge, state=a.state, units=a.units, training=a.training, ready=a.ready
            )
            for a in result.assignments
            if a.requirement == requirement
        ],
        eligible_pledges=eligible,
        near_misses=near_misses(slack, r, set(by_pledge)),
        reasons=reasons,
        chains=chains,
    )
