"""`gapsolver graph`: the partnership graph, the plan's enabling chains and what it depends on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from gapsolver.cli.app import (
    Format,
    FormatOption,
    ScenarioArgument,
    handles_errors,
    optional_output,
    print_warnings,
    resolve_workers,
    stderr,
)
from gapsolver.exceptions import InputError, Problem
from gapsolver.limits import MAX_WORKERS
from gapsolver.postprocess import guard


@handles_errors
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
        [
            optional_output("--export", export, guard.GRAPH),
            optional_output("--output", output, guard.JSON),
        ],
        inputs,
    )
    worker_count = resolve_workers(workers)
    loaded, warnings = load_scenario(scenario)
    print_warnings(warnings, str(scenario))
    out = printer(fmt.value)
    if export is not None:
        network = partnership_graph(loaded)
        possible: dict[tuple[str, str], int] | None = None
        gaps: dict[str, int] | None = None
        if result is None and export.suffix.lower() in guard.IMAGE:
            from gapsolver.report.graph import possible_deployments

            possible = possible_deployments(loaded)
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
            gaps = {}
            for requirement in plan.requirements:
                gaps[requirement.mission] = gaps.get(requirement.mission, 0) + requirement.gap
        export_graph(network, export, possible, gaps)
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
