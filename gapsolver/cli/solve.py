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
    refuse,
    stderr,
    stdout,
    write_stdout,
)
from gapsolver.exceptions import Problem
from gapsolver.limits import MAX_CVAR_LEVEL, MAX_CVAR_WEIGHT, MAX_SEED, MAX_STOCHASTIC_SAMPLES
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
    stochastic: Annotated[
        int | None,
        typer.Option(
            "--stochastic",
            min=1,
            max=MAX_STOCHASTIC_SAMPLES,
            metavar="N",
            help="Commit a plan that holds when pledges fail: which pledges to call forward, where "
            "donations go, which seats to fund, for the least expected weighted gap over N "
            "samples of the reliabilities; with VSS and EVPI (docs/alternatives.md).",
            rich_help_panel="Stochastic plan",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=MAX_SEED,
            help="With --stochastic: the samples' seed (default 0; the sampler of `robust`).",
            rich_help_panel="Stochastic plan",
        ),
    ] = None,
    cvar: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=MAX_CVAR_LEVEL,
            metavar="ALPHA",
            help="With --stochastic: minimise the mean plus the CVaR at level ALPHA (the mean of "
            "the worst 1 − ALPHA share of samples).",
            rich_help_panel="Stochastic plan",
        ),
    ] = None,
    cvar_weight: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=MAX_CVAR_WEIGHT,
            metavar="LAMBDA",
            help="With --cvar: the CVaR's weight in mean + LAMBDA × CVaR (default 1).",
            rich_help_panel="Stochastic plan",
        ),
    ] = None,
    seats_by_state: Annotated[
        bool,
        typer.Option(
            "--seats-by-state",
            help="With --stochastic: fund training seats per trainee state, not per course.",
            rich_help_panel="Stochastic plan",
        ),
    ] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Find the allocation with the smallest priority-weighted gap, then the most suitable one;
    with --stochastic, the plan to commit when pledges may fail."""
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
    if stochastic is not None:
        from gapsolver.cli.stochastic import solve_stochastic

        refuse(
            [
                Problem(option, "not with --stochastic")
                for option, given in (
                    ("--donation-impact", impact),
                    ("--shortfall", with_shortfall),
                    ("--report", report_file is not None),
                    ("--strategy", strategy is not Strategy.optimal),
                )
                if given
            ]
            + (
                [Problem("--cvar-weight", "only with --cvar")]
                if cvar is None and cvar_weight is not None
                else []
            )
        )
        solve_stochastic(
            scenario,
            stochastic,
            seed or 0,
            cvar,
            cvar_weight,
            seats_by_state,
            options,
            output,
            as_json,
            fmt,
        )
        return
    refuse(
        [
            Problem(option, "only with --stochastic N")
            for option, given in (
                ("--seed", seed is not None),
                ("--cvar", cvar is not None),
                ("--cvar-weight", cvar_weight is not None),
                ("--seats-by-state", seats_by_state),
            )
            if given
        ]
    )
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
