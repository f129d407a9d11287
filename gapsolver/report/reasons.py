"""Words for a plan's reasons: one line per reason, a change list (a blocking rule's words are the
rule's own: :func:`gapsolver.preprocess.rules.words`)."""

from __future__ import annotations

from typing import Any

from gapsolver.preprocess.rules import words
from gapsolver.schema.reasons import (
    BudgetSpent,
    CapacityUsedElsewhere,
    NoEligiblePledge,
    PrerequisiteShort,
    Reason,
    StateMissionCap,
)


def reason_summary(reason: Reason) -> str:
    """One line per reason for the solve table."""
    units = reason.units
    if isinstance(reason, NoEligiblePledge):
        misses = reason.near_misses
        if not misses:
            return f"{units}: no pledge of this capability"
        # the near miss the counterfactual lifts (a free one), else the closest
        nearest = next((m for m in misses if m.fix == reason.counterfactual), misses[0])
        rules = "; ".join(words(b) for b in nearest.blocked_by)
        return f"{units}: no eligible pledge — nearest {nearest.pledge} ({rules})"
    if isinstance(reason, CapacityUsedElsewhere):
        taken = [
            f"{t.requirement} ({t.priority})" for entry in reason.pledges for t in entry.taken_by
        ]
        shown = ", ".join(dict.fromkeys(taken))
        return f"{units}: eligible pledges serve {shown}"
    if isinstance(reason, PrerequisiteShort):
        needs = []
        for entry in reason.pledges:
            if entry.training is not None:
                needs.append(f"{entry.pledge} needs a seat on {entry.training.training}")
            if entry.equipment is not None:
                needs.append(f"{entry.pledge} needs {entry.equipment.item}")
        return (
            f"{units}: prerequisite short — "
            + "; ".join(needs[:3])
            + (" …" if len(needs) > 3 else "")
        )
    if isinstance(reason, BudgetSpent):
        return f"{units}: budget spent ({reason.spent:,.0f} of {reason.budget:,.0f})"
    if isinstance(reason, StateMissionCap):
        states = ", ".join(dict.fromkeys(entry.state for entry in reason.pledges))
        return f"{units}: cap of {reason.cap} units per state per mission ({states})"
    return f"{units}: eligible pledges left unused by this plan (not optimal)"


def changes_text(changes: list[dict[str, Any]]) -> str:
    parts = []
    for change in changes:
        for operation, arguments in change.items():
            for key, value in arguments.items():
                parts.append(f"{operation} {key} {value}")
    return "; ".join(parts) if parts else "—"
