"""The `gapsolver` command: the Typer app and what the commands share (`app.py`), and one module
per group of commands (`solve.py`, `analysis.py`, `batch.py`, `generate.py`, `graph.py`).

The commands are registered here, in the order `gapsolver --help` lists them, so that importing
`gapsolver.cli` (the entry point `gapsolver.cli:main`, `python -m gapsolver.cli`) gives them all.
"""

from gapsolver.cli import alternatives, analysis, batch, generate, graph, report, solve, tables
from gapsolver.cli import replay as replay_command
from gapsolver.cli.app import app, main

for _command in (
    solve.validate,
    solve.solve,
    report.report,
    analysis.explain,
    analysis.shortfall,
    analysis.whatif,
    alternatives.alternatives,
    analysis.compare,
    analysis.robust,
    batch.batch,
    generate.generate,
    tables.convert,
    tables.template,
    graph.graph,
    analysis.diff,
    replay_command.replay,
    solve.schema,
):
    app.command()(_command)

__all__ = ["app", "main"]
