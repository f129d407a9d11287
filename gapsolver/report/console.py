"""The terminal consoles the command line prints through."""

from __future__ import annotations

from rich.console import Console


class PipeConsole(Console):
    """A rich Console that lets a closed pipe propagate as BrokenPipeError (rich itself would exit
    with status 1), so that the command ends quietly with its own exit code."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError
