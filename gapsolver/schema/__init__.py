"""The scenario schema: strict pydantic models for everything a scenario file may hold."""

from gapsolver.schema.scenario import (
    READINESS_ORDER,
    Capability,
    CapabilityCategory,
    Caveats,
    Donation,
    EquipmentNeed,
    MemberState,
    Mission,
    Pledge,
    Priority,
    Readiness,
    Requirement,
    Scenario,
    ScoreWeights,
    Settings,
    Training,
)

__all__ = [
    "READINESS_ORDER",
    "Capability",
    "CapabilityCategory",
    "Caveats",
    "Donation",
    "EquipmentNeed",
    "MemberState",
    "Mission",
    "Pledge",
    "Priority",
    "Readiness",
    "Requirement",
    "Scenario",
    "ScoreWeights",
    "Settings",
    "Training",
]
