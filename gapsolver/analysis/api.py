"""The analyses as a researcher calls them from Python: typed, with the solve options optional.

The commands' analyses take what the command line has at hand (options always given, scenarios as
``(label, scenario)`` pairs); these take what a notebook has. Each calls the analysis itself and
returns its typed result; ``whatif`` is the command's sequence (apply the changes, solve both,
difference) as one call. ``robust`` needs no wrapper: :func:`gapsolver.analysis.robust.robust`.
docs/python-api.md is the tour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from gapsolver.analysis.compare import compare as compare_strategies
from gapsolver.analysis.diff import variant_diff
from gapsolver.analysis.explain import Story, explain_requirement
from gapsolver.analysis.shortfall import SCOPES, Shortfall
from gapsolver.analysis.shortfall import shortfall as shopping_list
from gapsolver.exceptions import InputError, Problem
from gapsolver.preprocess.variants import (
    Located,
    apply_changes,
    changes_from_data,
    read_variants,
    shortcuts,
)
from gapsolver.schema import Scenario
from gapsolver.schema.analysis import Comparison, VariantDiff
from gapsolver.schema.result import Result
from gapsolver.solve.options import STRATEGIES, SolveOptions
from gapsolver.solve.pipeline import solve_scenario

Names = str | Sequence[str]
"""One name, or several."""

WITHDRAWALS = {"--without-state": "without_states", "--without": "without"}
"""The arguments of :func:`whatif` that stand for the command's withdrawal options."""


def _names(names: Names) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


def _as_arguments(error: InputError, arguments: dict[str, str]) -> InputError:
    """``error`` with its problems named by the function's arguments instead of the command's
    options (``without`` rather than ``--without``)."""
    return InputError(
        [replace(p, path=arguments.get(p.path, p.path)) for p in error.problems], error.source
    )


class WhatIf(BaseModel):
    """A what-if: the base scenario's plan, the changed scenario and its plan, and the difference
    between the two plans (what ``gapsolver whatif`` prints)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    base: Result
    """The base scenario's plan."""
    scenario: Scenario
    """The scenario with the changes applied."""
    variant: Result
    """The changed scenario's plan."""
    difference: VariantDiff
    """From the base plan to the variant's: headline figures, gaps opened and closed, assignments
    moved, donations redirected, training seats, and the variants and changes applied."""


def whatif(
    scenario: Scenario,
    changes: Sequence[Mapping[str, Any]] = (),
    *,
    variants: Names = (),
    variants_file: str | Path | None = None,
    without_states: Names = (),
    without: Names = (),
    options: SolveOptions | None = None,
) -> WhatIf:
    """Solve ``scenario`` and a variant of it, and the difference.

    The variant is the scenario with, in this order: the named ``variants`` of ``variants_file``
    (each after those it extends), the ``changes`` (in the variants format of docs/variants.md,
    e.g. ``[{"remove": {"donations": ["KOR-UH-2021"]}}]``), then the withdrawals: everything
    ``without_states`` offer, and the pledges, donations or trainings named in ``without``. At least
    one change is needed. A change that does not apply raises :class:`gapsolver.InputError` with
    every problem, as ``gapsolver whatif`` does."""
    names = _names(variants)
    located: list[Located] = []
    if names:
        if variants_file is None:
            raise InputError([Problem("variants", "needs variants_file to read them from")])
        located += read_variants(variants_file).changes(names, "variants")
    elif variants_file is not None:
        raise InputError([Problem("variants", "say which variants of variants_file to apply")])
    if changes:
        located += changes_from_data(list(changes), "changes")
    try:
        located += shortcuts(scenario, _names(without_states), _names(without))
    except InputError as error:
        raise _as_arguments(error, WITHDRAWALS) from None
    if not located:
        raise InputError(
            [Problem("", "no change given: pass changes, variants, without_states or without")]
        )
    changed = apply_changes(scenario, located, str(variants_file or "changes"))
    base = solve_scenario(scenario, options)
    variant = solve_scenario(changed, options)
    difference = variant_diff(
        base, variant, names, [entry.change.model_dump(exclude_none=True) for entry in located]
    )
    return WhatIf(base=base, scenario=changed, variant=variant, difference=difference)


def compare(
    scenarios: Scenario | Sequence[Scenario] | Mapping[str, Scenario],
    strategies: Names = STRATEGIES,
    options: SolveOptions | None = None,
) -> Comparison:
    """Every scenario solved with every strategy (``optimal``, ``greedy``, ``sequential``): a row
    per scenario and strategy and a summary per strategy (:class:`gapsolver.schema.analysis.
    Comparison`). Scenarios are labelled by the mapping's keys, else by their names; ``options``
    gives the solver and time limit (its strategy is not used)."""
    if isinstance(scenarios, Scenario):
        scenarios = [scenarios]
    labelled = (
        list(scenarios.items())
        if isinstance(scenarios, Mapping)
        else [(scenario.name, scenario) for scenario in scenarios]
    )
    return compare_strategies(labelled, _names(strategies), options or SolveOptions())


def shortfall(
    scenario: Scenario,
    scope: Literal["critical", "all"] = "critical",
    options: SolveOptions | None = None,
) -> Shortfall:
    """The pledging shopping list (``gapsolver shortfall``): the fewest, then cheapest, additional
    pledges that close every critical gap (``scope="all"``: every gap) within the budget, and what
    new donations and training seats alone would close instead."""
    if scope not in SCOPES:
        raise InputError([Problem("scope", f"is 'critical' or 'all' (got {scope!r})")])
    return shopping_list(scenario, options or SolveOptions(), scope)


def explain(
    scenario: Scenario,
    requirement: str,
    *,
    verify: bool = False,
    options: SolveOptions | None = None,
) -> Story:
    """One requirement's story in the plan (``gapsolver explain``): who serves it, every eligible
    pledge and where its units went, near misses and the rules that block them, the typed reasons
    with their counterfactuals (each re-solved when ``verify``), and the partnership chains."""
    try:
        return explain_requirement(scenario, requirement, options or SolveOptions(), check=verify)
    except InputError as error:
        raise _as_arguments(error, {"--requirement": "requirement"}) from None
