"""`gapsolver report`: a result file as one self-contained HTML page, to send."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gapsolver.cli.app import handles_errors, stdout
from gapsolver.postprocess import guard
from gapsolver.postprocess.guard import Output

if TYPE_CHECKING:
    from gapsolver.schema.result import Result


def read_result(path: Path) -> Result:
    """The whole result of a result JSON, read by the reader of `gapsolver diff` and `graph
    --result` (the same located problems for the keys it checks), then as a
    :class:`~gapsolver.schema.result.Result`; InputError naming every problem, located, otherwise."""
    from pydantic import ValidationError

    from gapsolver.analysis.diff import read_result_file
    from gapsolver.exceptions import InputError
    from gapsolver.preprocess.document import pydantic_problems
    from gapsolver.preprocess.load import read_document
    from gapsolver.schema.result import Result

    checked = read_result_file(path)
    try:
        return Result.from_json(json.dumps(checked.model_dump(mode="json", exclude_unset=True)))
    except ValidationError as error:
        doc = read_document(path)  # again, only to locate the problems by line
        raise InputError(pydantic_problems(error, doc), doc.source) from None


@handles_errors
def report(
    result_file: Annotated[
        Path,
        typer.Argument(
            help="A result JSON (`gapsolver solve -o RESULT.json`).", show_default=False
        ),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="The page to write (.html), atomically."),
    ],
) -> None:
    """A result as one self-contained HTML page to send: headline figures, gaps per mission, every
    requirement with its reasons, the allocation (sortable, filterable) and the partnerships used.
    The page makes no request of any kind and prints cleanly to PDF."""
    from gapsolver.postprocess.write import write_text_atomic
    from gapsolver.report.html import result_page

    guard.check_outputs([Output("--output", output, guard.HTML)], [result_file])
    result = read_result(result_file)
    page = result_page(result)
    write_text_atomic(output, page)
    stdout.print(
        f"{output}: report of {result.scenario} ({len(result.requirements)} requirements, "
        f"{len(result.assignments)} assignments, {len(page.encode()):,} bytes)",
        highlight=False,
        soft_wrap=True,
    )
