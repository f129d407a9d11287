"""Outcomes of the analyses as types: what `compare`, `robust`, `diff`/`whatif`, `graph --critical` and
`replay` return, and the headline figures of a plan that `compare` and `gapsolver batch` store.

Renderers (``gapsolver.report``) take these objects; ``to_dict()`` is the JSON a command writes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from gapsolver.schema.manifest import Manifest
from gapsolver.schema.result import SolveStatus
from gapsolver.schema.scenario import Priority


class AnalysisOutput(BaseModel):
    """Base of an analysis's output: unknown keys refused, each field documented.

    Its JSON form (:meth:`to_dict`) holds every field that was given a value: a field with a default
    that was never set (the ratios to the optimum when the optimum was not among the strategies, the
    note of a certain scenario) is left out rather than written as null."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


Figure = int | float
"""A headline figure: units are integers, the rest numbers; each stays as the plan gives it."""


# --------------------------------------------------------------------------------------------------
# Headline figures and the strategy comparison (`compare`, `gapsolver batch`)


class PlanKpis(AnalysisOutput):
    """The headline figures of one plan."""

    status: SolveStatus
    """Whether the plan is proven optimal."""
    weighted_gap: float
    """Σ weight × units short."""
    gap_units: int
    """Units short."""
    gap_critical: int
    """Units short on critical requirements."""
    gap_high: int
    """Units short on high-priority requirements."""
    gap_normal: int
    """Units short on normal requirements."""
    allocated_units: int
    """Units deployed."""
    cost: float
    """Cost of the deployed units, USD."""
    women_share: float | None
    """Share of women in the deployed personnel where committed (None: no pledge commits)."""
    suitability: float
    """Σ suitability × units."""
    solve_time: float
    """Seconds in the solve's stages."""

    def gap_of(self, priority: Priority) -> int:
        """Units short on the requirements of ``priority``."""
        return {
            Priority.critical: self.gap_critical,
            Priority.high: self.gap_high,
            Priority.normal: self.gap_normal,
        }[priority]


class ComparedRun(AnalysisOutput):
    """Which scenario, solved with which strategy."""

    scenario: str
    """The scenario file."""
    strategy: str
    """The strategy: optimal, greedy or sequential."""


class CompareRow(PlanKpis, ComparedRun):
    """One scenario solved with one strategy: the run (its fields come first), its figures, and its
    ratio to the optimum."""

    ratio_to_optimal: float | None = None
    """Only when ``optimal`` is among the strategies: the weighted gap over the optimum's (1 when
    both are 0; None when the optimum is 0 and this one is not)."""


class StrategySummary(AnalysisOutput):
    """One strategy over every scenario."""

    strategy: str
    """The strategy."""
    scenarios: int
    """Scenarios solved."""
    mean_weighted_gap: float
    """Mean weighted gap."""
    gap_critical: int
    """Units short on critical requirements, over the scenarios."""
    gap_high: int
    """Units short on high-priority requirements, over the scenarios."""
    gap_normal: int
    """Units short on normal requirements, over the scenarios."""
    mean_cost: float
    """Mean cost, USD."""
    mean_solve_time: float
    """Mean seconds per solve."""
    mean_ratio_to_optimal: float | None = None
    """Only when ``optimal`` is among the strategies: the mean of the defined ratios (None if none is)."""
    worst_ratio_to_optimal: float | None = None
    """Only with ``optimal``: the largest ratio (None when one is undefined: a gap where the optimum
    has none)."""
    optimal_in: int | None = None
    """Only with ``optimal``: the scenarios where the strategy reaches the optimum."""

    def gap_of(self, priority: Priority) -> int:
        """Units short on the requirements of ``priority``, over the scenarios."""
        return {
            Priority.critical: self.gap_critical,
            Priority.high: self.gap_high,
            Priority.normal: self.gap_normal,
        }[priority]


class Comparison(AnalysisOutput):
    """`gapsolver compare`: every scenario with every strategy, and a summary per strategy."""

    rows: list[CompareRow]
    """One per scenario and strategy, in that order."""
    summary: list[StrategySummary]
    """One per strategy."""
    manifest: Manifest | None = None
    """How to replay the run (`gapsolver replay`; written by the command, absent from the Python
    API's)."""

    @property
    def against_optimal(self) -> bool:
        """Whether ``optimal`` is among the strategies: then rows and summary have the ratios."""
        return any(row.strategy == "optimal" for row in self.rows)


# --------------------------------------------------------------------------------------------------
# Robustness (`robust`)


class ElementCounts(AnalysisOutput):
    """A count per kind of element that may not materialize."""

    pledges: int
    """Pledges."""
    donations: int
    """Donations."""
    trainings: int
    """Trainings."""


class ElementIds(AnalysisOutput):
    """Ids per kind of element that may not materialize."""

    pledges: list[str]
    """Pledges."""
    donations: list[str]
    """Donations."""
    trainings: list[str]
    """Trainings."""


class PlanGap(AnalysisOutput):
    """A plan's gap."""

    weighted_gap: float
    """Σ weight × units short."""
    gap_units: int
    """Units short."""


class Distribution(AnalysisOutput):
    """A figure over the samples (mean, std and percentiles rounded to 6 decimals)."""

    mean: float
    std: float
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float
    best: float
    """The smallest value."""
    worst: float
    """The largest value."""


class RequirementRisk(AnalysisOutput):
    """How often one requirement ends short over the samples."""

    requirement: str
    """The requirement's id."""
    mission: str
    """Its mission."""
    priority: Priority
    """Its priority."""
    quantity: int
    """Units required."""
    nominal_gap: int
    """Units short when everything materializes."""
    short_in: float
    """Share of the samples in which it is short."""
    mean_gap: float
    """Mean units short over the samples."""


class SampleRun(AnalysisOutput):
    """One sampled scenario, solved."""

    index: int
    """The sample's index (with the seed, it fixes the draws)."""
    weighted_gap: float
    """The optimal weighted gap."""
    gap_units: int
    """Units short."""
    status: SolveStatus
    """Whether the plan is proven optimal."""
    dropped: ElementIds
    """What did not materialize."""


class RobustReport(AnalysisOutput):
    """`gapsolver robust`: the optimal plan's gap over sampled scenarios."""

    scenario: str
    """The scenario's name."""
    samples: int
    """Samples asked for."""
    seed: int
    """The seed."""
    uncertain_elements: ElementCounts
    """Elements with a reliability below 1."""
    note: str | None = None
    """Only when nothing is uncertain: why the scenario was solved once."""
    nominal: PlanGap
    """The plan when everything materializes."""
    weighted_gap: Distribution
    """The weighted gap over the samples."""
    gap_units: Distribution
    """Units short over the samples."""
    requirements: list[RequirementRisk]
    """Every requirement, most often short first."""
    runs: list[SampleRun]
    """Every sample, in index order (none when nothing is uncertain)."""
    manifest: Manifest | None = None
    """How to replay the run (`gapsolver replay`; written by the command, absent from the Python
    API's)."""


# --------------------------------------------------------------------------------------------------
# Plan differences (`diff`, `whatif`)


class FigureChange(AnalysisOutput):
    """A headline figure in plan A and plan B."""

    a: Figure | None
    """In plan A (None when the file lacks it)."""
    b: Figure | None
    """In plan B."""
    delta: Figure | None
    """b − a, rounded to 9 decimals (None when either is missing)."""


class GapChange(AnalysisOutput):
    """A requirement whose gap changed."""

    requirement: str
    mission: str
    gap_a: int
    gap_b: int


class AssignmentChange(AnalysisOutput):
    """Units of a pledge to a requirement that changed."""

    pledge: str
    state: str
    requirement: str
    units_a: int
    units_b: int


class DonationChange(AnalysisOutput):
    """Items of a donation to a recipient that changed."""

    donation: str
    recipient: str
    items_a: int
    items_b: int


class SeatChange(AnalysisOutput):
    """Seats used in a training that changed."""

    training: str
    seats_a: int
    seats_b: int


class PlanDiff(AnalysisOutput):
    """`gapsolver diff`: what changed from plan A to plan B."""

    scenario_a: str
    """Plan A's scenario."""
    scenario_b: str
    """Plan B's scenario."""
    kpis: dict[str, FigureChange]
    """weighted_gap, gap_units, allocated_units, cost, women_share, suitability."""
    gaps_opened: list[GapChange]
    """Requirements shorter in B."""
    gaps_closed: list[GapChange]
    """Requirements less short in B."""
    requirements_only_in_a: list[str]
    requirements_only_in_b: list[str]
    assignments_changed: list[AssignmentChange]
    donations_redirected: list[DonationChange]
    training_seats_changed: list[SeatChange]


class VariantDiff(PlanDiff):
    """`gapsolver whatif`: the difference from the base scenario's plan to the variant's, and the
    changes that make the variant."""

    variants: list[str]
    """The variants applied (from --variants)."""
    changes: list[dict[str, Any]]
    """Every change applied, as in a variants file."""
    manifest: Manifest | None = None
    """How to replay the run (`gapsolver replay`; written by the command, absent from the Python
    API's)."""


# --------------------------------------------------------------------------------------------------
# Dependence (`graph --critical`)

ElementKind = Literal["donation", "training", "state"]
"""What can be withdrawn: one donation, one training, or everything one state offers."""


class Withdrawal(AnalysisOutput):
    """What withdrawing one element costs the optimal plan."""

    kind: ElementKind
    """donation, training or state."""
    id: str
    """Its id."""
    weighted_gap_increase: float
    """The increase in optimal weighted gap."""
    gap_units_increase: int
    """The increase in units short."""
    used_by_plan: bool
    """False when the base plan does not use it: then the increase is 0 without a re-solve."""


class SingleContributor(AnalysisOutput):
    """A requirement filled by one state only."""

    kind: Literal["requirement_single_contributor"]
    requirement: str
    state: str
    """The one state filling it."""
    units: int
    """Units it deploys."""


class SingleDonor(AnalysisOutput):
    """A recipient whose donated items come from one donor only."""

    kind: Literal["recipient_single_donor"]
    recipient: str
    donor: str
    """The one donor."""


SinglePointOfFailure = Annotated[SingleContributor | SingleDonor, Field(discriminator="kind")]


class MissionConcentration(AnalysisOutput):
    """How concentrated a mission's deployed units are among contributing states."""

    mission: str
    units: int
    """Units deployed."""
    states: int
    """Contributing states."""
    hhi: float
    """Herfindahl–Hirschman index of units by state (0–10,000)."""
    largest: str
    """The largest contributor."""
    largest_share: float
    """Its share of the units."""


class DependenceReport(AnalysisOutput):
    """`gapsolver graph --critical`: what the optimal plan depends on."""

    scenario: str
    """The scenario's name."""
    base_weighted_gap: float
    """The optimal weighted gap with everything."""
    withdrawals: list[Withdrawal]
    """Every donation, training and contributing state, the costliest first."""
    single_points_of_failure: list[SinglePointOfFailure]
    """Requirements with one contributor, recipients with one donor."""
    concentration: list[MissionConcentration]
    """Per mission."""
    re_solves: int
    """Withdrawals solved (the others are unused by the plan and cost 0)."""


# --------------------------------------------------------------------------------------------------
# Replays (`replay`)


class ValueChange(AnalysisOutput):
    """A value of the result that the replay did not reproduce."""

    path: str
    """Where in the result's JSON (``assignments[3].units``, ``weighted_gap``)."""
    recorded: JsonValue = None
    """The value in the result file (left out when only the replay has the path)."""
    replayed: JsonValue = None
    """The value the replay gave (left out when only the result file has the path)."""


class EnvironmentChange(AnalysisOutput):
    """Something of the manifest's environment that differs where the replay ran."""

    what: str
    """``gapsolver``, a package (``highspy``, ``numpy``…) or a platform field (``python``,
    ``system``, ``machine``…)."""
    recorded: str | None
    """In the manifest (None: not there)."""
    replayed: str | None
    """Here (None: not installed)."""


class ReplayReport(AnalysisOutput):
    """`gapsolver replay`: a result's command run again from its manifest, and what differs."""

    result_file: str
    """The result file replayed."""
    command: str
    """The command replayed (the manifest's)."""
    inputs: int
    """Input files checked unchanged (SHA-256 as recorded)."""
    differences: list[ValueChange]
    """Every value that differs, timings aside (empty: the replay reproduced the result)."""
    plan: PlanDiff | None = None
    """For a plan that differs: the difference from the recorded plan (A) to the replayed one (B)."""
    environment: list[EnvironmentChange]
    """What differs from the manifest's environment here (versions, platform); it does not make a
    difference by itself."""
    notes: list[str]
    """How the replay ran where that matters (``--solver auto`` replays the recorded winner; a time
    limit)."""

    @property
    def reproduced(self) -> bool:
        """Whether the replay gave the recorded result (no difference)."""
        return not self.differences
