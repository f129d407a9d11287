"""Words for a plan's reasons: the rules that block a pledge, one line per reason, a change list."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from gapsolver.preprocess.rules import words
from gapsolver.schema.reasons import BlockedRule

_BLOCKED: TypeAdapter[BlockedRule] = TypeAdapter(BlockedRule)


def rule_text(blocked: dict[str, Any]) -> str:
    """One blocking rule of a near miss, briefly (in the rule's own words)."""
    return words(_BLOCKED.validate_python(blocked))


def reason_summary(reason: dict[str, Any]) -> str:
    """One line per reason for the solve table."""
    kind, units = reason["type"], reason["units"]
    if kind == "no_eligible_pledge":
        misses = reason["near_misses"]
        if not misses:
            return f"{units}: no pledge of this capability"
        # the near miss the counterfactual lifts (a free one), else the closest
        nearest = next((m for m in misses if m["fix"] == reason["counterfactual"]), misses[0])
        rules = "; ".join(rule_text(b) for b in nearest["blocked_by"])
        return f"{units}: no eligible pledge — nearest {nearest['pledge']} ({rules})"
    pledges = reason["pledges"]
    if kind == "capacity_used_elsewhere":
        taken = [
            f"{t['requirement']} ({t['priority']})" for entry in pledges for t in entry["taken_by"]
        ]
        shown = ", ".join(dict.fromkeys(taken))
        return f"{units}: eligible pledges serve {shown}"
    if kind == "prerequisite_short":
        needs = []
        for entry in pledges:
            if "training" in entry:
                needs.append(f"{entry['pledge']} needs a seat on {entry['training']['training']}")
            if "equipment" in entry:
                needs.append(f"{entry['pledge']} needs {entry['equipment']['item']}")
        return (
            f"{units}: prerequisite short — "
            + "; ".join(needs[:3])
            + (" …" if len(needs) > 3 else "")
        )
    if kind == "budget":
        return f"{units}: budget spent ({reason['spent']:,.0f} of {reason['budget']:,.0f})"
    if kind == "max_units_per_state_per_mission":
        states = ", ".join(dict.fromkeys(entry["state"] for entry in pledges))
        return f"{units}: cap of {reason['cap']} units per state per mission ({states})"
    return f"{units}: eligible pledges left unused by this plan (not optimal)"


def changes_text(changes: list[dict[str, Any]]) -> str:
    parts = []
    for change in changes:
        for operation, arguments in change.items():
            for key, value in arguments.items():
                parts.append(f"{operation} {key} {value}")
    return "; ".join(parts) if parts else "—"
