"""`gapsolver replay`: run a result's command again from its manifest and show what differs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from gapsolver.cli.app import handles_errors, stderr, write_stdout

if TYPE_CHECKING:
    from gapsolver.schema.analysis import ReplayReport

EXIT_DIFFERENT = 1
"""The exit code of a replay that did not reproduce the result."""
DIFFERENCES_SHOWN = 50
"""Differing values printed at most (``--json`` gives them all)."""


def _value(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def print_replay(report: ReplayReport, console: Any) -> None:
    """The replay in words: what ran, then 'no difference' or every differing value (the first
    :data:`DIFFERENCES_SHOWN`), with the plan difference for a plan; the environment and notes."""
    from gapsolver.report.diff import print_diff

    def say(text: str) -> None:
        console.print(text, highlight=False, soft_wrap=True)

    files = f"{report.inputs} input file{'s' if report.inputs != 1 else ''} unchanged"
    say(f"{report.result_file}: replayed `{report.command}` ({files})")
    for note in report.notes:
        say(f"note: {note}")
    for setting in report.environment:
        say(
            f"environment: {setting.what} {setting.recorded or 'absent'} when recorded, "
            f"{setting.replayed or 'absent'} here"
        )
    if report.reproduced:
        say("no difference")
        return
    count = len(report.differences)
    say(f"{count} difference{'s' if count != 1 else ''} (recorded → replayed):")
    for change in report.differences[:DIFFERENCES_SHOWN]:
        fields = change.model_fields_set
        recorded = _value(change.recorded) if "recorded" in fields else "(absent)"
        replayed = _value(change.replayed) if "replayed" in fields else "(absent)"
        say(f"  {change.path}: {recorded} → {replayed}")
    if count > DIFFERENCES_SHOWN:
        say(f"  … and {count - DIFFERENCES_SHOWN} more (--json lists them all)")
    if report.plan is not None:
        say("The plan, recorded (A) → replayed (B):")
        print_diff(report.plan, console)


@handles_errors
def replay(
    result_file: Annotated[
        Path,
        typer.Argument(
            help="A result JSON a command wrote, with its manifest (`solve -o`, `whatif`, "
            "`robust`, `compare`, with -o FILE.json or --json).",
            show_default=False,
        ),
    ],
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="The folder the manifest's relative input paths are relative to (default: the "
            "current folder, as when the command ran).",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the replay (every difference) as JSON to stdout."),
    ] = False,
) -> None:
    """Run a result's command again from its manifest (same inputs, options, solver, seeds) and
    show what differs, timings aside: 'no difference' (exit 0) or every differing value with both
    figures (exit 1). An input file changed, missing or added since the run is named (exit 2)."""
    from gapsolver.analysis.replay import replay as run_replay
    from gapsolver.postprocess.write import json_text
    from gapsolver.report.common import printer

    with stderr.status(f"Replaying {escape(str(result_file))}…"):
        report = run_replay(result_file, root)
    if as_json:
        write_stdout(json_text(report.to_dict()))
    else:
        print_replay(report, printer("table"))
    if not report.reproduced:
        raise typer.Exit(EXIT_DIFFERENT)
