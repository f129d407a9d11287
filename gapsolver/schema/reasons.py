"""What blocks a pledge from a requirement, as types: one model per hard rule, told apart by ``rule``.

A near miss lists the rules that block its best option; each entry is one of these. The rules
themselves — their test, this detail, the fix and the words — are in :mod:`gapsolver.preprocess.rules`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
