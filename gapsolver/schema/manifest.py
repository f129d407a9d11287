"""What a run was made of, so that anyone can replay it: the manifest every result carries.

A :class:`Manifest` names the gapsolver version, the command and every option that shapes its
outcome, the SHA-256 of every input file it read, the solver and its version, the seeds and the
platform. It holds no clock time: two runs of the same command on the same inputs write the same
manifest, and (timings aside) the same result. ``gapsolver replay RESULT.json`` re-runs the command
from it (:mod:`gapsolver.analysis.replay`; docs/replay.md).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
from collections.abc import Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, JsonValue

from gapsolver.exceptions import InputError, Problem
from gapsolver.runtime.version import GAPSOLVER_VERSION

SOLVER_PACKAGES: dict[str, tuple[str, ...]] = {
    "highs": ("highspy",),
    "cbc": ("pulp", "cbcbox"),
    "auto": ("highspy", "pulp", "cbcbox"),
}
"""Per ``--solver`` value, the packages whose versions fix the solver: HiGHS is the ``highspy``
wheel; CBC is the binary bundled with ``pulp``, or the ``cbcbox`` build when that is installed."""

LIBRARIES = ("numpy", "pydantic")
"""Libraries besides the solvers whose versions the manifest records (numpy orders and rounds the
model's arrays; pydantic reads the files)."""


class ManifestPart(BaseModel):
    """Base of the manifest's parts: unknown keys refused, values frozen, each field documented."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        json_schema_serialization_defaults_required=True,
    )


class InputFile(ManifestPart):
    """One file the run read."""

    path: str
    """The path as the command was given it (relative to the folder it ran in, unless absolute);
    a table of a CSV folder as ``FOLDER/TABLE.csv``."""
    sha256: str
    """The SHA-256 of its bytes, in hex."""
    bytes: int
    """Its size."""
    folder: str | None = None
    """The folder of CSV tables it was read with, as given (None: a file given by itself)."""


class SolverInfo(ManifestPart):
    """The solver the run asked for and the versions of what provides it."""

    name: str
    """``--solver``: 'highs', 'cbc' or 'auto' (the winner of each race is the result's
    ``solver``)."""
    versions: dict[str, str]
    """Package → version, for the packages installed of :data:`SOLVER_PACKAGES` (``highspy``;
    ``pulp`` and ``cbcbox`` for CBC)."""


class PlatformInfo(ManifestPart):
    """Where the run ran."""

    python: str
    """Python's version (``3.11.9``)."""
    implementation: str
    """``CPython``, ``PyPy``…"""
    system: str
    """The operating system (``Linux``, ``Darwin``, ``Windows``)."""
    release: str
    """Its release."""
    machine: str
    """The processor architecture (``x86_64``, ``arm64``)."""
    libraries: dict[str, str]
    """Package → version of :data:`LIBRARIES`."""


class Manifest(ManifestPart):
    """Everything needed to run a command again and get the same result (docs/replay.md)."""

    gapsolver: str
    """The gapsolver version that wrote the result."""
    command: str
    """The command: ``solve``, ``whatif``, ``robust``, ``compare``…"""
    inputs: list[InputFile]
    """Every input file read, in the order the command read them."""
    options: dict[str, JsonValue]
    """Every argument and option that shapes the outcome, normalised (input paths as given, globs
    expanded, defaults filled in). Outputs (``-o``, ``--json``, ``--format``) are not options."""
    solver: SolverInfo | None
    """The solver asked for (None: the command uses none)."""
    seeds: dict[str, int]
    """The seeds of the run's random draws (``robust``: ``seed``). The solvers' own seeds are fixed
    in gapsolver (HiGHS ``random_seed`` 0, CBC ``randomSeed`` 1), with one thread each."""
    platform: PlatformInfo
    """Where it ran."""


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex (read in blocks)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def input_files(path: Path) -> list[Path]:
    """The files a scenario argument stands for: a folder of CSV tables is its ``.csv`` files
    (those :func:`gapsolver.preprocess.tables.read_csv_folder` reads), any other path itself."""
    if path.is_dir():
        return sorted(entry for entry in path.iterdir() if entry.suffix.lower() == ".csv")
    return [path]


def describe_inputs(paths: Sequence[Path]) -> list[InputFile]:
    """Each input as the manifest records it: path as given, SHA-256 and size; a folder as its
    tables. InputError naming each file that cannot be read."""
    described, problems = [], []
    for path in paths:
        folder = str(path) if path.is_dir() else None
        for file in input_files(path):
            try:
                described.append(
                    InputFile(
                        path=str(file),
                        sha256=file_sha256(file),
                        bytes=file.stat().st_size,
                        folder=folder,
                    )
                )
            except OSError as error:
                problems.append(Problem("", f"cannot be read ({error.strerror})", None, str(file)))
    if problems:
        raise InputError(problems)
    return described


def package_version(package: str) -> str | None:
    """The installed version of ``package`` (None: not installed)."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _versions(packages: Sequence[str]) -> dict[str, str]:
    found = {package: package_version(package) for package in packages}
    return {package: version for package, version in found.items() if version is not None}


def solver_info(solver: str) -> SolverInfo:
    """The solver asked for and the versions of the packages that provide it."""
    return SolverInfo(name=solver, versions=_versions(SOLVER_PACKAGES.get(solver, ())))


def platform_info() -> PlatformInfo:
    """This machine: Python, the operating system, the architecture, the libraries' versions."""
    return PlatformInfo(
        python=platform.python_version(),
        implementation=platform.python_implementation(),
        system=platform.system(),
        release=platform.release(),
        machine=platform.machine(),
        libraries=_versions(LIBRARIES),
    )


def json_option(value: Any) -> JsonValue:
    """An option's value as JSON: paths as strings, enums as their values, tuples as lists."""
    if isinstance(value, Enum):
        return json_option(value.value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): json_option(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_option(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"option value {value!r} has no JSON form")


def build_manifest(
    command: str,
    inputs: Sequence[Path],
    options: Mapping[str, Any],
    solver: str | None,
    seeds: Mapping[str, int] | None = None,
) -> Manifest:
    """The manifest of a run of ``command`` that read ``inputs`` (files, or folders of CSV tables,
    as the command was given them) with ``options`` (every one that shapes the outcome), asking for
    ``solver`` (None: none), drawing with ``seeds``."""
    return Manifest(
        gapsolver=GAPSOLVER_VERSION,
        command=command,
        inputs=describe_inputs(inputs),
        options={name: json_option(value) for name, value in options.items()},
        solver=None if solver is None else solver_info(solver),
        seeds=dict(seeds or {}),
        platform=platform_info(),
    )
