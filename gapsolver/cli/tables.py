"""`gapsolver convert` and `gapsolver template`: scenarios between YAML, JSON, workbooks and CSV
tables, and an empty workbook to fill in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gapsolver.cli.app import ScenarioArgument, handles_errors, print_warnings, stdout
from gapsolver.postprocess import guard
from gapsolver.postprocess.guard import Output


def _replaceable(path: Path) -> bool:
    from gapsolver.postprocess.scenario_files import is_table_folder

    return is_table_folder(path)


@handles_errors
def convert(
    scenario: ScenarioArgument,
    output: Annotated[
        Path,
        typer.Argument(
            help="Where to write it: .yaml, .yml, .json, .xlsx, or a folder (no extension) of CSV "
            "tables; written whole or not at all.",
            show_default=False,
        ),
    ],
) -> None:
    """Convert a scenario between YAML, JSON, an .xlsx workbook and a folder of CSV tables.

    The scenario is checked as for a solve first; fields at their defaults are left out."""
    from gapsolver.postprocess.scenario_files import (
        scenario_text,
        write_csv_folder,
        write_workbook,
    )
    from gapsolver.postprocess.write import write_text_atomic
    from gapsolver.preprocess.load import load_scenario

    guard.check_outputs(
        [Output("OUTPUT", output, guard.SCENARIO_TABLES, _replaceable)], inputs=[scenario]
    )
    loaded, warnings = load_scenario(scenario)
    print_warnings(warnings, str(scenario))
    suffix = output.suffix.lower()
    if suffix == ".xlsx":
        write_workbook(loaded, output)
    elif suffix in guard.SCENARIO:
        write_text_atomic(output, scenario_text(loaded, json_format=suffix == ".json"))
    else:
        write_csv_folder(loaded, output)
    stdout.print(
        f"{output}: {len(loaded.missions)} missions, {len(loaded.requirements)} requirements, "
        f"{len(loaded.pledges)} pledges, {len(loaded.donations)} donations, "
        f"{len(loaded.trainings)} trainings",
        highlight=False,
        soft_wrap=True,
    )


@handles_errors
def template(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Workbook to write (.xlsx), or a folder (no extension) of empty CSV tables.",
        ),
    ],
) -> None:
    """Write an empty scenario workbook to fill in: every table with its columns, a notes sheet
    on what each column holds, and drop-down lists for priorities, readiness levels and every
    capability, member state and mission named in the workbook."""
    from gapsolver.postprocess.scenario_files import write_csv_folder, write_workbook

    guard.check_outputs([Output("--output", output, (*guard.XLSX, guard.FOLDER), _replaceable)])
    if output.suffix.lower() == ".xlsx":
        write_workbook(None, output)
    else:
        write_csv_folder(None, output)
    stdout.print(
        f"{output}: an empty scenario to fill in (`gapsolver validate {output}` checks it)",
        highlight=False,
        soft_wrap=True,
    )
