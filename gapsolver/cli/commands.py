"""The `gapsolver` command. Thin: every command only calls the library.

Exit codes: 0 success; 1 solver or output failure; 2 bad input or bad usage (located by file, line
and path); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM); 141 the reader of stdout went away.
Every file a command is asked to write is checked before any work (gapsolver.postprocess.guard).
"""

from __future__ import annotations

import functools
import json
import math
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from gapsolver.exceptions import (
    GapsolverError,
    InputError,
    Interrupted,
    Problem,
    raise_if_stopped,
    stop_on_signal,
)
from gapsolver.limits import (
    MAX_SAMPLES,
    MAX_SCENARIO_FILES,
    MAX_SEED,
    MAX_TIME_LIMIT,
    MAX_WORKERS,
)
from gapsolver.postprocess import guard
from gapsolver.postprocess.guard import Output
from gapsolver.report.console import PipeConsole

app = typer.Typer(
    name="gapsolver",
    help="Close capability gaps in UN peacekeeping: match pledges and partnerships to mission "
    "requirements with a ranked mixed-integer model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

stdout = PipeConsole(markup=False, emoji=False)
stderr = Console(stderr=True, emoji=False)

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
EXIT_CLOSED_PIPE = 141


class Solver(StrEnum):
    highs = "highs"
    cbc = "cbc"
    auto = "auto"


class Strategy(StrEnum):
    optimal = "optimal"
    greedy = "greedy"
    sequential = "sequential"


class Format(StrEnum):
    table = "table"
    csv = "csv"
    markdown = "markdown"


class _State:
    debug = False


ScenarioArgument = Annotated[
    Path, typer.Argument(help="Scenario file (YAML or JSON).", show_default=False)
]


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    _State.debug = debug


def _quiet_stdout() -> None:
    """The reader of stdout has gone: send what is left to /dev/null, so that nothing (not even
    Python's final flush) complains."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _interruption(interrupt: KeyboardInterrupt) -> tuple[str, int]:
    """What stopped the run and its exit code: SIGTERM (143) or Ctrl-C (130)."""
    if isinstance(interrupt, Interrupted) and interrupt.signal_number == signal.SIGTERM:
        return "terminated", EXIT_TERMINATED
    return "interrupted", EXIT_INTERRUPTED


@contextmanager
def _reporting_errors() -> Iterator[None]:
    """Turn errors into a short message and an exit code; a traceback only with --debug. An
    interrupt says so and exits 130 (SIGINT) or 143 (SIGTERM), having written nothing."""
    try:
        yield
        raise_if_stopped()  # a signal whose exception was swallowed on the way still stops the run
    except GapsolverError as error:
        if _State.debug:
            traceback.print_exc()
        stderr.print(f"[red]error:[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
        raise typer.Exit(error.exit_code) from None
    except BrokenPipeError:
        _quiet_stdout()
        raise typer.Exit(EXIT_CLOSED_PIPE) from None
    except KeyboardInterrupt as interrupt:
        word, code = _interruption(interrupt)
        stderr.print(f"[yellow]{word}[/yellow] (no output written)", highlight=False)
        raise typer.Exit(code) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as error:
        if _State.debug:
            raise
        stderr.print(
            f"[red]internal error:[/red] {escape(f'{type(error).__name__}: {error}')} "
            "(run with --debug for the traceback, and please report it)",
            highlight=False,
        )
        raise typer.Exit(3) from None


def _handles_errors(command: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        with _reporting_errors():
            command(*args, **kwargs)

    return run


def _output(option: str, path: Path | None, formats: tuple[str, ...]) -> Output | None:
    return None if path is None else Output(option, path, formats)


WARNINGS_SHOWN = 10


def _print_warnings(
    warnings: list[Problem], source: str, limit: int | None = WARNINGS_SHOWN
) -> None:
    """Warnings on stderr: the first ``limit`` of them (all with None) and how many more there are."""
    shown = warnings if limit is None else warnings[:limit]
    for warning in shown:
        stderr.print(
            f"[yellow]warning:[/yellow] {escape(warning.render(source))}",
            highlight=False,
            soft_wrap=True,
        )
    if len(warnings) > len(shown):
        stderr.print(
            f"[yellow]warning:[/yellow] … and {len(warnings) - len(shown)} more "
            f"(`gapsolver validate {escape(source)}` lists them all)",
            highlight=False,
            soft_wrap=True,
        )


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number of seconds")
    return value


SolverOption = Annotated[
    Solver,
    typer.Option(help="MILP solver; auto races HiGHS and CBC and keeps the first proven optimum."),
]
StrategyOption = Annotated[
    Strategy,
    typer.Option(
        help="optimal: the lexicographic MILP; greedy: the hand-planning baseline; sequential: "
        "missions in priority order, each solved alone."
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the JSON to this .json file (atomically)."),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON to stdout instead of tables.")]
FormatOption = Annotated[
    Format,
    typer.Option(
        "--format",
        help="How tables are printed: table (a terminal; full width when piped), csv or markdown.",
    ),
]
TimeLimitOption = Annotated[
    float | None,
    typer.Option(
        min=0.001,
        max=MAX_TIME_LIMIT,
        callback=_finite,
        help="Seconds for the whole lexicographic solve; status 'feasible' if hit.",
    ),
]


@app.command()
@_handles_errors
def validate(scenario: ScenarioArgument) -> None:
    """Check a scenario file without solving it."""
    from gapsolver.preprocess.load import load_scenario

    loaded, warnings = load_scenario(scenario)
    _print_warnings(warnings, str(scenario), limit=None)
    stdout.print(
        f"{scenario}: valid — {len(loaded.missions)} missions, {len(loaded.requirements)} "
        f"requirements, {len(loaded.pledges)} pledges, {len(loaded.donations)} donations, "
        f"{len(loaded.trainings)} trainings",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
@_handles_errors
def solve(
    scenario: ScenarioArgument,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the result as JSON to this .json file (atomically)."
        ),
    ] = None,
    strategy: StrategyOption = Strategy.optimal,
    solver: SolverOption = Solver.highs,
    time_limit: TimeLimitOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result JSON to stdout instead of tables.")
    ] = False,
    impact: Annotated[
        bool,
        typer.Option(
            "--donation-impact",
            help="Also solve without each donation the plan uses: the weighted gap it closes.",
        ),
    ] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Find the allocation with the smallest priority-weighted gap, then the most suitable one."""
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.report.result import print_result
    from gapsolver.solve.options import SolveOptions
    from gapsolver.solve.pipeline import solve_scenario

    guard.check_outputs([_output("--output", output, guard.JSON)], [scenario])
    options = SolveOptions(strategy=strategy.value, solver=solver.value, time_limit=time_limit)
    loaded, warnings = load_scenario(scenario)
    _print_warnings(warnings, str(scenario))
    with stderr.status(
        f"Solving {escape(loaded.name)} with {solver.value}: weighted gap, then suitability…"
    ):
        result = solve_scenario(loaded, options)
    if impact:
        from gapsolver.analysis.dependence import donation_impact

        with stderr.status("Solving without each donation the plan uses…"):
            result.donation_impact = donation_impact(loaded, result, options)
    _emit(result.to_dict(), output, as_json, fmt, lambda out: print_result(result, out))


def _write_stdout(text: str, chunk: int = 1 << 15) -> None:
    """Write to stdout in pieces, each flushed: a reader that goes away (``| head``) is noticed at
    the next piece, however the system reports a write cut short."""
    for begin in range(0, len(text), chunk):
        sys.stdout.write(text[begin : begin + chunk])
        sys.stdout.flush()


def _emit(
    data: dict[str, Any],
    output: Path | None,
    as_json: bool,
    fmt: Format,
    show: Callable[[Any], None],
) -> None:
    """Write JSON to ``output`` (atomically), then print JSON or the tables."""
    from gapsolver.postprocess.write import json_text, write_json_atomic
    from gapsolver.report.common import printer

    if output is not None:
        write_json_atomic(output, data)
    if as_json:
        _write_stdout(json_text(data))
    else:
        show(printer(fmt.value))
        if output is not None:
            stderr.print(f"Written to {escape(str(output))}", highlight=False, soft_wrap=True)
        sys.stdout.flush()


@app.command()
@_handles_errors
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

    guard.check_outputs([_output("--output", output, guard.JSON)], [scenario])
    loaded, warnings = load_scenario(scenario)
    _print_warnings(warnings, str(scenario))
    options = SolveOptions(strategy=strategy.value, solver=solver.value)
    with stderr.status(f"Solving {escape(loaded.name)} and explaining {escape(requirement)}…"):
        story = explain_requirement(loaded, requirement, options, check=check)
    _emit(
        story.model_dump(mode="json"),
        output,
        as_json,
        fmt,
        lambda out: print_explanation(story, out),
    )


@app.command()
@_handles_errors
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

    guard.check_outputs([_output("--output", output, guard.JSON)], [scenario])
    loaded, warnings = load_scenario(scenario)
    _print_warnings(warnings, str(scenario))
    scope = "all" if every_gap else "critical"
    with stderr.status(f"Solving {escape(loaded.name)} with candidate pledges and partnerships…"):
        report = shopping_list(loaded, SolveOptions(solver=solver.value), scope)
    _emit(
        report.model_dump(mode="json"),
        output,
        as_json,
        fmt,
        lambda out: print_shortfall(report, out),
    )


@app.command()
@_handles_errors
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
    from gapsolver.solve.options import SolveOptions
    from gapsolver.solve.pipeline import solve_scenario

    inputs = [scenario, *([variants_file] if variants_file is not None else [])]
    guard.check_outputs([_output("--output", output, guard.JSON)], inputs)
    loaded, warnings = load_scenario(scenario)
    _print_warnings(warnings, str(scenario))
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
    _emit(difference.to_dict(), output, as_json, fmt, lambda out: print_diff(difference, out))


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


@app.command()
@_handles_errors
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
        typer.Option(min=0.001, max=MAX_TIME_LIMIT, callback=_finite, help="Seconds per solve."),
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
    guard.check_outputs([_output("--output", output, (*guard.CSV, *guard.JSON))], files)
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
    json_output = output
    if output is not None and output.suffix.lower() == ".csv":
        write_csv_atomic(output, [row.to_dict() for row in comparison.rows])
        json_output = None
    _emit(
        comparison.to_dict(), json_output, as_json, fmt, lambda out: print_compare(comparison, out)
    )
    if json_output is None and output is not None and not as_json:
        stderr.print(f"Written to {escape(str(output))}", highlight=False, soft_wrap=True)


WorkersOption = Annotated[
    int | None,
    typer.Option(min=1, max=MAX_WORKERS, help="Worker processes (default: the number of cores)."),
]


def _workers(requested: int | None) -> int:
    """The worker processes to use: as asked, at most one per core (more would only share the
    cores and multiply the memory), by default one per core."""
    cores = os.cpu_count() or 1
    if requested is not None and requested > cores:
        raise InputError(
            [Problem("--workers", f"at most {cores}, the cores of this machine (got {requested})")]
        )
    return requested or cores


@app.command()
@_handles_errors
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
        typer.Option("--png", help="Also draw the distribution of the weighted gap (.png)."),
    ] = None,
    output: OutputOption = None,
    as_json: JsonFlag = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Draw scenarios where each pledge, donation and training materializes with its reliability;
    solve each; report the distribution of the weighted gap and how often each requirement ends
    short."""
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
    from gapsolver.solve.options import SolveOptions

    guard.check_outputs(
        [_output("--png", png, guard.PNG), _output("--output", output, guard.JSON)], [scenario]
    )
    worker_count = _workers(workers)
    loaded, warnings = load_scenario(scenario)
    _print_warnings(warnings, str(scenario))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task(f"Sampling {escape(loaded.name)}", total=samples)
        report = run_robust(
            loaded,
            samples,
            seed,
            SolveOptions(solver=solver.value),
            workers=worker_count,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if png is not None:
        from gapsolver.report.plots import robust_histogram

        robust_histogram(report, png)
    _emit(report.to_dict(), output, as_json, fmt, lambda out: print_robust(report, out))


@app.command()
@_handles_errors
def batch(
    first: Annotated[
        str,
        typer.Argument(
            metavar="SPEC | export | plot",
            help="A batch spec file to run; or `export` / `plot` followed by a results database.",
            show_default=False,
        ),
    ],
    database: Annotated[
        Path | None,
        typer.Argument(
            metavar="[RESULTS.db]", help="The results database (export, plot).", show_default=False
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Results database to write (run): .db, .sqlite or .sqlite3."
        ),
    ] = None,
    workers: WorkersOption = None,
    dask_scheduler: Annotated[
        str | None,
        typer.Option(help="Run on this Dask scheduler (tcp://HOST:PORT) instead of local workers."),
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run again the runs stored as failed.")
    ] = False,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="export: write CSV.")] = None,
    parquet_file: Annotated[
        Path | None, typer.Option("--parquet", help="export: write Parquet (needs pyarrow).")
    ] = None,
    gaps: Annotated[
        bool, typer.Option("--gaps", help="export: the per-requirement gaps instead of the runs.")
    ] = False,
    png: Annotated[Path | None, typer.Option("--png", help="plot: the PNG to write.")] = None,
) -> None:
    """Run a batch spec (scenarios × variants/sweeps × strategies × robustness samples) into a
    SQLite database, resumably; `batch export DB --csv|--parquet FILE`; `batch plot DB --png FILE`."""
    from gapsolver.batch.export import export as export_table
    from gapsolver.batch.export import read_table
    from gapsolver.batch.plan import plan_tasks
    from gapsolver.batch.run import dask_executor, local_executor, run_batch
    from gapsolver.report.batch import plot_batch

    mode = first if first in ("export", "plot") else "run"
    given = {
        "--output": output is not None,
        "--workers": workers is not None,
        "--dask-scheduler": dask_scheduler is not None,
        "--retry-failed": retry_failed,
        "--csv": csv_file is not None,
        "--parquet": parquet_file is not None,
        "--gaps": gaps,
        "--png": png is not None,
    }
    allowed = {
        "run": {"--output", "--workers", "--dask-scheduler", "--retry-failed"},
        "export": {"--csv", "--parquet", "--gaps"},
        "plot": {"--png"},
    }[mode]
    misplaced = [option for option, used in given.items() if used and option not in allowed]
    if misplaced:
        what = "a batch run" if mode == "run" else f"`batch {mode}`"
        raise InputError([Problem(option, f"is not an option of {what}") for option in misplaced])

    if first in ("export", "plot"):
        if database is None:
            raise InputError([Problem("", f"`gapsolver batch {first}` needs a results database")])
        if first == "export":
            chosen = [
                (fmt, path, option, formats)
                for fmt, path, option, formats in (
                    ("csv", csv_file, "--csv", guard.CSV),
                    ("parquet", parquet_file, "--parquet", guard.PARQUET),
                )
                if path
            ]
            if len(chosen) != 1:
                raise InputError([Problem("", "give exactly one of --csv FILE and --parquet FILE")])
            fmt, path, option, formats = chosen[0]
            guard.check_outputs([Output(option, path, formats)], [database])
            count = export_table(database, path, fmt, "requirement_gaps" if gaps else "runs")
            stdout.print(f"{count} rows written to {path}", highlight=False, soft_wrap=True)
        else:
            if png is None:
                raise InputError([Problem("--png", "`gapsolver batch plot` needs --png FILE")])
            guard.check_outputs([Output("--png", png, guard.PNG)], [database])
            plot_batch(database, png)
            stdout.print(f"Plot written to {png}", highlight=False, soft_wrap=True)
        return
    if database is not None:
        raise InputError(
            [Problem("", f"unexpected argument {str(database)!r}: write -o RESULTS.db")]
        )
    if output is None:
        raise InputError([Problem("--output", "give the results database: -o RESULTS.db")])
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    guard.check_outputs([Output("--output", output, guard.DATABASE)], [first])
    worker_count = _workers(workers)
    plan = plan_tasks(first)
    guard.check_outputs([Output("--output", output, guard.DATABASE)], plan.files)
    executor = dask_executor(dask_scheduler) if dask_scheduler else local_executor(worker_count)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=stderr)
    task = bar.add_task("Runs", total=None)

    def advance(done: int, total: int) -> None:
        if not bar.live.is_started:  # shown once the runs are planned (a bad spec shows no bar)
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        summary = run_batch(plan, output, executor, retry_failed=retry_failed, progress=advance)
    except KeyboardInterrupt as interrupt:
        bar.stop()
        stored = 0
        if output.exists():
            with suppress(GapsolverError):
                stored = len(read_table(output))
        word, code = _interruption(interrupt)
        stderr.print(
            f"{word}: {stored} runs are stored in {escape(str(output))}; run the same command "
            "again to finish the rest",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(code) from None
    finally:
        bar.stop()
    stdout.print(
        f"{summary.planned} runs planned: {summary.skipped} already in {output}, {summary.ran} run now "
        f"({len(summary.failed)} failed, {summary.timed_out} stopped by the time limit) "
        f"in {summary.seconds:.1f} s",
        highlight=False,
        soft_wrap=True,
    )
    for failure in summary.failed[:10]:
        message = " ".join(line.strip() for line in failure["error"].splitlines())
        stderr.print(
            f"[red]failed:[/red] {escape(failure['run'])}: {escape(message)}",
            highlight=False,
            soft_wrap=True,
        )
    if len(summary.failed) > 10:
        stderr.print(f"[red]failed:[/red] … and {len(summary.failed) - 10} more", highlight=False)
    if summary.failed:
        raise typer.Exit(1)


@app.command()
@_handles_errors
def generate(
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Scenario file to write (.yaml, .yml or .json), atomically."
        ),
    ],
    states: Annotated[int, typer.Option(help="Member states.")] = 60,
    missions: Annotated[int, typer.Option(help="Missions.")] = 12,
    pledges: Annotated[int, typer.Option(help="Pledges.")] = 200,
    requirements: Annotated[
        int | None,
        typer.Option(help="Requirement lines (default: pledges/4, at most 60 per mission)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same file.")] = 0,
) -> None:
    """Write a synthetic scenario with realistic proportions (for benchmarks and batch studies)."""
    import yaml

    from gapsolver.postprocess.write import write_text_atomic
    from gapsolver.preprocess.generate import generate as generate_scenario
    from gapsolver.preprocess.load import scenario_from_data

    guard.check_outputs([Output("--output", output, guard.SCENARIO)])
    data = generate_scenario(
        states=states, missions=missions, pledges=pledges, requirements=requirements, seed=seed
    )
    scenario_from_data(data, source="generated scenario")  # never write an invalid file
    if output.suffix.lower() == ".json":
        text = json.dumps(data, indent=1) + "\n"
    else:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    write_text_atomic(output, text)
    stdout.print(
        f"{output}: {len(data['member_states'])} states, {len(data['missions'])} missions, "
        f"{len(data['requirements'])} requirements, {len(data['pledges'])} pledges, "
        f"{len(data['donations'])} donations, {len(data['trainings'])} trainings",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
@_handles_errors
def graph(
    scenario: ScenarioArgument,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="Write the graph; the format follows the extension: .graphml, .gexf, .json "
            "(node-link), .dot (Graphviz) or .png (a drawing).",
        ),
    ] = None,
    result: Annotated[
        Path | None,
        typer.Option(
            "--result", help="A result JSON of this scenario, to put its plan on the graph."
        ),
    ] = None,
    critical: Annotated[
        bool,
        typer.Option(
            "--critical",
            help="Withdraw each donation, training and contributing state in turn (a re-solve each) "
            "and rank them by the increase in optimal weighted gap; single points of failure; "
            "concentration of contributors per mission.",
        ),
    ] = False,
    chains: Annotated[
        bool,
        typer.Option(
            "--chains",
            help="For every conditional pledge: the donor → recipient (+ trainer) → mission chain the "
            "plan used, or why none could be used.",
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="With --critical and/or --chains: write them as JSON (atomically).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=MAX_WORKERS, help="Worker processes for --critical (default: the cores)."
        ),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The partnership graph: export it (with a plan), or find what the plan depends on (--critical)."""
    from gapsolver.partnerships.graph import add_plan, partnership_graph
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.report.common import printer
    from gapsolver.report.graph import export_graph

    if export is None and not critical and not chains:
        raise InputError([Problem("", "say what to do: --export FILE, --critical and/or --chains")])
    if output is not None and not critical and not chains:
        raise InputError([Problem("--output", "writes --critical and --chains; ask for one")])
    inputs = [scenario, *([result] if result is not None else [])]
    guard.check_outputs(
        [_output("--export", export, guard.GRAPH), _output("--output", output, guard.JSON)],
        inputs,
    )
    worker_count = _workers(workers)
    loaded, warnings = load_scenario(scenario)
    _print_warnings(warnings, str(scenario))
    out = printer(fmt.value)
    if export is not None:
        network = partnership_graph(loaded)
        if result is not None:
            from gapsolver.analysis.diff import read_result_file

            plan = read_result_file(result)
            if plan.scenario != loaded.name:
                raise InputError(
                    [
                        Problem(
                            "scenario",
                            f"the result is for {plan.scenario!r}, not {loaded.name!r}",
                        )
                    ],
                    str(result),
                )
            add_plan(network, loaded, plan, str(result))
        export_graph(network, export)
        stderr.print(
            f"{escape(str(export))}: {network.number_of_nodes()} nodes, "
            f"{network.number_of_edges()} edges",
            highlight=False,
            soft_wrap=True,
        )
    analysis: dict[str, Any] = {}
    if chains:
        from gapsolver.analysis.chains import enabling_chains
        from gapsolver.report.chains import print_chains
        from gapsolver.solve.pipeline import solve_scenario

        with stderr.status(f"Solving {escape(loaded.name)} to trace its enabling chains…"):
            found = enabling_chains(loaded, solve_scenario(loaded))
        analysis["chains"] = [chain.to_dict() for chain in found]
    if critical:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        from gapsolver.analysis.dependence import dependence

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=stderr,
            transient=True,
        ) as bar:
            task = bar.add_task(
                f"Re-solving {escape(loaded.name)} without each element it uses", total=None
            )

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = dependence(loaded, workers=worker_count, progress=advance)
        analysis |= report.to_dict()
    if output is not None and analysis:
        from gapsolver.postprocess.write import write_json_atomic

        write_json_atomic(output, analysis)
    if chains:
        print_chains(found, out)
    if critical:
        from gapsolver.report.dependence import print_dependence

        print_dependence(report, out)
    if output is not None and analysis:
        stderr.print(f"Analysis written to {escape(str(output))}", highlight=False, soft_wrap=True)


@app.command()
@_handles_errors
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

    guard.check_outputs([_output("--output", output, guard.JSON)], [result_a, result_b])
    first, second = read_results([result_a, result_b])
    if first.scenario != second.scenario:
        stderr.print(
            f"[yellow]warning:[/yellow] comparing plans of different scenarios "
            f"({escape(first.scenario)} and {escape(second.scenario)})",
            highlight=False,
            soft_wrap=True,
        )
    difference = diff_results(first, second)
    _emit(difference.to_dict(), output, as_json, fmt, lambda out: print_diff(difference, out))


@app.command()
@_handles_errors
def schema(
    result: Annotated[
        bool,
        typer.Option(
            "--result", help="Print the JSON Schema of result files (`solve -o`, `solve --json`)."
        ),
    ] = False,
) -> None:
    """Print the JSON Schema of scenario files (of result files with --result)."""
    from gapsolver.schema import Scenario
    from gapsolver.schema.result import result_json_schema

    document = result_json_schema() if result else Scenario.model_json_schema()
    _write_stdout(json.dumps(document, indent=2) + "\n")


def main() -> None:
    """Console entry point: SIGTERM stops a command as cleanly as Ctrl-C does (exit 143, not 130).

    A Ctrl-C that arrives while the command starts with SIGINT ignored (a background job) stays
    ignored, as the shell asked."""
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, stop_on_signal)
    signal.signal(signal.SIGTERM, stop_on_signal)
    try:
        app()
    except KeyboardInterrupt as interrupt:  # between commands' own handling (e.g. while importing)
        sys.exit(_interruption(interrupt)[1])
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(EXIT_CLOSED_PIPE)


if __name__ == "__main__":
    main()
