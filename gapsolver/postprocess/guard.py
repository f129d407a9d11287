"""The output guard: every file a command is asked to write is checked before any work starts.

A command declares its outputs (the option, the path, the formats it writes) and its inputs; the
guard refuses — as bad usage, exit 2, every problem at once — an output that is one of the inputs
(compared as files: the same path spelt differently, a symlink or a hard link to it), that is given
twice, whose folder is missing or not writable, that is a directory or a device rather than a file,
or whose extension names a format the command does not write. Nothing the user has is then ever
overwritten by mistake, and a long run never ends in an output error.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gapsolver.exceptions import InputError, Problem

JSON = (".json",)
PNG = (".png",)
IMAGE = (".png", ".svg", ".pdf")
"""A figure, in the format its extension names."""
CSV = (".csv",)
PARQUET = (".parquet",)
DATABASE = (".db", ".sqlite", ".sqlite3")
SCENARIO = (".yaml", ".yml", ".json")
FOLDER = "/"
"""In an output's formats: it may also be a folder of CSV tables (a path without an extension)."""
SCENARIO_TABLES = (*SCENARIO, ".xlsx", FOLDER)
XLSX = (".xlsx",)
HTML = (".html",)
REPORT = (*JSON, *XLSX)
"""What a command's -o writes: its JSON, or the tables it prints as a workbook."""
GRAPH = (".graphml", ".gexf", ".json", ".dot", *IMAGE)


@dataclass(frozen=True)
class Output:
    """One file a command will write: the option that names it, the path, the extensions it may
    have (each names the format written)."""

    option: str
    path: Path
    formats: tuple[str, ...]
    replaceable: Callable[[Path], bool] | None = None
    """For a folder output (:data:`FOLDER`): whether an existing folder may be replaced."""


def same_file(first: Path, second: Path) -> bool:
    """Whether two paths name one file: the same resolved path, or (when both exist) the same
    inode, which also catches hard links."""
    try:
        if first.resolve() == second.resolve():
            return True
    except (OSError, RuntimeError):  # a symlink loop
        return False
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _folder_problems(output: Output) -> list[Problem]:
    """A folder of CSV tables: new, or one the output says it may replace (one gapsolver wrote), in
    a writable folder."""
    path, option = output.path, output.option
    problems = []
    if path.exists() and not path.is_dir():
        problems.append(Problem(option, f"{path}: exists and is not a folder"))
    elif path.is_dir() and not (output.replaceable is not None and output.replaceable(path)):
        problems.append(
            Problem(
                option,
                f"{path}: a folder with other files in it; gapsolver replaces only a folder of "
                "its own tables (give a new folder)",
            )
        )
    parent = path.resolve().parent
    if not parent.is_dir():
        problems.append(Problem(option, f"{path}: the folder {parent} does not exist"))
    elif not os.access(parent, os.W_OK | os.X_OK):
        problems.append(Problem(option, f"{path}: the folder {parent} is not writable"))
    return problems


def _problems(output: Output) -> list[Problem]:
    path, option = output.path, output.option
    suffix = path.suffix.lower()
    if FOLDER in output.formats and (not suffix or path.is_dir()):
        return _folder_problems(output)
    problems = []
    if suffix not in output.formats:
        named = ["a folder (of CSV tables)" if form == FOLDER else form for form in output.formats]
        wanted = ", ".join(named[:-1]) + " or " if len(named) > 1 else ""
        wanted += named[-1]
        what = f"cannot write {suffix!r} files" if suffix else "no extension"
        problems.append(Problem(option, f"{path}: {what}; {option} writes {wanted}"))
    try:
        status = os.stat(path) if path.exists() else None
    except OSError as error:
        return [*problems, Problem(option, f"{path}: cannot be written ({error.strerror})")]
    if status is not None:
        if stat.S_ISDIR(status.st_mode):
            return [*problems, Problem(option, f"{path}: is a directory")]
        if not stat.S_ISREG(status.st_mode):
            return [*problems, Problem(option, f"{path}: is not a regular file")]
    folder = path.resolve().parent
    if not folder.is_dir():
        problems.append(Problem(option, f"{path}: the folder {folder} does not exist"))
    elif not os.access(folder, os.W_OK | os.X_OK):
        problems.append(Problem(option, f"{path}: the folder {folder} is not writable"))
    return problems


def check_outputs(outputs: Iterable[Output | None], inputs: Sequence[Path | str] = ()) -> None:
    """Refuse bad outputs before any work (see the module docstring); every problem at once."""
    chosen = [output for output in outputs if output is not None]
    problems: list[Problem] = []
    for index, output in enumerate(chosen):
        problems += _problems(output)
        for source in inputs:
            if same_file(output.path, Path(source)):
                problems.append(
                    Problem(
                        output.option,
                        f"{output.path} is an input of this command ({source}); "
                        "it would be overwritten",
                    )
                )
        for other in chosen[:index]:
            if same_file(output.path, other.path):
                problems.append(
                    Problem(
                        output.option,
                        f"{output.path} is also the file of {other.option}; give two files",
                    )
                )
    if problems:
        raise InputError(problems)
