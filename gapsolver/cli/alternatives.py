"""`gapsolver alternatives`: several good plans that differ where it matters, to negotiate with."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from gapsolver.cli.app import (
    Format,
    FormatOption,
    JsonFlag,
    OutputOption,
    ScenarioArgument,
    TimeLimitOption,
    emit,
    handles_errors,
    optional_output,
    print_warnings,
    stderr,
)
from gapsolver.postprocess import guard
from gapsolver.postprocess.guard import Output

_PLAN_FILE = re.compile(r"plan-\d+\.json")


class Diversity(StrEnum):
    assignments = "assignments"
    states = "states"
    donors = "donors"


def _plan_folder(path: Path) -> bool:
    """Whether ``path`` holds nothing but plan files an earlier run wrote (then it may be replaced)."""
    return path.is_dir() and all(_PLAN_FILE.fullmatch(entry.name) for entry in path.iterdir())


@handles_errors
def alternatives(
    scenario: ScenarioArgument,
    count: Annotated[int, typer.Option("-n", min=1, max=100, help="How many plans.")] = 3,
    slack: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=10.0,
            help="ε: each plan's weighted gap at most (1 + ε) × the optimum (0: distinct optimal "
            "plans).",
        ),
    ] = 0.05,
    diversify: Annotated[
        Diversity,
        typer.Option(
            help="What the plans differ in: assignments, states (per requirement) or donors."
        ),
    ] = Diversity.assignments,
    keep: Annotated[
        list[str] | None,
        typer.Option(
            "--keep",
            help="A state or pledge whose assignments stay as in the optimal plan (repeatable).",
        ),
    ] = None,
    plans_folder: Annotated[
        Path | None,
        typer.Option(
            "--plans",
            help="Also write each plan as a result file (plan-1.json …) in this new folder, for "
            "`gapsolver diff` and `gapsolver report`.",
        ),
    ] = None,
    time_limit: TimeLimitOption = None,
    output: OutputOption = None,
    as_json: JsonFlag = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Several plans within a slack of the optimal weighted gap, each as different as possible from
    those before it (modelling to generate alternatives); every plan checked against every rule."""
    from gapsolver.analysis.alternatives import alternatives as find_alternatives
    from gapsolver.postprocess.write import json_text, write_folder_atomic
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.report.alternatives import print_alternatives
    from gapsolver.solve.options import SolveOptions

    guard.check_outputs(
        [
            optional_output("--output", output, guard.REPORT),
            None
            if plans_folder is None
            else Output("--plans", plans_folder, (guard.FOLDER,), _plan_folder),
        ],
        [scenario],
    )
    loaded, warnings = load_scenario(scenario)
    print_warnings(warnings, str(scenario))
    with stderr.status(f"Finding {count} plans for {escape(loaded.name)}…"):
        found = find_alternatives(
            loaded,
            count,
            slack,
            diversify.value,
            keep or [],
            SolveOptions(time_limit=time_limit),
        )
    from dataclasses import asdict

    from gapsolver.schema.manifest import build_manifest

    options = SolveOptions(time_limit=time_limit)
    found.manifest = build_manifest(
        "alternatives",
        [scenario],
        {
            "scenario": str(scenario),
            "count": count,
            "slack": slack,
            "diversify": diversify.value,
            "keep": sorted(set(keep or [])),
            **asdict(options),
        },
        options.solver,
    )
    if plans_folder is not None:
        write_folder_atomic(
            plans_folder,
            {f"plan-{plan.index}.json": json_text(plan.result.to_dict()) for plan in found.plans},
        )
    emit(found.to_dict(), output, as_json, fmt, lambda out: print_alternatives(found, out))
