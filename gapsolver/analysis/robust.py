"""Robustness: how the plan fares when pledges, donations and trainings may not materialize.

Each pledge, donation and training carries a ``reliability`` (default 1). Sample ``i`` of seed ``s``
draws one uniform number per element, in scenario order (pledges, then donations, then trainings),
from ``numpy.random.default_rng(SeedSequence([s, i]))``; an element materializes when its number is
below its reliability. The sampled scenario is solved to the optimum. The same seed gives the same
samples, whatever the number of workers and in whatever order they finish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gapsolver.runtime.parallel import Progress, run_parallel
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

PERCENTILES = (5, 25, 50, 75, 95)


def sample_scenario(
    scenario: Scenario, seed: int, index: int
) -> tuple[Scenario, dict[str, list[str]]]:
    """Sample ``index`` of ``seed``: the scenario with the elements that did not materialize
    removed, and their ids by kind."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, index]))
    kept: dict[str, list[Any]] = {}
    dropped: dict[str, list[str]] = {}
    for kind in ("pledges", "donations", "trainings"):
        elements = getattr(scenario, kind)
        draws = rng.random(len(elements))
        kept[kind] = [e for e, u in zip(elements, draws, strict=True) if u < e.reliability]
        dropped[kind] = [e.id for e, u in zip(elements, draws, strict=True) if u >= e.reliability]
    return scenario.model_copy(update=kept), dropped


@dataclass(frozen=True)
class _Sample:
    scenario: Scenario
    seed: int
    index: int
    options: SolveOptions


@dataclass(frozen=True)
class _Solved:
    """One sample solved: its run, and the units short per requirement that ends short."""

    run: SampleRun
    gaps: dict[str, int]


def _solve_sample(job: _Sample) -> _Solved:
    sampled, dropped = sample_scenario(job.scenario, job.seed, job.index)
    result = solve_scenario(sampled, job.options, reasons=False)
    run = SampleRun(
        index=job.index,
        weighted_gap=result.weighted_gap,
        gap_units=result.gap_units,
        status=result.status,
        dropped=ElementIds(**dropped),
    )
    return _Solved(run, {r.id: r.gap for r in result.requirements if r.gap})


def _distribution(values: list[float]) -> Distribution:
    array = np.asarray(values, dtype=float)
    return Distribution(
        mean=round(float(array.mean()), 6),
        std=round(float(array.std()), 6),
        **{f"p{q}": round(float(np.percentile(array, q)), 6) for q in PERCENTILES},
        best=float(array.min()),
        worst=float(array.max()),
    )


def _by_risk(row: RequirementRisk) -> tuple[float, float, str]:
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
    jobs = [_Sample(scenario, seed, index, options) for index in range(samples)]
    finished = dict(run_parallel(_solve_sample, jobs, workers, progress))
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
    requirements.sort(key=_by_risk)
    return RobustReport(
        scenario=scenario.name,
        samples=samples,
        seed=seed,
        uncertain_elements=uncertain,
        nominal=PlanGap(weighted_gap=nominal.weighted_gap, gap_units=nominal.gap_units),
        weighted_gap=_distribution([sample.run.weighted_gap for sample in done]),
        gap_units=_distribution([sample.run.gap_units for sample in done]),
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
        weighted_gap=_distribution([nominal.weighted_gap]),
        gap_units=_distribution([nominal.gap_units]),
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
            key=_by_risk,
        ),
        runs=[],
    )
