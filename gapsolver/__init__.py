"""gapsolver: close capability gaps in UN peacekeeping with a ranked mixed-integer model.

The pipeline, stage by stage::

    load_scenario (schema + consistency) → encode → eligible pairs + scores → build_model
    → lexicographic solve (weighted gap, then suitability) → Result

The public names below are imported when first used, so that importing a part of the package (the
command line, whose ``--help`` should be instant) does not load the whole pipeline.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gapsolver.exceptions import GapsolverError, InputError, OutputError, SolverError
    from gapsolver.preprocess.load import load_scenario, scenario_from_data
    from gapsolver.schema.result import Result, SolveStatus
    from gapsolver.solve.options import SolveOptions
    from gapsolver.solve.pipeline import solve_scenario

__version__ = "0.1.0"

_PUBLIC = {
    "GapsolverError": "gapsolver.exceptions",
    "InputError": "gapsolver.exceptions",
    "OutputError": "gapsolver.exceptions",
    "SolverError": "gapsolver.exceptions",
    "load_scenario": "gapsolver.preprocess.load",
    "scenario_from_data": "gapsolver.preprocess.load",
    "Result": "gapsolver.schema.result",
    "SolveStatus": "gapsolver.schema.result",
    "SolveOptions": "gapsolver.solve.options",
    "solve_scenario": "gapsolver.solve.pipeline",
}

__all__ = [
    "GapsolverError",
    "InputError",
    "OutputError",
    "Result",
    "SolveOptions",
    "SolveStatus",
    "SolverError",
    "__version__",
    "load_scenario",
    "scenario_from_data",
    "solve_scenario",
]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gapsolver' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
