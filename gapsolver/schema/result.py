"""Outcomes as types: the result of a solve, its stages and its JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

RESULT_FORMAT_VERSION = 1


class SolveStatus(StrEnum):
    """``optimal``: both ranked objectives proven optimal. ``feasible``: a plan that is not proven
    optimal for both — a time limit stopped the search, or a baseline strategy (``proven`` and each
    stage say which objective is proven)."""

    optimal = "optimal"
    feasible = "feasible"


@dataclass(frozen=True)
class StageReport:
    """One stage of the lexicographic solve."""

    objective: str
    status: str
    value: float | None
    bound: float | None
    mip_gap: float | None
    seconds: float
    method: str
    """How optimality was reached: 'lp' (the LP relaxation was integral), 'lp+fix' (a MIP over the
    columns the LP left fractional met the LP bound), 'mip' (the full branch and bound)."""
    fixed_columns: int | None = None
    """Columns fixed by certified reduced costs before this stage (the optimal face of stage 1)."""


@dataclass(frozen=True)
class RequirementOutcome:
    id: str
    mission: str
    capability: str
    priority: str
    weight: float
    quantity: int
    allocated: int
    gap: int
    weighted_gap: float
    reasons: list[dict[str, Any]] = field(default_factory=list)
    """Why the gap remains: typed reasons covering every unfilled unit (see gapsolver.postprocess.reasons)."""


@dataclass(frozen=True)
class Assignment:
    pledge: str
    state: str
    requirement: str
    mission: str
    capability: str
    units: int
    training: str | None
    ready: str
    unit_cost: float
    score: float
    equipment: str | None = None
    """The donated item each unit of the pledge needs (its donations are in ``donations``)."""


@dataclass(frozen=True)
class DonationUse:
    donation: str
    donor: str
    item: str
    recipient: str
    items: int
    requirements: list[dict[str, Any]] = field(default_factory=list)
    """What the recipient's units using this item fill: {requirement, mission, units} (items are pooled
    per recipient and item, so every donation of the item to the same recipient lists the same)."""


@dataclass(frozen=True)
class TrainingUse:
    training: str
    trainer: str
    capability: str
    capacity: int
    seats_used: int


@dataclass
class Result:
    scenario: str
    status: SolveStatus
    strategy: str
    solver: str
    weighted_gap: float
    gap_units: int
    requirements: list[RequirementOutcome]
    assignments: list[Assignment]
    donations: list[DonationUse]
    trainings: list[TrainingUse]
    stages: list[StageReport]
    solve_time: float
    mip_gap: float | None
    suitability: float
    cost: float
    women_share: float | None
    model_size: dict[str, int]
    timings: dict[str, float]
    options: dict[str, Any] = field(default_factory=dict)
    proven: dict[str, bool] = field(default_factory=dict)
    """Per ranked objective (``weighted_gap``, ``suitability``), whether this plan is proven optimal
    for it; ``status`` is ``optimal`` only when both are."""
    donation_impact: list[dict[str, Any]] | None = None
    """With --donation-impact: per used donation, the optimal weighted gap without it and the gap it
    closes ({donation, weighted_gap_without, weighted_gap_closed, gap_units_closed})."""

    @property
    def allocated_units(self) -> int:
        return sum(requirement.allocated for requirement in self.requirements)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return {"format_version": RESULT_FORMAT_VERSION, **data}
