"""`gapsolver generate`: write a synthetic scenario file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gapsolver.cli.app import handles_errors, stdout
from gapsolver.postprocess import guard
from gapsolver.postprocess.guard import Output


@handles_errors
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
    unreliable: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            metavar="SHARE",
            help="Share of pledges, donations and trainings that may fail, each given a "
            "reliability from 0.6 to 0.95 (for `robust` and `solve --stochastic`).",
        ),
    ] = 0.0,
) -> None:
    """Write a synthetic scenario with realistic proportions (for benchmarks and batch studies)."""
    import yaml

    from gapsolver.postprocess.write import write_text_atomic
    from gapsolver.preprocess.generate import generate as generate_scenario
    from gapsolver.preprocess.load import scenario_from_data

    guard.check_outputs([Output("--output", output, guard.SCENARIO)])
    data = generate_scenario(
        states=states,
        missions=missions,
        pledges=pledges,
        requirements=requirements,
        seed=seed,
        unreliable=unreliable,
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
