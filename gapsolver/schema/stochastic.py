"""Outcomes of the two-stage stochastic programme as types: the committed plan (what is decided
before anyone knows which pledges, donations and courses materialize), what it is worth against the
deterministic plan and against perfect information (`solve --stochastic`), and a committed plan
evaluated on fresh samples (`robust --plan`).

The mathematics is in docs/formulation.md, section "Stochastic plan"; the code in
:mod:`gapsolver.analysis.stochastic`. ``to_dict()`` is the JSON a command writes and
``model_validate`` reads it back.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from gapsolver.limits import MAX_QUANTITY
from gapsolver.schema.analysis import (
    AnalysisOutput,
    Distribution,
    ElementCounts,
    ElementIds,
    PlanGap,
    RequirementRisk,
    SampleRun,
)
from gapsolver.schema.manifest import Manifest
from gapsolver.schema.result import SolveStatus, StageReport

Count = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
"""Units, items, seats: whole numbers within the scenario bounds."""
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
"""A reliability."""

PlanSource = Literal["deterministic", "stochastic"]
"""Where a committed plan comes from: read off a deterministic solve (the units, items and seats its
plan uses) or the stochastic programme's first stage."""


class CalledForward(AnalysisOutput):
    """Units of one pledge called forward: asked to prepare and deploy if they materialize."""

    pledge: str
    """The pledge's id."""
    state: str
    """The pledging state."""
    capability: str
    """The capability it offers."""
    units: Count
    """Units called forward (at most those offered)."""
    offered: Count
    """Units the pledge offers."""
    reliability: Probability
    """Probability that the pledge materializes."""


class ItemsCommitted(AnalysisOutput):
    """Items of one donation committed to one recipient."""

    donation: str
    """The donation's id."""
    donor: str
    """The donating state."""
    item: str
    """The equipment item."""
    recipient: str
    """The receiving state."""
    items: Count
    """Items committed to it."""
    reliability: Probability
    """Probability that the donation materializes."""


class SeatsFunded(AnalysisOutput):
    """Seats of one training funded: for the units of any of its trainee states, or of one."""

    training: str
    """The training's id."""
    trainer: str
    """The training state."""
    capability: str
    """The capability it trains for."""
    state: str | None = None
    """Only when seats are funded per trainee state: the state whose units take them."""
    seats: Count
    """Seats funded (one per trained unit)."""
    reliability: Probability
    """Probability that the training takes place."""


class CommittedPlan(AnalysisOutput):
    """The first-stage decisions: pledges called forward, where each donation's items go, which
    training seats are funded. Which requirement each unit fills is decided later, per sample."""

    scenario: str
    """The scenario's name."""
    source: PlanSource
    """``deterministic`` (read off a solve's plan) or ``stochastic`` (the programme's first stage)."""
    seats_by_state: bool = False
    """Whether seats are funded per (training, trainee state), each row naming its state; by
    default per training, and the units of any trainee state called forward may take them."""
    pledges: list[CalledForward]
    """Pledges called forward, in scenario order."""
    donations: list[ItemsCommitted]
    """Items committed, by donation (scenario order) then recipient."""
    seats: list[SeatsFunded]
    """Seats funded, by training (scenario order), then trainee state when funded per state."""

    @property
    def units(self) -> int:
        """Units called forward."""
        return sum(row.units for row in self.pledges)

    @property
    def items(self) -> int:
        """Items committed."""
        return sum(row.items for row in self.donations)

    @property
    def seats_funded(self) -> int:
        """Seats funded."""
        return sum(row.seats for row in self.seats)


class PlanRisk(AnalysisOutput):
    """One way of planning (stochastic, deterministic, perfect information), judged on the in-sample
    draws: its weighted gap in each, summarised."""

    objective: float
    """The programme's objective: the mean weighted gap, plus ``cvar_weight`` × its CVaR when a
    CVaR is asked for."""
    mean: float
    """The mean weighted gap over the samples."""
    cvar: float | None = None
    """Only with a CVaR: the mean of the worst (1 − α) share of the weighted gaps."""
    weighted_gap: Distribution
    """The weighted gap over the samples."""


class SampleGaps(AnalysisOutput):
    """One in-sample draw: the weighted gap of each way of planning."""

    index: int
    """The sample's index (with the seed, it fixes the draws)."""
    stochastic: float
    """The stochastic plan's first stage, assignments optimised for this sample."""
    deterministic: float
    """The deterministic plan's first stage, assignments optimised for this sample."""
    perfect_information: float
    """This sample's own optimum (everything decided knowing the sample)."""
    dropped: ElementIds
    """What did not materialize."""


class StochasticSize(AnalysisOutput):
    """The size of the extensive form."""

    columns: int
    """Columns (variables)."""
    first_stage_columns: int
    """Columns of the first stage: called-forward units, committed items, funded seats."""
    rows: int
    """Rows (constraints)."""
    nonzeros: int
    """Nonzero coefficients."""


class StochasticReport(AnalysisOutput):
    """`gapsolver solve --stochastic N`: the committed plan that minimises the expected weighted gap
    (or its mean plus a CVaR) over N sampled scenarios, and what it is worth.

    ``objective`` of ``ws`` ≤ ``sp`` ≤ ``eev`` whenever every solve is proven optimal (``ordered``
    says whether it holds); ``vss`` = EEV − SP, ``evpi`` = SP − WS."""

    scenario: str
    """The scenario's name."""
    samples: int
    """Samples drawn (N)."""
    seed: int
    """The seed (the same sampler as `robust`)."""
    distinct_samples: int
    """Distinct samples: identical draws share one copy of the second stage, weighted by count."""
    uncertain_elements: ElementCounts
    """Elements with a reliability below 1."""
    cvar_alpha: float | None = None
    """Only with a CVaR: its level α (the mean of the worst 1 − α share)."""
    cvar_weight: float | None = None
    """Only with a CVaR: its weight λ in the objective mean + λ × CVaR."""
    note: str | None = None
    """Only when nothing is uncertain: why every figure equals the deterministic optimum."""
    plan: CommittedPlan
    """The stochastic plan's first stage."""
    deterministic_plan: CommittedPlan
    """The deterministic plan's first stage (read off the nominal optimal plan): the EEV's."""
    sp: PlanRisk
    """The stochastic plan (SP: the programme's optimum, in sample)."""
    eev: PlanRisk
    """The deterministic plan's first stage with assignments optimised per sample (EEV)."""
    ws: PlanRisk
    """Each sample's own optimum (WS, wait-and-see: the figures of `robust` on the same draws)."""
    vss: float
    """Value of the stochastic solution: EEV − SP."""
    evpi: float
    """Expected value of perfect information: SP − WS."""
    ordered: bool
    """Whether WS ≤ SP ≤ EEV holds (within 10⁻⁶ relative)."""
    status: SolveStatus
    """``optimal`` when every ranked stage of the programme is proven optimal."""
    stages: list[StageReport]
    """The programme's ranked stages: the objective, the commitment, the expected suitability."""
    solve_time: float
    """Seconds in the programme's stages."""
    timings: dict[str, float]
    """Seconds per phase (nominal solve, samples, build, EEV, programme, WS)."""
    model_size: StochasticSize
    """The size of the extensive form."""
    runs: list[SampleGaps]
    """Every sample, in index order."""
    manifest: Manifest | None = None
    """How to replay the run (`gapsolver replay`; written by the command, absent from the Python
    API's)."""


class PlanEvaluation(AnalysisOutput):
    """`gapsolver robust --plan`: a committed plan on sampled scenarios, its first stage fixed and
    its assignments optimised in each sample."""

    scenario: str
    """The scenario's name."""
    label: str | None = None
    """Only among several plans compared: the plan's name (its file, as given)."""
    source: PlanSource
    """Where the plan comes from."""
    samples: int
    """Samples drawn."""
    seed: int
    """The seed (the same sampler as `robust`)."""
    uncertain_elements: ElementCounts
    """Elements with a reliability below 1."""
    plan: CommittedPlan
    """The plan evaluated."""
    nominal: PlanGap
    """The plan when everything materializes."""
    weighted_gap: Distribution
    """The weighted gap over the samples."""
    gap_units: Distribution
    """Units short over the samples (of a plan optimal for the weighted gap)."""
    cvar_alpha: float | None = None
    """Only with a CVaR: its level α."""
    cvar: float | None = None
    """Only with a CVaR: the mean of the worst 1 − α share of the weighted gaps."""
    requirements: list[RequirementRisk]
    """Every requirement, most often short first."""
    runs: list[SampleRun]
    """Every sample, in index order."""
    status: SolveStatus
    """``optimal`` when every sample's assignments are proven optimal."""
    solve_time: float
    """Seconds in the solver."""
    manifest: Manifest | None = None
    """How to replay the run (`gapsolver replay`; written by the command, absent from the Python
    API's)."""


class PlanPair(AnalysisOutput):
    """Two committed plans on the same samples, sample by sample."""

    first: str
    """The first plan's label."""
    second: str
    """The second plan's label."""
    first_better: int
    """Samples where the first plan's weighted gap is the smaller."""
    second_better: int
    """Samples where the second plan's weighted gap is the smaller."""
    tied: int
    """Samples where they are equal."""
    mean_difference: float
    """The mean of the first's weighted gap minus the second's (negative: the first is better)."""


class PlanComparison(AnalysisOutput):
    """`gapsolver robust --plan A --plan B …`: several committed plans on the same samples (out of
    sample when the seed is not the one a stochastic plan was drawn with)."""

    scenario: str
    """The scenario's name."""
    samples: int
    """Samples drawn."""
    seed: int
    """The seed (the same sampler as `robust`)."""
    evaluations: list[PlanEvaluation]
    """One per plan, in the order given, each labelled."""
    pairs: list[PlanPair]
    """Every pair of plans, in the order given."""
    manifest: Manifest | None = None
    """How to replay the run (`gapsolver replay`; written by the command, absent from the Python
    API's)."""
