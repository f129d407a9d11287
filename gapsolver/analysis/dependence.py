"""What the plan depends on: the increase in optimal weighted gap if one donation, one training or one
contributing state were withdrawn; single points of failure; concentration of contributors per mission.

Each withdrawal is a real re-solve of the scenario without that element (on the scenario's own model,
:mod:`gapsolver.solve.resolve`, where that applies), except where the answer is
known without one: an element the base plan does not use can be withdrawn with the base plan still
feasible — and still optimal, since withdrawing only removes options — so its increase is exactly 0.
The re-solves run in parallel worker processes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from gapsolver.preprocess.variants import apply_changes, locate, withdraw
from gapsolver.runtime.parallel import Progress, chunks, run_parallel
from gapsolver.schema import Scenario
from gapsolver.schema.analysis import (
    DependenceReport,
    ElementKind,
    MissionConcentration,
    SingleContributor,
    SingleDonor,
    Withdrawal,
)
from gapsolver.schema.result import DonationImpact, Result
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.pipeline import solve_scenario
from gapsolver.solve.resolve import Resolver, reusable

KINDS: tuple[ElementKind, ...] = ("donation", "training", "state")


def without(scenario: Scenario, kind: str, identifier: str) -> Scenario:
    """The scenario with one donation, one training, or everything one state offers withdrawn (the
    variants' ``remove``, so a withdrawal means the same everywhere)."""
    return apply_changes(scenario, [locate(withdraw(kind, identifier), ("withdraw",))])


def _used(base: Result, scenario: Scenario) -> dict[str, set[str]]:
    used: dict[str, set[str]] = {kind: set() for kind in KINDS}
    used["donation"] = {use.donation for use in base.donations if use.items > 0}
    used["training"] = {a.training for a in base.assignments if a.training is not None}
    donors = {d.id: d.donor for d in scenario.donations}
    trainers = {t.id: t.trainer for t in scenario.trainings}
    used["state"] = (
        {a.state for a in base.assignments}
        | {donors[d] for d in used["donation"]}
        | {trainers[t] for t in used["training"]}
    )
    return used


Job = tuple[Scenario, tuple[tuple[str, str], ...], SolveOptions]
"""A scenario, some (kind, id) withdrawals of it, the options: one worker's share."""


def _solve_without(job: Job) -> list[tuple[str, str, float, int]]:
    """Each withdrawal re-solved on the scenario's model (:mod:`gapsolver.solve.resolve`), or
    solved from scratch where that does not apply."""
    scenario, withdrawals, options = job
    solver = Resolver(scenario, options) if reusable(options) else None
    outcomes = []
    for kind, identifier in withdrawals:
        if solver is None:
            result = solve_scenario(without(scenario, kind, identifier), options, reasons=False)
            outcomes.append((kind, identifier, result.weighted_gap, result.gap_units))
            continue
        figures = solver.withdraw(kind, identifier)
        outcomes.append((kind, identifier, figures.weighted_gap, figures.gap_units))
    return outcomes


def single_points_of_failure(
    scenario: Scenario, base: Result
) -> list[SingleContributor | SingleDonor]:
    """Requirements (partly) filled by one state only, and recipients whose donated items come from
    one donor only."""
    found: list[SingleContributor | SingleDonor] = []
    states_of: dict[str, set[str]] = defaultdict(set)
    for assignment in base.assignments:
        states_of[assignment.requirement].add(assignment.state)
    for requirement in base.requirements:
        states = states_of.get(requirement.id, set())
        if requirement.allocated > 0 and len(states) == 1:
            found.append(
                SingleContributor(
                    kind="requirement_single_contributor",
                    requirement=requirement.id,
                    state=next(iter(states)),
                    units=requirement.allocated,
                )
            )
    donors = {d.id: d.donor for d in scenario.donations}
    donors_of: dict[str, set[str]] = defaultdict(set)
    for use in base.donations:
        donors_of[use.recipient].add(donors[use.donation])
    for recipient, donor_set in sorted(donors_of.items()):
        if len(donor_set) == 1:
            found.append(
                SingleDonor(
                    kind="recipient_single_donor",
                    recipient=recipient,
                    donor=next(iter(donor_set)),
                )
            )
    return found


def concentration(base: Result) -> list[MissionConcentration]:
    """Herfindahl–Hirschman index of deployed units by contributing state, per mission (0–10,000)."""
    units: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for assignment in base.assignments:
        units[assignment.mission][assignment.state] += assignment.units
    rows = []
    for mission, by_state in sorted(units.items()):
        total = sum(by_state.values())
        hhi = sum((100.0 * count / total) ** 2 for count in by_state.values())
        top_state, top_units = max(sorted(by_state.items()), key=lambda item: item[1])
        rows.append(
            MissionConcentration(
                mission=mission,
                units=total,
                states=len(by_state),
                hhi=round(hhi, 1),
                largest=top_state,
                largest_share=round(top_units / total, 4),
            )
        )
    return rows


def _run_all(
    scenario: Scenario,
    withdrawals: Sequence[tuple[str, str]],
    options: SolveOptions,
    workers: int,
    progress: Progress | None,
) -> list[tuple[str, str, float, int]]:
    jobs: list[Job] = [(scenario, chunk, options) for chunk in chunks(withdrawals, workers)]
    outcomes: list[tuple[str, str, float, int]] = []
    if progress is not None:
        progress(0, len(withdrawals))
    for _, chunk in run_parallel(_solve_without, jobs, workers):
        outcomes += chunk
        if progress is not None:
            progress(len(outcomes), len(withdrawals))
    return outcomes


def dependence(
    scenario: Scenario,
    options: SolveOptions | None = None,
    workers: int = 2,
    progress: Progress | None = None,
) -> DependenceReport:
    """Withdraw every donation, training and contributing state in turn; rank by the increase in
    optimal weighted gap (largest first, then kind and id)."""
    options = options or SolveOptions()
    base = solve_scenario(scenario, options)
    used = _used(base, scenario)
    candidates: list[tuple[ElementKind, str]] = (
        [("donation", d.id) for d in scenario.donations]
        + [("training", t.id) for t in scenario.trainings]
        + [
            ("state", s)
            for s in sorted(
                {p.state for p in scenario.pledges}
                | {d.donor for d in scenario.donations}
                | {t.trainer for t in scenario.trainings}
            )
        ]
    )
    to_solve = [(kind, identifier) for kind, identifier in candidates if identifier in used[kind]]
    outcomes = {
        (kind, identifier): (gap, units)
        for kind, identifier, gap, units in _run_all(scenario, to_solve, options, workers, progress)
    }
    withdrawals = []
    for kind, identifier in candidates:
        gap, units = outcomes.get((kind, identifier), (base.weighted_gap, base.gap_units))
        withdrawals.append(
            Withdrawal(
                kind=kind,
                id=identifier,
                weighted_gap_increase=round(gap - base.weighted_gap, 9),
                gap_units_increase=units - base.gap_units,
                used_by_plan=identifier in used[kind],
            )
        )
    withdrawals.sort(key=lambda w: (-w.weighted_gap_increase, KINDS.index(w.kind), w.id))
    return DependenceReport(
        scenario=scenario.name,
        base_weighted_gap=base.weighted_gap,
        withdrawals=withdrawals,
        single_points_of_failure=single_points_of_failure(scenario, base),
        concentration=concentration(base),
        re_solves=len(to_solve),
    )


def donation_impact(
    scenario: Scenario, base: Result, options: SolveOptions | None = None, workers: int = 2
) -> list[DonationImpact]:
    """For every donation the plan uses: the optimal weighted gap without it and the gap it closes."""
    options = options or SolveOptions()
    used = sorted({use.donation for use in base.donations if use.items > 0})
    withdrawals = [("donation", donation) for donation in used]
    outcomes = sorted(
        _run_all(scenario, withdrawals, options, workers, None), key=lambda outcome: outcome[1]
    )
    return [
        DonationImpact(
            donation=identifier,
            weighted_gap_without=gap,
            weighted_gap_closed=round(gap - base.weighted_gap, 9),
            gap_units_closed=units - base.gap_units,
        )
        for _, identifier, gap, units in outcomes
    ]
