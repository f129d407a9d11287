"""The analysis commands: `explain`, `shortfall`, `whatif`, `compare`, `robust` and `diff`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from gapsolver.cli.app import (
    Format,
    FormatOption,
    JsonFlag,
    OutputOption,
    ScenarioArgument,
    Solver,
    SolverOption,
    Strategy,
    StrategyOption,
    WorkersOption,
    emit,
    finite_seconds,
    handles_errors,
    optional_output,
    print_warnings,
    refuse,
    resolve_workers,
    stderr,
)
from gapsolver.exceptions import InputError, Problem
from gapsolver.limits import (
    MAX_CVAR_LEVEL,
    MAX_SAMPLES,
    MAX_SCENARIO_FILES,
    MAX_SEED,
    MAX_STOCHASTIC_SAMPLES,
    MAX_TIME_LIMIT,
)
from gapsolver.postprocess import guard


@handles_errors
def explain(
    scenario: ScenarioArgument,
    requirement: Annotated[
        str, typer.Option("--requirement", "-r", help="Id of the requirement to explain.")
    ],
    check: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Re-solve with each reason's counterfactual applied and show what it closes.",
        ),
    ] = False,
    strategy: StrategyOption = Strategy.optimal,
    solver: SolverOption = Solver.highs,
    output: OutputOption = None,
    as_json: JsonFlag = False,
    fmt: FormatOption = Format.table,
) -> None:
    """The full story of one requirement: who serves it, every eligible pledge and where its units
    went, near misses and the rules that block them, why it is short, and what would fix it."""
    from gapsolver.analysis.explain import explain_requirement
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.report.explain import print_explanation
    from gapsolver.solve.options import SolveOptions

    guard.check_outputs([optional_output("--output", output, guard.REPORT)], [scenario])
    loaded, warnings = load_scenario(scenario)
    print_warnings(warnings, str(scenario))
    options = SolveOptions(strategy=strategy.value, solver=solver.value)
    with stderr.status(f"Solving {escape(loaded.name)} and explaining {escape(requirement)}…"):
        story = explain_requirement(loaded, requirement, options, check=check)
    emit(
        story.model_dump(mode="json"),
        output,
        as_json,
        fmt,
        lambda out: print_explanation(story, out),
    )


@handles_errors
def shortfall(
    scenario: ScenarioArgument,
    every_gap: Annotated[
        bool, typer.Option("--all", help="Close every gap, not only the critical ones.")
    ] = False,
    solver: SolverOption = Solver.highs,
    output: OutputOption = None,
    as_json: JsonFlag = False,
    fmt: FormatOption = Format.table,
) -> None:
    """The pledging shopping list: the fewest (then cheapest) additional pledges that close every
    critical gap (or every gap with --all), and what partnerships could close instead."""
    from gapsolver.analysis.shortfall import shortfall as shopping_list
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.report.shortfall import print_shortfall
    from gapsolver.solve.options import SolveOptions

    guard.check_outputs([optional_output("--output", output, guard.REPORT)], [scenario])
    loaded, warnings = load_scenario(scenario)
    print_warnings(warnings, str(scenario))
    scope = "all" if every_gap else "critical"
    with stderr.status(f"Solving {escape(loaded.name)} with candidate pledges and partnerships…"):
        report = shopping_list(loaded, SolveOptions(solver=solver.value), scope)
    emit(
        report.model_dump(mode="json"),
        output,
        as_json,
        fmt,
        lambda out: print_shortfall(report, out),
    )


@handles_errors
def whatif(
    scenario: ScenarioArgument,
    variants_file: Annotated[
        Path | None, typer.Option("--variants", "-f", help="Variants file (YAML or JSON).")
    ] = None,
    variant: Annotated[
        list[str] | None,
        typer.Option("--variant", "-v", help="A variant of the file to apply (repeat to compose)."),
    ] = None,
    without_state: Annotated[
        list[str] | None,
        typer.Option("--without-state", help="Withdraw everything a state offers (repeatable)."),
    ] = None,
    without: Annotated[
        list[str] | None,
        typer.Option(
            "--without", help="Withdraw a pledge, donation or training by id (repeatable)."
        ),
    ] = None,
    solver: SolverOption = Solver.highs,
    output: OutputOption = None,
    as_json: JsonFlag = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Solve the base scenario and a variant of it, and show what changes: weighted gap, gaps opened
    and closed, assignments moved, donations redirected."""
    from gapsolver.analysis.diff import variant_diff
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.preprocess.variants import Located, apply_changes, read_variants, shortcuts
    from gapsolver.report.diff import print_diff
    from gapsolver.schema.manifest import build_manifest
    from gapsolver.solve.options import SolveOptions
    from gapsolver.solve.pipeline import solve_scenario

    inputs = [scenario, *([variants_file] if variants_file is not None else [])]
    guard.check_outputs([optional_output("--output", output, guard.REPORT)], inputs)
    loaded, warnings = load_scenario(scenario)
    print_warnings(warnings, str(scenario))
    changes: list[Located] = []
    if variant:
        if variants_file is None:
            raise InputError([Problem("--variant", "needs --variants FILE to read it from")])
        changes += read_variants(variants_file).changes(variant)
    elif variants_file is not None:
        raise InputError([Problem("--variants", "say which variants to apply: --variant NAME")])
    changes += shortcuts(loaded, without_state or [], without or [])
    if not changes:
        raise InputError(
            [Problem("", "no change given: use --variant, --without-state or --without")]
        )
    changed = apply_changes(loaded, changes, str(variants_file or "command line"))
    options = SolveOptions(solver=solver.value)
    with stderr.status(f"Solving {escape(loaded.name)} and its variant…"):
        base = solve_scenario(loaded, options)
        other = solve_scenario(changed, options)
    difference = variant_diff(
        base,
        other,
        variant or [],
        [entry.change.model_dump(exclude_none=True) for entry in changes],
    )
    difference.manifest = build_manifest(
        "whatif",
        inputs,
        {
            "scenario": scenario,
            "variants_file": variants_file,
            "variants": variant or [],
            "without_states": without_state or [],
            "without": without or [],
            **asdict(options),
        },
        options.solver,
    )
    emit(difference.to_dict(), output, as_json, fmt, lambda out: print_diff(difference, out))


def _scenario_files(patterns: list[str]) -> list[Path]:
    """Files named or matched by globs, in order, each once; InputError for a pattern matching
    nothing."""
    from gapsolver.preprocess.load import expand_patterns

    found, unmatched = expand_patterns(patterns)
    if unmatched:
        raise InputError([Problem(patterns[index], "no file matches") for index in unmatched])
    if len(found) > MAX_SCENARIO_FILES:
        raise InputError(
            [
                Problem(
                    "",
                    f"{len(found):,} scenario files; compare reads at most {MAX_SCENARIO_FILES:,}",
                )
            ]
        )
    return found


@handles_errors
def compare(
    scenarios: Annotated[
        list[str], typer.Argument(help="Scenario files or globs.", show_default=False)
    ],
    strategies: Annotated[
        str, typer.Option(help="Comma-separated strategies: optimal, greedy, sequential.")
    ] = "optimal,greedy,sequential",
    solver: SolverOption = Solver.highs,
    time_limit: Annotated[
        float | None,
        typer.Option(
            min=0.001, max=MAX_TIME_LIMIT, callback=finite_seconds, help="Seconds per solve."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the rows as CSV (.csv) or everything as JSON (.json)."
        ),
    ] = None,
    as_json: JsonFlag = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Solve every scenario with every strategy: weighted gap, unfilled units by priority, cost,
    women share, solve time, and a summary per strategy against the optimum."""
    from rich.progress import Progress

    from gapsolver.analysis.compare import compare as run_compare
    from gapsolver.postprocess.write import write_csv_atomic
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.report.compare import print_compare
    from gapsolver.schema.manifest import build_manifest
    from gapsolver.solve.options import STRATEGIES, SolveOptions

    chosen = [name.strip() for name in strategies.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in STRATEGIES]
    if unknown or not chosen:
        raise InputError(
            [
                Problem(
                    "--strategies",
                    f"unknown strategy {name!r} (choose from {', '.join(STRATEGIES)})",
                )
                for name in unknown
            ]
            or [Problem("--strategies", "no strategy given")]
        )
    files = _scenario_files(scenarios)
    guard.check_outputs([optional_output("--output", output, (*guard.CSV, *guard.REPORT))], files)
    loaded = []
    problems: list[Problem] = []
    for path in files:
        try:
            loaded.append((str(path), load_scenario(path)[0]))
        except InputError as error:
            problems += [
                Problem(p.path, p.message, p.line, p.source or error.source or str(path))
                for p in error.problems
            ]
    if problems:
        raise InputError(problems)
    options = SolveOptions(solver=solver.value, time_limit=time_limit)
    with Progress(console=stderr, transient=True) as bar:
        task = bar.add_task("Solving", total=len(loaded) * len(chosen))
        comparison = run_compare(
            loaded, chosen, options, progress=lambda done, total: bar.update(task, completed=done)
        )
    settings = {name: value for name, value in asdict(options).items() if name != "strategy"}
    comparison.manifest = build_manifest(
        "compare",
        files,
        {"scenarios": files, "strategies": chosen, **settings},
        options.solver,
    )
    json_output = output
    if output is not None and output.suffix.lower() == ".csv":
        write_csv_atomic(output, [row.to_dict() for row in comparison.rows])
        json_output = None

    def sheets() -> list[Any]:
        from gapsolver.report.workbook import rows_sheet

        return [
            rows_sheet("runs", [row.to_dict() for row in comparison.rows]),
            rows_sheet("by strategy", [summary.to_dict() for summary in comparison.summary]),
        ]

    emit(
        comparison.to_dict(),
        json_output,
        as_json,
        fmt,
        lambda out: print_compare(comparison, out),
        sheets,
    )
    if json_output is None and output is not None and not as_json:
        stderr.print(f"Written to {escape(str(output))}", highlight=False, soft_wrap=True)


@handles_errors
def robust(
    scenario: ScenarioArgument,
    samples: Annotated[
        int, typer.Option(min=1, max=MAX_SAMPLES, help="Sampled scenarios to solve.")
    ] = 100,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="Random seed: same seed, same numbers.")
    ] = 0,
    workers: WorkersOption = None,
    solver: SolverOption = Solver.highs,
    png: Annotated[
        Path | None,
        typer.Option(
            "--png",
            help="Also draw the distribution of the weighted gap (.png, .svg or .pdf).",
        ),
    ] = None,
    plans: Annotated[
        list[Path] | None,
        typer.Option(
            "--plan",
            metavar="FILE",
            help="Judge this committed plan instead (a `solve -o` result or a `solve --stochastic "
            "-o` report): its pledges called forward, items and seats fixed, only the "
            "assignments re-optimised per sample. Repeat to compare plans on the same samples.",
            show_default=False,
        ),
    ] = None,
    cvar: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=MAX_CVAR_LEVEL,
            metavar="ALPHA",
            help="With --plan: also the CVaR at level ALPHA (the mean of the worst 1 − ALPHA "
            "share of samples).",
        ),
    ] = None,
    output: OutputOption = None,
    as_json: JsonFlag = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Draw scenarios where each pledge, donation and training materializes with its reliability;
    solve each; report the distribution of the weighted gap and how often each requirement ends
    short. With --plan, judge committed plans on the samples instead."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from gapsolver.analysis.robust import robust as run_robust
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.report.robust import print_robust
    from gapsolver.schema.manifest import build_manifest
    from gapsolver.solve.options import SolveOptions

    guard.check_outputs(
        [
            optional_output("--png", png, guard.IMAGE),
            optional_output("--output", output, guard.REPORT),
        ],
        [scenario, *(plans or [])],
    )
    if png is not None:
        from gapsolver.report.plots import pyplot

        pyplot("--png")  # without the `plots` extra, say so before the sampling, not after it
    if plans:
        from gapsolver.cli.stochastic import robust_plans

        refuse(
            [
                Problem(option, "not with --plan (each sample is a small re-solve on HiGHS)")
                for option, given in (
                    ("--workers", workers is not None),
                    ("--solver", solver is not Solver.highs),
                )
                if given
            ]
            + (
                [Problem("--samples", f"at most {MAX_STOCHASTIC_SAMPLES:,} with --plan")]
                if samples > MAX_STOCHASTIC_SAMPLES
                else []
            )
        )
        robust_plans(scenario, plans, samples, seed, cvar, png, output, as_json, fmt)
        return
    if cvar is not None:
        raise InputError([Problem("--cvar", "only with --plan")])
    worker_count = resolve_workers(workers)
    loaded, warnings = load_scenario(scenario)
    print_warnings(warnings, str(scenario))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task(f"Sampling {escape(loaded.name)}", total=samples)
        options = SolveOptions(solver=solver.value)
        report = run_robust(
            loaded,
            samples,
            seed,
            options,
            workers=worker_count,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    report.manifest = build_manifest(
        "robust",
        [scenario],
        {"scenario": scenario, "samples": samples, "seed": seed, "workers": workers}
        | asdict(options),
        options.solver,
        {"seed": seed},
    )
    if png is not None:
        from gapsolver.report.plots import robust_histogram

        robust_histogram(report, png)
    emit(report.to_dict(), output, as_json, fmt, lambda out: print_robust(report, out))


@handles_errors
def diff(
    result_a: Annotated[
        Path, typer.Argument(help="The first result JSON (the baseline).", show_default=False)
    ],
    result_b: Annotated[Path, typer.Argument(help="The second result JSON.", show_default=False)],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the difference as JSON (atomically)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the difference as JSON.")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """What changed from plan A to plan B: gaps opened and closed, assignments moved, donations
    redirected, training seats, headline figures."""
    from gapsolver.analysis.diff import diff_results, read_results
    from gapsolver.report.diff import print_diff

    guard.check_outputs([optional_output("--output", output, guard.REPORT)], [result_a, result_b])
    first, second = read_results([result_a, result_b])
    if first.scenario != second.scenario:
        stderr.print(
            f"[yellow]warning:[/yellow] comparing plans of different scenarios "
            f"({escape(first.scenario)} and {escape(second.scenario)})",
            highlight=False,
            soft_wrap=True,
        )
    difference = diff_results(first, second)
    emit(difference.to_dict(), output, as_json, fmt, lambda out: print_diff(difference, out))
