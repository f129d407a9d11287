"""One requirement's story (`explain`)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from gapsolver.analysis.explain import Story
from gapsolver.preprocess.rules import words
from gapsolver.report.chains import print_chains
from gapsolver.report.common import Printer
from gapsolver.report.reasons import changes_text, reason_summary


def print_explanation(story: Story, console: Printer) -> None:
    """`gapsolver explain`: one requirement's story."""
    spec = story.requirement
    terms = [
        f"{spec.quantity} × {spec.capability} for {spec.mission}",
        f"priority {spec.priority}",
    ]
    if spec.min_readiness:
        terms.append(f"readiness ≥ {spec.min_readiness}")
    if spec.needed_by:
        terms.append(f"needed by {spec.needed_by}")
    if spec.require_language:
        terms.append(f"language {spec.require_language}")
    console.print(Text.assemble((spec.id, "bold"), ": " + ", ".join(terms)), highlight=False)
    console.print(
        Text.assemble(
            f"Allocated {spec.allocated} of {spec.quantity} in the "
            f"{story.plan.strategy} plan (weighted gap {story.plan.weighted_gap:g}); ",
            (f"{spec.gap} short", "bold red") if spec.gap else ("filled", "green"),
        ),
        highlight=False,
    )
    table = Table(title="Eligible pledges", title_justify="left")
    for column in ("pledge", "state", "quantity", "here", "free", "elsewhere"):
        table.add_column(
            column, justify="right" if column in ("quantity", "here", "free") else "left"
        )
    for entry in story.eligible_pledges:
        elsewhere = ", ".join(f"{e.requirement} ({e.priority}) {e.units}" for e in entry.elsewhere)
        table.add_row(
            entry.pledge,
            entry.state,
            str(entry.quantity),
            str(entry.units_here),
            str(entry.free_units),
            elsewhere,
        )
    console.print(table if story.eligible_pledges else "No pledge passes every rule.")
    if story.near_misses:
        table = Table(
            title="Near misses (pledges of the capability that break a rule)", title_justify="left"
        )
        for column in ("pledge", "state", "free", "blocked by", "fix"):
            table.add_column(column, justify="right" if column == "free" else "left")
        for miss in story.near_misses:
            table.add_row(
                miss.pledge,
                miss.state,
                str(miss.free_units),
                "; ".join(words(b) for b in miss.blocked_by),
                "cannot be lifted" if miss.fix is None else changes_text(miss.fix),
            )
        console.print(table)
    if story.reasons:
        table = Table(title="Why it is short", title_justify="left")
        for column in ("units", "reason", "counterfactual", "re-solved"):
            table.add_column(column, justify="right" if column == "units" else "left")
        for reason in story.reasons:
            verified = reason.verified
            checked = ""
            if verified is not None:
                checked = (
                    f"weighted gap {verified.weighted_gap_before:g} → "
                    f"{verified.weighted_gap_after:g}, gap {verified.gap_before} → "
                    f"{verified.gap_after}" + (" ✓" if verified.closes else " (not enough alone)")
                )
            table.add_row(
                str(reason.units),
                reason_summary(reason).split(": ", 1)[1],
                changes_text(reason.counterfactual),
                checked,
            )
        console.print(table)
    if story.chains:
        print_chains(story.chains, console)
