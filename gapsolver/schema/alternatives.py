"""What `gapsolver alternatives` returns: several good plans that differ where it matters."""

from __future__ import annotations

from typing import Literal

from gapsolver.schema.analysis import AnalysisOutput
from gapsolver.schema.manifest import Manifest
from gapsolver.schema.result import Result

Diversify = Literal["assignments", "states", "donors"]


class Differences(AnalysisOutput):
    """What distinguishes a plan from the first (the optimal plan)."""

    states_added: list[str]
    """States that deploy units in this plan and not in the first."""
    states_dropped: list[str]
    """States that deploy units in the first plan and not in this one."""
    gifts_added: list[str]
    """Donated items to a recipient (``DONATION→STATE``) this plan gives and the first does not."""
    gifts_dropped: list[str]
    """Donated items to a recipient the first plan gives and this one does not."""
    missions_changed: list[str]
    """Missions served by a different set of (state, units) than in the first plan."""
    units_moved: int
    """Σ |units of each (pledge, training, requirement) here − in the first plan|."""


class AlternativePlan(AnalysisOutput):
    """One plan: its result (checked against every rule) and how it differs from the first."""

    index: int
    """1 for the optimal plan, then in the order found."""
    overlap: float
    """The diversity objective it reached: units (or gifts) on what earlier plans used, counted once
    per earlier plan using it (0 for the first plan)."""
    differences: Differences
    result: Result


class Alternatives(AnalysisOutput):
    """K plans within the slack of the optimal weighted gap, each as different as possible from
    those before it."""

    scenario: str
    asked: int
    """How many plans were asked for."""
    slack: float
    """ε: each plan's weighted gap is at most (1 + ε) × the optimum."""
    diversify: Diversify
    """What the plans are made to differ in."""
    optimum: float
    """The optimal weighted gap."""
    bound: float
    """The weighted gap no plan exceeds: (1 + ε) × the optimum."""
    kept: list[str]
    """States and pledges whose assignments are pinned to the optimal plan's (``--keep``)."""
    exhausted: bool
    """True when fewer than ``asked`` distinct plans exist within the bound (every one is listed)."""
    timed_out: bool = False
    """True when the time limit stopped the search before ``asked`` plans (more may exist); a
    plan found when time ran out may not have the least overlap (its stage says so)."""
    plans: list[AlternativePlan]
    distances: list[list[int]]
    """Pairwise Σ |units of each (pledge, training, requirement)| between the plans."""
    seconds: float
    manifest: Manifest | None = None
    """How the command ran, for ``gapsolver replay`` (set by the command line)."""
