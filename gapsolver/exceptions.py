"""One exception family for gapsolver.

Every error a user can cause or meet derives from :class:`GapsolverError`; the CLI turns each into a
short message and an exit code, and shows a traceback only with ``--debug``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


class GapsolverError(Exception):
    """Base of every error gapsolver raises on purpose."""

    exit_code: int = 1


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file.

    ``path`` is the location inside the document (``pledges[3].state``), ``line`` the 1-based line in the
    file where the offending value starts, when it is known.
    """

    path: str
    message: str
    line: int | None = None
    source: str | None = None
    """The file the problem is in, when it is not the one the error is about (a scenario named by a
    batch spec, a variants file): it then names its own file."""

    def render(self, source: str | None = None) -> str:
        where = ""
        source = self.source or source
        if source is not None:
            where = f"{source}:{self.line}: " if self.line is not None else f"{source}: "
        elif self.line is not None:
            where = f"line {self.line}: "
        location = f"{self.path}: " if self.path else ""
        return f"{where}{location}{self.message}"


class InputError(GapsolverError):
    """Bad input: a missing or unreadable file, a syntax error, or a scenario that breaks the schema or
    refers to things that do not exist. Carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        count = len(self.problems)
        head = f"{source}: " if source else ""
        noun = "problem" if count == 1 else "problems"
        lines = [f"{head}{count} {noun} found"]
        lines += ["  " + problem.render(source) for problem in self.problems]
        super().__init__("\n".join(lines))


class SolverError(GapsolverError):
    """The MILP solver failed, is unavailable, or returned no usable solution."""

    exit_code = 1


class OutputError(GapsolverError):
    """A result could not be written."""

    exit_code = 1


class MissingExtra(GapsolverError):
    """A feature whose optional library is not installed: says which extra brings it.

    ``feature`` is what was asked for (``--solver cbc``), ``library`` what it needs (PuLP), ``extra``
    the extra to install (``cbc`` → ``pip install 'gapsolver[cbc]'``)."""

    exit_code = 2

    def __init__(self, feature: str, library: str, extra: str) -> None:
        self.feature = feature
        self.library = library
        self.extra = extra
        super().__init__(
            f"{feature} needs {library}, which is not installed: pip install 'gapsolver[{extra}]'"
        )


def import_extra(module: str, feature: str, library: str, extra: str) -> ModuleType:
    """Import ``module`` from an optional extra, or raise :class:`MissingExtra` if it is not
    installed. A module that is there but fails to import (a broken install) raises as it is."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        root = module.partition(".")[0]
        if error.name is not None and error.name.partition(".")[0] == root:
            raise MissingExtra(feature, library, extra) from None
        raise


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGINT or SIGTERM). Derives from KeyboardInterrupt so that
    everything that stops cleanly on Ctrl-C stops the same way on SIGTERM."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


_stop_signals: list[int] = []


def stop_on_signal(signal_number: int, frame: object) -> None:
    """Signal handler for SIGINT and SIGTERM: remember the signal, then raise :class:`Interrupted`.

    The exception can be lost when the signal lands in code that swallows it (a ``__del__`` run by
    the garbage collector prints "Exception ignored" and goes on); the record cannot, and
    :func:`raise_if_stopped` consults it before anything is written or reported as done."""
    _stop_signals.append(signal_number)
    code = getattr(frame, "f_code", None)
    if code is not None and code.co_name == "__del__":
        return  # it would be swallowed there with a traceback; the next checkpoint raises it
    raise Interrupted(signal_number)


def raise_if_stopped() -> None:
    """Raise :class:`Interrupted` again if a stop signal arrived, even one whose exception was lost."""
    if _stop_signals:
        raise Interrupted(_stop_signals[0])
