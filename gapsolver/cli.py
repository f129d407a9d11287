"""The `gapsolver` command. Thin: every command only calls the library.

Exit codes: 0 success; 1 solver or output failure; 2 bad input (or bad command-line usage).
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gapsolver.exceptions import GapsolverError, Problem

app = typer.Typer(
    name="gapsolver",
    help="Close capability gaps in UN peacekeeping: match pledges and partnerships to mission "
    "requirements with a ranked mixed-integer model.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

stdout = Console()
stderr = Console(stderr=True)


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


def _print_warnings(warnings: list[Problem], source: str) -> None:
    for warning in warnings:
        stderr.print(f"[yellow]warning:[/yellow] {warning.render(source)}", highlight=False)


@app.command()
def validate(scenario: ScenarioArgument) -> None:
    """Check a scenario file without solving it."""
    from gapsolver.preprocess.load import load_scenario

    loaded, warnings = load_scenario(scenario)
    _print_warnings(warnings, str(scenario))
    stdout.print(
        f"{scenario}: valid — {len(loaded.missions)} missions, {len(loaded.requirements)} "
        f"requirements, {len(loaded.pledges)} pledges, {len(loaded.donations)} donations, "
        f"{len(loaded.trainings)} trainings",
        highlight=False,
    )


@app.command()
def solve(
    scenario: ScenarioArgument,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the result as JSON to this file (atomically)."),
    ] = None,
    solver: Annotated[str, typer.Option(help="MILP solver: highs or cbc.")] = "highs",
    time_limit: Annotated[
        float | None,
        typer.Option(help="Seconds for the whole lexicographic solve; status 'feasible' if hit."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result JSON to stdout instead of tables.")
    ] = False,
) -> None:
    """Find the allocation with the smallest priority-weighted gap, then the most suitable one."""
    from gapsolver.postprocess.write import write_json_atomic
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.report import print_result
    from gapsolver.solve import SolveOptions, solve_scenario

    options = SolveOptions(solver=solver, time_limit=time_limit)
    loaded, warnings = load_scenario(scenario)
    _print_warnings(warnings, str(scenario))
    with stderr.status(f"Solving {loaded.name} with {solver}: weighted gap, then suitability…"):
        result = solve_scenario(loaded, options)
    data = result.to_dict()
    if output is not None:
        write_json_atomic(output, data)
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        print_result(result, stdout)
        if output is not None:
            stdout.print(f"Result written to {output}", highlight=False)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    from gapsolver.schema import Scenario

    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2) + "\n")


def main() -> None:
    """Console entry point: run the app and turn gapsolver errors into messages and exit codes."""
    try:
        app(standalone_mode=False)
    except GapsolverError as error:
        if _State.debug:
            traceback.print_exc()
        stderr.print(f"[red]error:[/red] {error}", highlight=False, markup=True, soft_wrap=True)
        sys.exit(error.exit_code)
    except typer.Abort:
        stderr.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        stderr.print("interrupted")
        sys.exit(130)
    except Exception as error:  # click usage errors
        import click

        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(error.exit_code)
        if isinstance(error, click.exceptions.Exit):
            sys.exit(error.exit_code)
        if _State.debug:
            raise
        stderr.print(
            f"[red]internal error:[/red] {type(error).__name__}: {error} "
            "(run with --debug for the traceback, and please report it)",
            highlight=False,
        )
        sys.exit(3)


if __name__ == "__main__":
    main()
