"""The commands around one scenario file: `validate`, `solve` and `schema`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from gapsolver.cli.app import (
    Format,
    FormatOption,
    ScenarioArgument,
    Solver,
    SolverOption,
    Strategy,
    StrategyOption,
    TimeLimitOption,
    emit,
    handles_errors,
    optional_output,
    print_warnings,
    stderr,
    stdout,
    write_stdout,
)
from gapsolver.postprocess import guard

if TYPE_CHECKING:
    from gapsolver.schema.manifest import Manifest
    from gapsolver.solve.options import SolveOptions


@handles_errors
def validate(scenario: ScenarioArgument) -> None:
    """Check a scenario file without solving it."""
    from gapsolver.preprocess.load import load_scenario

    loaded, warnings = load_scenario(scenario)
    print_warnings(warnings, str(scenario), limit=None)
    stdout.print(
        f"{scenario}: valid — {len(loaded.missions)} missions, {len(loaded.requirements)} "
        f"requirements, {len(loaded.pledges)} pledges, {len(loaded.donations)} donations, "
        f"{len(loaded.trainings)} trainings",
        highlight=False,
        soft_wrap=True,
    )


@handles_errors
def solve(
    scenario: ScenarioArgument,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the result as JSON to this .json file, or the plan as an .xlsx workbook "
            "(summary, requirements, allocation, donations, training seats), atomically.",
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
    with_shortfall: Annotated[
        bool,
        typer.Option(
            "--shortfall",
            help="Also list the fewest additional pledges that close every critical gap "
            "(`gapsolver shortfall`): printed, and a sheet of the -o workbook.",
        ),
    ] = False,
    report_file: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Also write the plan as one self-contained HTML page to send (`gapsolver report`).",
        ),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Find the allocation with the smallest priority-weighted gap, then the most suitable one."""
    from gapsolver.preprocess.load import load_scenario
    from gapsolver.report.result import print_result
    from gapsolver.solve.options import SolveOptions
    from gapsolver.solve.pipeline import solve_scenario

    guard.check_outputs(
        [
            optional_output("--output", output, guard.REPORT),
            optional_output("--report", report_file, guard.HTML),
        ],
        [scenario],
    )
    options = SolveOptions(strategy=strategy.value, solver=solver.value, time_limit=time_limit)
    loaded, warnings = load_scenario(scenario)
    print_warnings(warnings, str(scenario))
    with stderr.status(
        f"Solving {escape(loaded.name)} with {solver.value}: weighted gap, then suitability…"
    ):
        result = solve_scenario(loaded, options)
    if impact:
        from gapsolver.analysis.dependence import donation_impact

        with stderr.status("Solving without each donation the plan uses…"):
            result.donation_impact = donation_impact(loaded, result, options)
    result.manifest = solve_manifest(scenario, options, impact)
    shortfall_tables: list[Any] = []
    if with_shortfall:
        from gapsolver.analysis.shortfall import shortfall as shopping_list
        from gapsolver.report.shortfall import print_shortfall
        from gapsolver.report.workbook import SheetRecorder

        with stderr.status("Solving with candidate pledges: the shortfall list…"):
            listing = shopping_list(loaded, options, "critical")
        recorder = SheetRecorder()
        print_shortfall(listing, recorder)
        shortfall_tables = recorder.printed

    def show(out: Any) -> None:
        print_result(result, out)
        if shortfall_tables:
            out.print(*shortfall_tables)

    def sheets() -> list[Any]:
        from gapsolver.report.workbook import printed_sheets, result_sheets

        return result_sheets(result) + printed_sheets(shortfall_tables)

    if report_file is not None:
        from gapsolver.postprocess.write import write_text_atomic
        from gapsolver.report.html import result_page

        write_text_atomic(report_file, result_page(result))
    emit(result.to_dict(), output, as_json, fmt, show, sheets)


def solve_manifest(scenario: Path, options: SolveOptions, impact: bool) -> Manifest:
    """The manifest of a solve (`gapsolver replay`): the scenario, every solve option and
    --donation-impact, which shape the result; outputs do not."""
    from dataclasses import asdict

    from gapsolver.schema.manifest import build_manifest

    recorded = {"scenario": scenario, **asdict(options), "donation_impact": impact}
    return build_manifest("solve", [scenario], recorded, options.solver)


@handles_errors
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
    write_stdout(json.dumps(document, indent=2) + "\n")
