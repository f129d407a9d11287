"""The stochastic plan on the command line: `solve --stochastic N` (a plan committed before anyone
knows which pledges materialize) and `robust --plan RESULT.json …` (committed plans judged on fresh
samples). `solve` and `robust` hand over to these when given those options."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

from rich.markup import escape

from gapsolver.cli.app import (
    Format,
    emit,
    print_warnings,
    refuse,
    stderr,
)
from gapsolver.exceptions import InputError, Problem
from gapsolver.solve.options import SolveOptions


def solve_stochastic(
    scenario: Path,
    samples: int,
    seed: int,
    cvar: float | None,
    cvar_weight: float | None,
    seats_by_state: bool,
    options: SolveOptions,
    output: Path | None,
    as_json: bool,
    fmt: Format,
) -> None:
    """`gapsolver solve --stochastic N`: the programme, its figures (SP, EEV, WS, VSS, EVPI) and
    the committed plan beside the deterministic one."""
    from gapsolver.analysis.stochastic import Cvar, stochastic_plan
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.report.stochastic import print_stochastic
    from gapsolver.schema.manifest import build_manifest

    loaded, warnings = load_scenario(scenario)
    print_warnings(warnings, str(scenario))
    risk = None if cvar is None else Cvar(cvar, 1.0 if cvar_weight is None else cvar_weight)
    with stderr.status(f"Planning {escape(loaded.name)} for {samples} samples…") as status:
        report = stochastic_plan(
            loaded,
            samples,
            seed,
            options,
            risk,
            seats_by_state,
            progress=lambda step: status.update(
                f"Planning {escape(loaded.name)} for {samples} samples: {escape(step)}…"
            ),
        )
    recorded = {
        "scenario": scenario,
        **asdict(options),
        "stochastic": samples,
        "seed": seed,
        "cvar": cvar,
        "cvar_weight": cvar_weight,
        "seats_by_state": seats_by_state,
    }
    report.manifest = build_manifest("solve", [scenario], recorded, options.solver, {"seed": seed})
    emit(report.to_dict(), output, as_json, fmt, lambda out: print_stochastic(report, out))


def robust_plans(
    scenario: Path,
    plans: list[Path],
    samples: int,
    seed: int,
    cvar: float | None,
    png: Path | None,
    output: Path | None,
    as_json: bool,
    fmt: Format,
) -> None:
    """`gapsolver robust --plan RESULT.json …`: each committed plan's first stage fixed and its
    assignments optimised in every sample; several plans on the same samples, side by side."""
    from gapsolver.analysis.stochastic import (
        compare_plans,
        evaluate_plan,
        plan_labels,
        read_plan_file,
    )
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.report.stochastic import print_plan_comparison, print_plan_evaluation
    from gapsolver.schema.manifest import build_manifest

    loaded, warnings = load_scenario(scenario)
    print_warnings(warnings, str(scenario))
    committed = []
    problems: list[Problem] = []
    for label, path in zip(plan_labels(plans), plans, strict=True):  # every file's problems
        try:
            committed.append((label, read_plan_file(path, loaded)))
        except InputError as error:
            problems.extend(
                problem if problem.source else replace(problem, source=error.source)
                for problem in error.problems
            )
    refuse(problems)
    options = SolveOptions()
    with stderr.status(
        f"Judging {len(plans)} committed plan{'s' if len(plans) > 1 else ''} on {samples} "
        f"samples of {escape(loaded.name)}…"
    ):
        if len(committed) == 1:
            evaluation = evaluate_plan(loaded, committed[0][1], samples, seed, options, cvar)
            evaluations = [evaluation]
        else:
            comparison = compare_plans(loaded, committed, samples, seed, options, cvar)
            evaluations = comparison.evaluations
    manifest = build_manifest(
        "robust",
        [scenario, *plans],
        {"scenario": scenario, "plans": plans, "samples": samples, "seed": seed, "cvar": cvar},
        None,
        {"seed": seed},
    )
    if png is not None:
        from gapsolver.report.plots import plan_distributions

        plan_distributions(evaluations, png)
    if len(committed) == 1:
        evaluation.manifest = manifest
        emit(
            evaluation.to_dict(),
            output,
            as_json,
            fmt,
            lambda out: print_plan_evaluation(evaluation, out),
        )
    else:
        comparison.manifest = manifest
        emit(
            comparison.to_dict(),
            output,
            as_json,
            fmt,
            lambda out: print_plan_comparison(comparison, out),
        )
