"""The `gapsolver` Typer app and what its commands share: global options, option types, error
handling, output and the console entry point. The commands live in the group modules beside it
(solve, analysis, batch, graph, generate), which import from here, never the other way.

Exit codes: 0 success; 1 solver or output failure; 2 bad input or bad usage (located by file, line
and path); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM); 141 the reader of stdout went away.
Every file a command is asked to write is checked before any work (gapsolver.postprocess.guard).
"""

from __future__ import annotations

import functools
import math
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
from gapsolver.limits import MAX_TIME_LIMIT, MAX_WORKERS
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


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    _State.debug = debug


# Errors and interruptions


def _quiet_stdout() -> None:
    """The reader of stdout has gone: send what is left to /dev/null, so that nothing (not even
    Python's final flush) complains."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def interruption(interrupt: KeyboardInterrupt) -> tuple[str, int]:
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
        word, code = interruption(interrupt)
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


def handles_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Run a command inside the error handling above (every command is wrapped in it)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        with _reporting_errors():
            command(*args, **kwargs)

    return run


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
        sys.exit(interruption(interrupt)[1])
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(EXIT_CLOSED_PIPE)


# Options the commands share


def finite_seconds(value: float | None) -> float | None:
    """Option callback: a time limit is a finite number of seconds."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number of seconds")
    return value


ScenarioArgument = Annotated[
    Path,
    typer.Argument(
        help="Scenario: a YAML or JSON file, an .xlsx workbook or a folder of CSV tables.",
        show_default=False,
    ),
]
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
    typer.Option(
        "--output",
        "-o",
        help="Write the JSON to this .json file, or the tables to this .xlsx workbook (atomically).",
    ),
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
        callback=finite_seconds,
        help="Seconds for the whole lexicographic solve; status 'feasible' if hit.",
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(min=1, max=MAX_WORKERS, help="Worker processes (default: the number of cores)."),
]


def resolve_workers(requested: int | None) -> int:
    """The worker processes to use: as asked, at most one per core (more would only share the
    cores and multiply the memory), by default one per core."""
    cores = os.cpu_count() or 1
    if requested is not None and requested > cores:
        raise InputError(
            [Problem("--workers", f"at most {cores}, the cores of this machine (got {requested})")]
        )
    return requested or cores


def refuse(problems: list[Problem]) -> None:
    """Exit 2 with every misuse of a command's options at once, before any work."""
    if problems:
        raise InputError(problems)


# Input and output


def optional_output(option: str, path: Path | None, formats: tuple[str, ...]) -> Output | None:
    """The output an option names, for the output guard; None when the option is not given."""
    return None if path is None else Output(option, path, formats)


WARNINGS_SHOWN = 10


def print_warnings(
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


def write_stdout(text: str, chunk: int = 1 << 15) -> None:
    """Write to stdout in pieces, each flushed: a reader that goes away (``| head``) is noticed at
    the next piece, however the system reports a write cut short."""
    for begin in range(0, len(text), chunk):
        sys.stdout.write(text[begin : begin + chunk])
        sys.stdout.flush()


def emit(
    data: dict[str, Any],
    output: Path | None,
    as_json: bool,
    fmt: Format,
    show: Callable[[Any], None],
    sheets: Callable[[], list[Any]] | None = None,
) -> None:
    """Write ``output`` (atomically): the JSON, or for an ``.xlsx`` file the workbook of
    ``sheets`` (by default the tables ``show`` prints, one sheet each); then print JSON or the
    tables."""
    from gapsolver.postprocess.write import json_text, write_json_atomic
    from gapsolver.report.common import printer

    if output is not None and output.suffix.lower() == ".xlsx":
        from gapsolver.report.workbook import SheetRecorder, printed_sheets, write_sheets

        if sheets is None:
            recorder = SheetRecorder()
            show(recorder)
            made = printed_sheets(recorder.printed)
        else:
            made = sheets()
        write_sheets(output, made)
    elif output is not None:
        write_json_atomic(output, data)
    if as_json:
        write_stdout(json_text(data))
    else:
        show(printer(fmt.value))
        if output is not None:
            stderr.print(f"Written to {escape(str(output))}", highlight=False, soft_wrap=True)
        sys.stdout.flush()
