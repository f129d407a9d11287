"""Outcomes as types: the result of a solve, its stages and its JSON form.

:class:`Result` is the result file (``gapsolver solve -o``, ``--json``): ``Result.to_dict()`` is its
JSON and ``Result.model_validate`` reads it back; ``gapsolver schema --result`` prints its JSON Schema.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, with_config
from typing_extensions import TypedDict

from gapsolver.exceptions import GapsolverError, import_extra
from gapsolver.schema.manifest import Manifest
from gapsolver.schema.reasons import Reason
from gapsolver.schema.scenario import Priority

if TYPE_CHECKING:
    from pandas import DataFrame

RESULT_FORMAT_VERSION: Final = 1
"""The version of the result format this gapsolver writes and reads (``format_version``)."""


class SolveStatus(StrEnum):
    """``optimal``: both ranked objectives proven optimal. ``feasible``: a plan that is not proven
    optimal for both — a time limit stopped the search, or a baseline strategy (``proven`` and each
    stage say which objective is proven)."""

    optimal = "optimal"
    feasible = "feasible"


class StageStatus(StrEnum):
    """Outcome of one solver call, and of one stage of a solve."""

    optimal = "optimal"
    feasible = "feasible"  # stopped (time limit) with a solution in hand
    no_solution = "no_solution"  # stopped without one
    infeasible = "infeasible"
    error = "error"
    not_run = "not_run"  # a stage that never ran: the time limit was reached before it


class ResultPart(BaseModel):
    """Base of the parts of a result: unknown keys refused, values frozen, each field documented."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        json_schema_serialization_defaults_required=True,
    )


class StageReport(ResultPart):
    """One stage of the lexicographic solve."""

    objective: str
    """The ranked objective (``weighted_gap``, ``suitability``; ``MISSION:objective`` in a
    sequential plan)."""
    status: StageStatus
    """``optimal`` (proven), ``feasible`` (stopped with a plan) or ``not_run``."""
    value: float | None
    """The objective's value in the plan (None when no plan was reported)."""
    bound: float | None
    """The best bound proven on the objective (None when none was)."""
    mip_gap: float | None
    """|value − bound| / max(1, |value|)."""
    seconds: float
    """Wall-clock time of the stage."""
    method: str
    """How optimality was reached: 'lp' (the LP relaxation was integral), 'lp+dive' (a dive from the
    LP optimum, rounding and re-solving, met the LP bound), 'lp+fix' (a MIP over the
    columns the LP left fractional met the LP bound), 'mip' (the full branch and bound); 'greedy'
    (the baseline), 'stopped' (the time limit stopped it), 'none' (it did not run)."""
    fixed_columns: int | None = None
    """Columns fixed by certified reduced costs before this stage (the optimal face of stage 1)."""

    @classmethod
    def not_run(cls, objective: str, method: str) -> StageReport:
        """A stage that did not run (``method``: ``none`` out of time, ``stopped`` by the limit)."""
        return cls(
            objective=objective,
            status=StageStatus.not_run,
            value=None,
            bound=None,
            mip_gap=None,
            seconds=0.0,
            method=method,
        )


class RequirementOutcome(ResultPart):
    """How far one requirement is filled."""

    id: str
    """The requirement's id."""
    mission: str
    """The mission that states it."""
    capability: str
    """The capability it asks for."""
    priority: Priority
    """Its priority."""
    weight: float
    """The weight of one unfilled unit in the weighted gap."""
    quantity: int
    """Units required."""
    allocated: int
    """Units the plan deploys to it."""
    gap: int
    """Units short: quantity − allocated."""
    weighted_gap: float
    """weight × gap."""
    reasons: list[Reason] = Field(default_factory=list)
    """Why the gap remains: typed reasons covering every unfilled unit (see gapsolver.postprocess.reasons)."""


class Assignment(ResultPart):
    """Units of one pledge deployed to one requirement."""

    pledge: str
    """The pledge's id."""
    state: str
    """The pledging state."""
    requirement: str
    """The requirement served."""
    mission: str
    """The requirement's mission."""
    capability: str
    """The capability deployed."""
    units: int
    """Units deployed."""
    training: str | None
    """The training the units go through first (None: none needed)."""
    ready: str
    """The date the units are ready (ISO 8601)."""
    unit_cost: float
    """Cost per unit, USD."""
    score: float
    """Suitability of the units for the requirement (per unit)."""
    equipment: str | None = None
    """The donated item each unit of the pledge needs (its donations are in ``donations``)."""


# A typed dict rather than a model: analyses (the shortfall's items) copy it into their JSON as it is.
@with_config(ConfigDict(extra="forbid", use_attribute_docstrings=True))
class DonationFill(TypedDict):
    """What a recipient's units using a donated item fill."""

    requirement: str
    """The requirement filled."""
    mission: str
    """Its mission."""
    units: int
    """Units of the recipient using the item deployed to it."""


class DonationUse(ResultPart):
    """Items of one donation given to one recipient."""

    donation: str
    """The donation's id."""
    donor: str
    """The donating state."""
    item: str
    """The item donated."""
    recipient: str
    """The receiving state."""
    items: int
    """Items given."""
    requirements: list[DonationFill] = Field(default_factory=list)
    """What the recipient's units using this item fill (items are pooled per recipient and item, so
    every donation of the item to the same recipient lists the same)."""


class TrainingUse(ResultPart):
    """Seats used in one training."""

    training: str
    """The training's id."""
    trainer: str
    """The training state."""
    capability: str
    """The capability it trains for."""
    capacity: int
    """Seats offered."""
    seats_used: int
    """Seats the plan uses."""


class DonationImpact(ResultPart):
    """What one donation the plan uses closes (``solve --donation-impact``)."""

    donation: str
    """The donation's id."""
    weighted_gap_without: float
    """The optimal weighted gap without it."""
    weighted_gap_closed: float
    """weighted_gap_without − the plan's weighted gap."""
    gap_units_closed: int
    """Units short without it − the plan's units short."""


class ModelSize(ResultPart):
    """The size of the optimisation model."""

    pairs: int
    """Eligible pledge–requirement pairs."""
    columns: int
    """Columns (variables)."""
    rows: int
    """Rows (constraints)."""
    nonzeros: int
    """Nonzero coefficients."""


class SolveSettings(ResultPart):
    """The options the plan was solved with."""

    strategy: str
    """'optimal', 'greedy' or 'sequential'."""
    solver: str
    """'highs', 'cbc' or 'auto'."""
    time_limit: float | None
    """Seconds for the whole solve; None for no limit."""
    suitability_gap: float
    """Relative gap within which the suitability stage counts as optimal."""


class ProvenObjectives(ResultPart):
    """Per ranked objective, whether the plan is proven optimal for it."""

    weighted_gap: bool
    """The priority-weighted gap (the first objective)."""
    suitability: bool
    """The suitability at that gap (the second)."""


class Result(BaseModel):
    """The result of a solve: the plan, what it leaves short and why, and how it was found."""

    model_config = ConfigDict(
        extra="forbid",
        use_attribute_docstrings=True,
        json_schema_serialization_defaults_required=True,
    )

    format_version: Literal[1] = RESULT_FORMAT_VERSION
    """The version of the result format (RESULT_FORMAT_VERSION)."""
    scenario: str
    """The scenario's name."""
    status: SolveStatus
    """Whether the plan is proven optimal for both ranked objectives."""
    strategy: str
    """'optimal', 'greedy' or 'sequential'."""
    solver: str
    """The solver that found the plan ('none' for the greedy baseline)."""
    weighted_gap: float
    """Σ weight × units short over the requirements (the first objective)."""
    gap_units: int
    """Units short over the requirements."""
    requirements: list[RequirementOutcome]
    """Every requirement, in scenario order."""
    assignments: list[Assignment]
    """The plan: units of each pledge deployed to each requirement."""
    donations: list[DonationUse]
    """Donated items given."""
    trainings: list[TrainingUse]
    """Every training and the seats the plan uses."""
    stages: list[StageReport]
    """The solve's stages."""
    solve_time: float
    """Seconds in the stages."""
    mip_gap: float | None
    """The first stage's MIP gap (optimal strategy only)."""
    suitability: float
    """Σ suitability × units (the second objective)."""
    cost: float
    """Cost of the deployed units, USD."""
    women_share: float | None
    """Share of women in the deployed personnel where pledges commit to one (None: none do)."""
    model_size: ModelSize
    """The size of the optimisation model."""
    timings: dict[str, float]
    """Seconds per phase (encode, build, greedy, the solver's phases, extract)."""
    options: SolveSettings
    """The options of the solve."""
    proven: ProvenObjectives
    """Per ranked objective, whether this plan is proven optimal for it; ``status`` is ``optimal``
    only when both are."""
    donation_impact: list[DonationImpact] | None = None
    """With --donation-impact: per used donation, the optimal weighted gap without it and the gap it
    closes."""
    manifest: Manifest | None = None
    """How to replay the run (`gapsolver replay`): gapsolver's version, the command and its options,
    the SHA-256 of each input file, the solver and its version, the seeds, the platform. Written by
    the commands; None from the Python API and in files of older versions."""

    @property
    def allocated_units(self) -> int:
        return sum(requirement.allocated for requirement in self.requirements)

    frames_builder: ClassVar[Callable[[Result], dict[str, DataFrame]] | None] = None
    """What :meth:`to_frames` calls: :func:`gapsolver.report.frames.result_frames`, set when that
    module is loaded (the reasons' words live above the schema, with the rules and the report). The
    public names that hand out results (``gapsolver.solve_scenario``, ``Result``, ``whatif``) load
    it."""

    def to_frames(self) -> dict[str, DataFrame]:
        """The result as pandas DataFrames (the ``frames`` extra), one row per element:
        ``requirements`` (per requirement outcome, with why it is short in words), ``allocation``
        (per assignment), ``donations`` (per donation use) and ``trainings`` (per training); columns
        in :mod:`gapsolver.report.frames` and docs/python-api.md."""
        import_extra("pandas", "Result.to_frames()", "pandas", "frames")
        builder = Result.frames_builder
        if builder is None:
            raise GapsolverError(
                "Result.to_frames() is built by gapsolver.report.frames, which is not loaded: "
                "solve with the public API (from gapsolver import solve_scenario), or import "
                "gapsolver.report.frames"
            )
        return builder(self)

    def to_dict(self) -> dict[str, Any]:
        """The result file's JSON: every key, ``format_version`` first."""
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, text: str | bytes) -> Result:
        """A result file's JSON read back, strictly: no value of another type is converted."""
        return cls.model_validate_json(text, strict=True)


def result_json_schema() -> dict[str, Any]:
    """The JSON Schema of result files (what :meth:`Result.to_dict` writes)."""
    return Result.model_json_schema(mode="serialization")
