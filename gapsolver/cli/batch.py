"""`gapsolver batch`: run a batch spec into a results database, or `export` / `plot` one."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from gapsolver.cli.app import (
    WorkersOption,
    handles_errors,
    interruption,
    resolve_workers,
    stderr,
    stdout,
)
from gapsolver.exceptions import GapsolverError, InputError, Problem
from gapsolver.postprocess import guard
from gapsolver.postprocess.guard import Output


@handles_errors
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
    xlsx_file: Annotated[
        Path | None, typer.Option("--xlsx", help="export: write an .xlsx workbook.")
    ] = None,
    gaps: Annotated[
        bool, typer.Option("--gaps", help="export: the per-requirement gaps instead of the runs.")
    ] = False,
    png: Annotated[
        Path | None, typer.Option("--png", help="plot: the figure to write (.png, .svg or .pdf).")
    ] = None,
) -> None:
    """Run a batch spec (scenarios × variants/sweeps × strategies × robustness samples) into a
    SQLite database, resumably; `batch export DB --csv|--parquet|--xlsx FILE`; `batch plot DB
    --png FILE`."""
    from gapsolver.batch.export import export as export_table
    from gapsolver.batch.export import read_table
    from gapsolver.batch.plan import plan_tasks
    from gapsolver.batch.run import dask_executor, local_executor, run_batch
    from gapsolver.report.batch import plot_batch
    from gapsolver.report.plots import pyplot

    mode = first if first in ("export", "plot") else "run"
    given = {
        "--output": output is not None,
        "--workers": workers is not None,
        "--dask-scheduler": dask_scheduler is not None,
        "--retry-failed": retry_failed,
        "--csv": csv_file is not None,
        "--parquet": parquet_file is not None,
        "--xlsx": xlsx_file is not None,
        "--gaps": gaps,
        "--png": png is not None,
    }
    allowed = {
        "run": {"--output", "--workers", "--dask-scheduler", "--retry-failed"},
        "export": {"--csv", "--parquet", "--xlsx", "--gaps"},
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
                    ("xlsx", xlsx_file, "--xlsx", guard.XLSX),
                )
                if path
            ]
            if len(chosen) != 1:
                raise InputError(
                    [Problem("", "give exactly one of --csv FILE, --parquet FILE and --xlsx FILE")]
                )
            fmt, path, option, formats = chosen[0]
            guard.check_outputs([Output(option, path, formats)], [database])
            table = "requirement_gaps" if gaps else "runs"
            if fmt == "xlsx":
                from gapsolver.report.workbook import rows_sheet, write_sheets

                rows = read_table(database, table)
                write_sheets(path, [rows_sheet(table, rows)])
                count = len(rows)
            else:
                count = export_table(database, path, fmt, table)
            stdout.print(f"{count} rows written to {path}", highlight=False, soft_wrap=True)
        else:
            if png is None:
                raise InputError([Problem("--png", "`gapsolver batch plot` needs --png FILE")])
            guard.check_outputs([Output("--png", png, guard.IMAGE)], [database])
            pyplot("--png")  # without the `plots` extra, say so before reading the database
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
    worker_count = resolve_workers(workers)
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
        word, code = interruption(interrupt)
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
