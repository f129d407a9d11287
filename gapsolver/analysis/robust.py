"""Robustness: how the plan fares when pledges, donations and trainings may not materialize.

Each pledge, donation and training carries a ``reliability`` (default 1). Sample ``i`` of seed ``s``
draws one uniform number per element, in scenario order (pledges, then donations, then trainings),
from ``numpy.random.default_rng(SeedSequence([s, i]))``; an element materializes when its number is
below its reliability. The sampled scenario is solved to the optimum: a re-solve of the scenario's model with
the dropped elements withdrawn (:mod:`gapsolver.solve.resolve`; every re-solve starts from the
same basis), or a solve from scratch under a time limit or another strategy. The same seed gives
the same samples and the same answers, whatever the number of workers and in whatever order they
finish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gapsolver.runtime.parallel import Progress, chunks, run_parallel
from gapsolver.schema import Scenario
from gapsolver.schema.analysis import (
    Distribution,
    ElementCounts,
    ElementIds,
    PlanGap,
    RequirementRisk,
    RobustReport,
    SampleRun,
)
from gapsolver.schema.result import Result
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.pipeline import solve_scenario
from gapsolver.solve.resolve import Resolver, reusable

PERCENTILES = (5, 25, 50, 75, 95)


KINDS = ("pledges", "donations", "trainings")


def materialized(scenario: Scenario, seed: int, index: int) -> dict[str, np.ndarray]:
    """Sample ``index`` of ``seed``: per kind (:data:`KINDS`), which elements materialize, as a
    boolean array in scenario order. The one sampler: ``robust``, the stochastic plan
    (:mod:`gapsolver.analysis.stochastic`) and the evaluation of a committed plan draw from it."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, index]))
    outcome = {}
    for kind in KINDS:
        elements = getattr(scenario, kind)
        draws = rng.random(len(elements))
        outcome[kind] = draws < np.array([e.reliability for e in elements], dtype=float)
    return outcome


def sample_dropped(scenario: Scenario, seed: int, index: int) -> dict[str, list[str]]:
    """The ids, by kind, of the elements that do not materialize in sample ``index`` of ``seed``."""
    outcome = materialized(scenario, seed, index)
    return {
        kind: [
            e.id for e, kept in zip(getattr(scenario, kind), outcome[kind], strict=True) if not kept
        ]
        for kind in KINDS
    }


def sample_scenario(
    scenario: Scenario, seed: int, index: int
) -> tuple[Scenario, dict[str, list[str]]]:
    """Sample ``index`` of ``seed``: the scenario with the elements that did not materialize
    removed, and their ids by kind."""
    outcome = materialized(scenario, seed, index)
    kept: dict[str, list[Any]] = {}
    dropped: dict[str, list[str]] = {}
    for kind in KINDS:
        elements = getattr(scenario, kind)
        kept[kind] = [e for e, k in zip(elements, outcome[kind], strict=True) if k]
        dropped[kind] = [e.id for e, k in zip(elements, outcome[kind], strict=True) if not k]
    return scenario.model_copy(update=kept), dropped


@dataclass(frozen=True)
class _Samples:
    """Some samples of one scenario, solved in one worker."""

    scenario: Scenario
    seed: int
    indices: tuple[int, ...]
    options: SolveOptions


@dataclass(frozen=True)
class _Solved:
    """One sample solved: its run, and the units short per requirement that ends short."""

    run: SampleRun
    gaps: dict[str, int]


def _solve_samples(job: _Samples) -> list[_Solved]:
    """Each sample re-solved on the scenario's model with its dropped elements withdrawn
    (:mod:`gapsolver.solve.resolve`), or solved from scratch where that does not apply."""
    solved = []
    solver = Resolver(job.scenario, job.options) if reusable(job.options) else None
    for index in job.indices:
        if solver is not None:
            dropped = sample_dropped(job.scenario, job.seed, index)
            figures = solver.solve(**dropped)
            weighted_gap, gap_units, status = (
                figures.weighted_gap,
                figures.gap_units,
                figures.status,
            )
            gaps = figures.gaps
        else:
            sampled, dropped = sample_scenario(job.scenario, job.seed, index)
            result = solve_scenario(sampled, job.options, reasons=False)
            weighted_gap, gap_units, status = result.weighted_gap, result.gap_units, result.status
            gaps = {r.id: r.gap for r in result.requirements if r.gap}
        run = SampleRun(
            index=index,
            weighted_gap=weighted_gap,
            gap_units=gap_units,
            status=status,
            dropped=ElementIds(**dropped),
        )
        solved.append(_Solved(run, gaps))
    return solved


def distribution(values: list[float]) -> Distribution:
    """A figure's mean, spread, percentiles and extremes over the samples."""
    array = np.asarray(values, dtype=float)
    return Distribution(
        mean=round(float(array.mean()), 6),
        std=round(float(array.std()), 6),
        **{f"p{q}": round(float(np.percentile(array, q)), 6) for q in PERCENTILES},
        best=float(array.min()),
        worst=float(array.max()),
    )


def by_risk(row: RequirementRisk) -> tuple[float, float, str]:
    """Most often short first, then the largest mean gap, then by id."""
    return (-row.short_in, -row.mean_gap, row.requirement)


def robust(
    scenario: Scenario,
    samples: int,
    seed: int,
    options: SolveOptions | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> RobustReport:
    """Solve ``samples`` sampled scenarios; the distribution of the weighted gap and of the gap
    units, and per requirement how often it ends short and by how much on average."""
    options = options or SolveOptions()
    nominal = solve_scenario(scenario, options)
    uncertain = ElementCounts(
        **{
            kind: sum(1 for e in getattr(scenario, kind) if e.reliability < 1)
            for kind in ("pledges", "donations", "trainings")
        }
    )
    if not (uncertain.pledges or uncertain.donations or uncertain.trainings):
        # every sample would be the nominal scenario: say so rather than solve it N times
        if progress is not None:
            progress(samples, samples)
        return _certain(scenario, samples, seed, nominal)
    jobs = [_Samples(scenario, seed, chunk, options) for chunk in chunks(range(samples), workers)]
    finished: dict[int, _Solved] = {}
    if progress is not None:
        progress(0, samples)
    for _, chunk in run_parallel(_solve_samples, jobs, workers):
        finished |= {solved.run.index: solved for solved in chunk}
        if progress is not None:
            progress(len(finished), samples)
    done: list[_Solved] = [finished[index] for index in range(samples)]
    requirements: list[RequirementRisk] = []
    for outcome in nominal.requirements:
        gaps = [sample.gaps.get(outcome.id, 0) for sample in done]
        requirements.append(
            RequirementRisk(
                requirement=outcome.id,
                mission=outcome.mission,
                priority=outcome.priority,
                quantity=outcome.quantity,
                nominal_gap=outcome.gap,
                short_in=round(sum(1 for gap in gaps if gap) / len(gaps), 6),
                mean_gap=round(float(np.mean(gaps)), 6),
            )
        )
    requirements.sort(key=by_risk)
    return RobustReport(
        scenario=scenario.name,
        samples=samples,
        seed=seed,
        uncertain_elements=uncertain,
        nominal=PlanGap(weighted_gap=nominal.weighted_gap, gap_units=nominal.gap_units),
        weighted_gap=distribution([sample.run.weighted_gap for sample in done]),
        gap_units=distribution([sample.run.gap_units for sample in done]),
        requirements=requirements,
        runs=[sample.run for sample in done],
    )


def _certain(scenario: Scenario, samples: int, seed: int, nominal: Result) -> RobustReport:
    """The report of a scenario in which everything materializes for sure: one solve, and a note
    that sampling has nothing to vary."""
    return RobustReport(
        scenario=scenario.name,
        samples=samples,
        seed=seed,
        uncertain_elements=ElementCounts(pledges=0, donations=0, trainings=0),
        note="no pledge, donation or training has a reliability below 1: every sample is the "
        "nominal scenario, so it was solved once",
        nominal=PlanGap(weighted_gap=nominal.weighted_gap, gap_units=nominal.gap_units),
        weighted_gap=distribution([nominal.weighted_gap]),
        gap_units=distribution([nominal.gap_units]),
        requirements=sorted(
            (
                RequirementRisk(
                    requirement=outcome.id,
                    mission=outcome.mission,
                    priority=outcome.priority,
                    quantity=outcome.quantity,
                    nominal_gap=outcome.gap,
                    short_in=1.0 if outcome.gap else 0.0,
                    mean_gap=float(outcome.gap),
                )
                for outcome in nominal.requirements
            ),
            key=by_risk,
        ),
        runs=[],
    )
