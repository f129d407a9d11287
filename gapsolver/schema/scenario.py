"""Scenario schema (pydantic v2, strict).

Per-object checks live here (types, ranges, formats, one object's own consistency). Checks that need
the whole scenario — unknown ids, duplicates, dates against ``start`` — live in
:mod:`gapsolver.preprocess.consistency`, which reports every problem at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from enum import StrEnum
from typing import Annotated

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)

from gapsolver.limits import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_DAYS,
    MAX_ID_LENGTH,
    MAX_MONEY,
    MAX_QUANTITY,
    MAX_WEIGHT,
)

# --------------------------------------------------------------------------------------------------
# Reusable field types


_IDENTIFIER = re.compile(r"[\w.\-]+")
r"""Letters and digits (``str.isalnum``, any script), '_', '-' and '.': ``\w`` is exactly isalnum or '_'."""


def _check_identifier(value: str) -> str:
    if _IDENTIFIER.fullmatch(value) is None:
        raise ValueError(
            f"{value!r} is not a valid id (use letters, digits, '_', '-' and '.' only)"
        )
    return value


@functools.cache
def _is_language(code: str) -> bool:
    return pycountry.languages.get(alpha_2=code) is not None


def _check_language(value: str) -> str:
    if len(value) != 2 or not value.islower() or not _is_language(value):
        raise ValueError(f"{value!r} is not an ISO 639-1 language code (e.g. 'en', 'fr', 'ar')")
    return value


def _check_date(value: dt.date) -> dt.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(
            f"{value} is outside the dates gapsolver plans for ({EARLIEST_DATE} to {LATEST_DATE})"
        )
    return value


Identifier = Annotated[
    str, Field(strict=True, max_length=MAX_ID_LENGTH), AfterValidator(_check_identifier)
]
LanguageCode = Annotated[str, Field(strict=True), AfterValidator(_check_language)]
Count = Annotated[StrictInt, Field(ge=0, le=MAX_QUANTITY)]
PositiveCount = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]
Days = Annotated[StrictInt, Field(ge=0, le=MAX_DAYS)]
Date = Annotated[dt.date, AfterValidator(_check_date)]
Money = Annotated[float, Field(strict=True, ge=0, le=MAX_MONEY)]
Weight = Annotated[float, Field(strict=True, ge=0, le=MAX_WEIGHT)]
PositiveWeight = Annotated[float, Field(strict=True, gt=0, le=MAX_WEIGHT)]
Share = Annotated[float, Field(strict=True, ge=0, le=1)]
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180)]
Location = tuple[Latitude, Longitude]


def _unique(values: list[str]) -> list[str]:
    if len(set(values)) == len(values):
        return values
    seen: set[str] = set()
    repeated = [value for value in values if value in seen or seen.add(value)]  # type: ignore[func-returns-value]
    if repeated:
        raise ValueError(f"repeated entries: {', '.join(sorted(set(repeated)))}")
    return values


UniqueIds = Annotated[list[Identifier], AfterValidator(_unique)]
UniqueLanguages = Annotated[list[LanguageCode], AfterValidator(_unique)]


class StrictModel(BaseModel):
    """Base of every input schema: unknown keys refused, values frozen, no NaN or infinity."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False
    )


# --------------------------------------------------------------------------------------------------
# Enumerations


class Readiness(StrEnum):
    """PCRS readiness levels, in increasing order: level1 < level2 < level3 < rapid."""

    level1 = "level1"
    level2 = "level2"
    level3 = "level3"
    rapid = "rapid"


READINESS_ORDER: dict[Readiness, int] = {
    Readiness.level1: 0,
    Readiness.level2: 1,
    Readiness.level3: 2,
    Readiness.rapid: 3,
}


class Priority(StrEnum):
    """How much an unfilled unit of a requirement weighs in the primary objective."""

    critical = "critical"
    high = "high"
    normal = "normal"


class CapabilityCategory(StrEnum):
    """Personnel category of a unit type, which sets its Uniformed Gender Parity Strategy target
    for 2028: military contingents 15%, formed police units 20%, military observers and staff
    officers 25%, individual police 30%."""

    military_contingent = "military_contingent"
    formed_police_unit = "formed_police_unit"
    staff_and_observers = "staff_and_observers"
    individual_police = "individual_police"


GENDER_PARITY_TARGET_2028: dict[CapabilityCategory, float] = {
    CapabilityCategory.military_contingent: 0.15,
    CapabilityCategory.formed_police_unit: 0.20,
    CapabilityCategory.staff_and_observers: 0.25,
    CapabilityCategory.individual_police: 0.30,
}

# --------------------------------------------------------------------------------------------------
# Objects


class Capability(StrictModel):
    """A unit type missions ask for and member states pledge (e.g. a utility helicopter unit)."""

    id: Identifier
    """Unique id, referred to by requirements, pledges and trainings."""
    name: str
    """Human-readable name."""
    personnel: PositiveCount
    """Personnel per unit (e.g. 850 for an infantry battalion)."""
    category: CapabilityCategory = CapabilityCategory.military_contingent
    """Personnel category, which selects the gender parity target used in scoring."""


class MemberState(StrictModel):
    """A UN member state: contributor, donor, trainer, recipient or mission host."""

    id: Identifier
    """Unique id; ISO 3166-1 alpha-3 codes (KOR, KEN…) are recommended."""
    name: str
    """Human-readable name."""
    region: str = ""
    """Region or regional group (free text, used in reports)."""
    languages: UniqueLanguages = Field(default_factory=list)
    """Languages its units can work in, as ISO 639-1 codes."""
    location: Location | None = None
    """[latitude, longitude] of the point units deploy from (capital or main port)."""


class Mission(StrictModel):
    """A UN peace operation that states requirements."""

    id: Identifier
    """Unique id (e.g. MINUSMA)."""
    name: str
    """Full name."""
    host: Identifier
    """Member state on whose soil the mission operates; it never contributes to this mission."""
    co_hosts: UniqueIds = Field(default_factory=list)
    """Further host states (e.g. UNMOGIP: India and Pakistan); the host rule applies to each."""
    languages: UniqueLanguages = Field(default_factory=list)
    """Working languages of the mission area, as ISO 639-1 codes."""
    location: Location | None = None
    """[latitude, longitude] of the mission headquarters."""


class Requirement(StrictModel):
    """A Statement of Unit Requirement: a mission needs `quantity` units of a capability."""

    id: Identifier
    """Unique id."""
    mission: Identifier
    """Mission that needs the units."""
    capability: Identifier
    """Unit type needed."""
    quantity: PositiveCount
    """Units needed (≥ 1)."""
    priority: Priority = Priority.normal
    """critical | high | normal; weights the unfilled units in the primary objective."""
    min_readiness: Readiness | None = None
    """Lowest acceptable PCRS readiness level (default: level1, i.e. any)."""
    needed_by: Date | None = None
    """Latest date a unit may become available and still count."""
    require_language: LanguageCode | None = None
    """A language the contributing state must speak (hard rule)."""
    preferred_language: LanguageCode | None = None
    """A language that is preferred but not mandatory (scored)."""

    @property
    def readiness_needed(self) -> Readiness:
        """The lowest readiness that counts: ``min_readiness``, or level1 (any) when not given."""
        return self.min_readiness or Readiness.level1


class Caveats(StrictModel):
    """National restrictions a contributor attaches to a pledge."""

    exclude_missions: UniqueIds = Field(default_factory=list)
    """Missions this pledge must never serve."""
    only_missions: UniqueIds = Field(default_factory=list)
    """When non-empty, the only missions this pledge may serve."""

    @model_validator(mode="after")
    def _no_mission_both_excluded_and_allowed(self) -> Caveats:
        both = sorted(set(self.exclude_missions) & set(self.only_missions))
        if both:
            raise ValueError(f"missions both excluded and allowed: {', '.join(both)}")
        return self


class EquipmentNeed(StrictModel):
    """Donated equipment a conditional pledge needs before its units can deploy."""

    item: Identifier
    """Equipment item, matched against donations' `item` (e.g. utility_helicopter)."""
    per_unit: PositiveCount
    """Items each deployed unit consumes (e.g. 3 helicopters per helicopter unit)."""


class Pledge(StrictModel):
    """An offer of units by a member state, possibly conditional on donated equipment or training."""

    id: Identifier
    """Unique id."""
    state: Identifier
    """Pledging member state."""
    capability: Identifier
    """Unit type offered."""
    quantity: PositiveCount
    """Units offered (≥ 1)."""
    readiness: Readiness
    """PCRS level reached: level1 < level2 < level3 < rapid."""
    available_from: Date | None = None
    """First date the units can deploy (default: the scenario start)."""
    cost_per_unit: Money = 0.0
    """Cost to the UN of deploying one unit, USD (reimbursement plus contingent-owned equipment)."""
    women_share: Share | None = None
    """Share of women among the unit's personnel (0..1), when committed."""
    caveats: Caveats = Field(default_factory=Caveats)
    """National restrictions."""
    needs_equipment: EquipmentNeed | None = None
    """Donated equipment each unit needs (a conditional pledge)."""
    needs_training: StrictBool = False
    """Whether each unit needs a seat in a training course for its capability before deploying."""
    reliability: Share = 1.0
    """Probability that the pledge materializes (used by robustness studies, not by `solve`)."""


class Donation(StrictModel):
    """Equipment a donor offers to partner states, e.g. Korea's 16 helicopters."""

    id: Identifier
    """Unique id."""
    donor: Identifier
    """Donating member state."""
    item: Identifier
    """Equipment item (e.g. utility_helicopter)."""
    quantity: PositiveCount
    """Items offered (≥ 1)."""
    eligible_recipients: Annotated[UniqueIds, Field(min_length=1)]
    """Member states that may receive the items."""
    reliability: Share = 1.0
    """Probability that the donation materializes (robustness studies)."""


class Training(StrictModel):
    """A training partnership: a trainer prepares units of one capability for eligible trainees."""

    id: Identifier
    """Unique id."""
    trainer: Identifier
    """Member state (or partner) that delivers the training."""
    capability: Identifier
    """Capability the course prepares units for."""
    capacity: PositiveCount
    """Units it can train in the planning horizon."""
    lead_time_days: Days = 0
    """Days from the scenario start until trained units are ready."""
    cost_per_unit: Money = 0.0
    """Cost per trained unit, USD (paid by the partnership, counted against `budget`)."""
    eligible_trainees: Annotated[UniqueIds, Field(min_length=1)]
    """Member states whose units may take the course."""
    reliability: Share = 1.0
    """Probability that the training takes place (robustness studies)."""


class PriorityWeights(StrictModel):
    """Weight of one unfilled unit per priority level in the primary objective."""

    critical: PositiveWeight = 100.0
    """Weight of a critical unit."""
    high: PositiveWeight = 10.0
    """Weight of a high-priority unit."""
    normal: PositiveWeight = 1.0
    """Weight of a normal unit."""

    def of(self, priority: Priority) -> float:
        return float(getattr(self, priority.value))


class ScoreWeights(StrictModel):
    """Weights of the suitability features (each feature lies in [0, 1]) in the secondary objective."""

    readiness: Weight = 1.0
    """Readiness margin above the requirement's minimum."""
    slack: Weight = 1.0
    """Days of slack between availability and `needed_by`."""
    language: Weight = 2.0
    """Contributor speaks the requirement's preferred language."""
    distance: Weight = 0.5
    """Closeness of the contributor to the mission (great-circle distance)."""
    women: Weight = 1.0
    """Women share against the gender parity target of the unit's category."""
    cost: Weight = 1.0
    """Cheapness per unit (pledge cost plus training cost) against the scenario's dearest option."""


class Settings(StrictModel):
    """Solve settings that belong to the scenario."""

    priority_weights: PriorityWeights = Field(default_factory=PriorityWeights)
    """Weight per priority level (default critical 100, high 10, normal 1)."""
    budget: Money | None = None
    """Cap on Σ units × pledge cost_per_unit + trained units × training cost_per_unit, USD."""
    max_units_per_state_per_mission: PositiveCount | None = None
    """Cap on the units one state sends to one mission."""
    score_weights: ScoreWeights = Field(default_factory=ScoreWeights)
    """Weights of the suitability features in the secondary objective."""


class Scenario(StrictModel):
    """A force-generation scenario: what missions need and what member states offer."""

    name: str
    """Short name, used in reports."""
    description: str = ""
    """Free text: sources, assumptions, which figures are illustrative."""
    start: Date
    """Date the plan starts; every date rule is relative to it, never to the day of the solve."""
    capabilities: list[Capability] = Field(default_factory=list)
    """Unit types."""
    member_states: list[MemberState] = Field(default_factory=list)
    """Member states appearing anywhere in the scenario."""
    missions: list[Mission] = Field(default_factory=list)
    """Missions."""
    requirements: list[Requirement] = Field(default_factory=list)
    """Statements of unit requirement."""
    pledges: list[Pledge] = Field(default_factory=list)
    """Pledged units."""
    donations: list[Donation] = Field(default_factory=list)
    """Equipment donations."""
    trainings: list[Training] = Field(default_factory=list)
    """Training partnerships."""
    settings: Settings = Field(default_factory=Settings)
    """Solve settings."""
