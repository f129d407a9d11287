"""What blocks a pledge from a requirement, as types: one model per hard rule, told apart by ``rule``.

A near miss lists the rules that block its best option; each entry is one of these. The rules
themselves — their test, this detail, the fix and the words — are in :mod:`gapsolver.preprocess.rules`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

Changes = list[dict[str, dict[str, Any]]]
"""Changes in the variants format (``[{"set": {TARGET: value}}, {"append": …}]``), as a counterfactual
or a fix; :func:`gapsolver.preprocess.variants.changes_from_data` reads them."""


class _Detail(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CapabilityBlock(_Detail):
    rule: Literal["capability"] = "capability"
    capability: str
    required: str


class ReadinessBlock(_Detail):
    rule: Literal["readiness"] = "readiness"
    readiness: str
    required: str


class HostBlock(_Detail):
    rule: Literal["host"] = "host"
    mission: str


class CaveatExcludeBlock(_Detail):
    rule: Literal["caveat_exclude"] = "caveat_exclude"
    mission: str


class CaveatOnlyBlock(_Detail):
    rule: Literal["caveat_only"] = "caveat_only"
    mission: str
    only_missions: list[str]


class LanguageBlock(_Detail):
    rule: Literal["language"] = "language"
    language: str
    state: str


class DateBlock(_Detail):
    rule: Literal["date"] = "date"
    ready: str
    needed_by: str
    days_late: int
    training: str | None
    """The course whose lead time sets the ready date, if any."""


class EquipmentBlock(_Detail):
    rule: Literal["equipment"] = "equipment"
    item: str
    state: str


class TrainingBlock(_Detail):
    rule: Literal["training"] = "training"
    capability: str


BlockedRule = Annotated[
    CapabilityBlock
    | ReadinessBlock
    | HostBlock
    | CaveatExcludeBlock
    | CaveatOnlyBlock
    | LanguageBlock
    | DateBlock
    | EquipmentBlock
    | TrainingBlock,
    Field(discriminator="rule"),
]
"""One rule that blocks a pledge's best option for a requirement, with what it found."""


# ---------------------------------------------------------------------------------------------------
# Why a requirement is short: the reasons, one model per type, told apart by ``type``


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NearMiss(_Part):
    """A pledge of the capability that no option lets serve the requirement."""

    pledge: str
    state: str
    quantity: int
    free_units: int
    blocked_by: list[BlockedRule]
    """The rules that block its best option (fewest broken, then least late)."""
    fix: Changes | None
    """Changes that lift every one of them; None when one cannot be lifted."""


class TakenBy(_Part):
    """A requirement that holds units of an eligible pledge."""

    requirement: str
    mission: str
    priority: str
    units: int
    other_blockers: list[str]
    """What else would stop one of those units moving here."""


class TrainingSeats(_Part):
    training: str
    capacity: int
    seats_used: int


class DonationLeft(_Part):
    donation: str
    quantity: int
    left: int


class EquipmentShort(_Part):
    item: str
    per_unit: int
    items_available: int
    donations: list[DonationLeft]


class BlockedPledge(_Part):
    """Free units of an eligible pledge, and what blocks them (the fields of its blockers only)."""

    pledge: str
    state: str
    free_units: int
    other_blockers: list[str] | None = None
    """Other reason types that also block these units (absent for a unit nothing blocks)."""
    training: TrainingSeats | None = None
    equipment: EquipmentShort | None = None
    unit_cost: float | None = None
    mission: str | None = None
    units_in_mission: int | None = None

    @model_serializer(mode="wrap")
    def _present_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None}


class MovedPledge(_Part):
    """Units of an eligible pledge serving other requirements."""

    pledge: str
    state: str
    units_elsewhere: int
    taken_by: list[TakenBy]
    other_blockers: list[str]


class Verified(_Part):
    """A counterfactual re-solved (``explain --verify``)."""

    weighted_gap_before: float
    weighted_gap_after: float
    gap_before: int
    gap_after: int
    closes: bool


class _Reason(_Part):
    units: int
    """Missing units this reason accounts for (all reasons together cover the gap)."""
    counterfactual: Changes
    """Changes (variants format) that remove the cause for those units."""
    verified: Verified | None = None

    @model_serializer(mode="wrap")
    def _unverified_without_key(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("verified") is None:
            data.pop("verified", None)
        return data


class NoEligiblePledge(_Reason):
    type: Literal["no_eligible_pledge"]
    eligible_pledges: list[str]
    near_misses: list[NearMiss]
    more_near_misses: int


class CapacityUsedElsewhere(_Reason):
    type: Literal["capacity_used_elsewhere"]
    pledges: list[MovedPledge]


class PrerequisiteShort(_Reason):
    type: Literal["prerequisite_short"]
    pledges: list[BlockedPledge]


class BudgetSpent(_Reason):
    type: Literal["budget"]
    pledges: list[BlockedPledge]
    budget: float
    spent: float


class StateMissionCap(_Reason):
    type: Literal["max_units_per_state_per_mission"]
    pledges: list[BlockedPledge]
    cap: int


class NotChosen(_Reason):
    type: Literal["not_chosen"]
    pledges: list[BlockedPledge]


Reason = Annotated[
    NoEligiblePledge
    | CapacityUsedElsewhere
    | PrerequisiteShort
    | BudgetSpent
    | StateMissionCap
    | NotChosen,
    Field(discriminator="type"),
]
"""Why units of a requirement are missing (see :mod:`gapsolver.postprocess.reasons`)."""
