"""gapsolver: close capability gaps in UN peacekeeping with a ranked mixed-integer model.

The pipeline, stage by stage::

    load_scenario (schema + consistency) → encode → eligible pairs + scores → build_model
    → lexicographic solve (weighted gap, then suitability) → Result

The public names below are imported when first used, so that importing a part of the package (the
command line, whose ``--help`` should be instant) does not load the whole pipeline. A name that
hands out results also loads their frames (:meth:`Result.to_frames`, built in
:mod:`gapsolver.report.frames`). docs/python-api.md is the tour for researchers: solve, frames,
``whatif``, ``robust``, ``compare``, ``shortfall``, ``explain``, ``read_batch``, and the
stochastic plan (``stochastic_plan``, ``evaluate_plan``, ``compare_plans``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gapsolver.runtime.version import GAPSOLVER_VERSION

if TYPE_CHECKING:
    from gapsolver.analysis.api import WhatIf, compare, explain, shortfall, whatif
    from gapsolver.analysis.robust import robust
    from gapsolver.analysis.stochastic import (
        Cvar,
        compare_plans,
        evaluate_plan,
        read_plan_file,
        stochastic_plan,
    )
    from gapsolver.batch.export import read_batch
    from gapsolver.exceptions import GapsolverError, InputError, OutputError, SolverError
    from gapsolver.preprocess.load import load_scenario, scenario_from_data
    from gapsolver.schema.result import Result, SolveStatus
    from gapsolver.solve.options import SolveOptions
    from gapsolver.solve.pipeline import solve_scenario

__version__ = GAPSOLVER_VERSION

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
    "whatif": "gapsolver.analysis.api",
    "WhatIf": "gapsolver.analysis.api",
    "compare": "gapsolver.analysis.api",
    "shortfall": "gapsolver.analysis.api",
    "explain": "gapsolver.analysis.api",
    "robust": "gapsolver.analysis.robust",
    "read_batch": "gapsolver.batch.export",
    "stochastic_plan": "gapsolver.analysis.stochastic",
    "evaluate_plan": "gapsolver.analysis.stochastic",
    "compare_plans": "gapsolver.analysis.stochastic",
    "read_plan_file": "gapsolver.analysis.stochastic",
    "Cvar": "gapsolver.analysis.stochastic",
}

_GIVE_RESULTS = ("Result", "solve_scenario", "whatif", "WhatIf")
"""The public names that hand out a :class:`Result`: using one also loads
:mod:`gapsolver.report.frames`, which gives results their frames (``Result.to_frames``)."""

__all__ = [
    "Cvar",
    "GapsolverError",
    "InputError",
    "OutputError",
    "Result",
    "SolveOptions",
    "SolveStatus",
    "SolverError",
    "WhatIf",
    "__version__",
    "compare",
    "compare_plans",
    "evaluate_plan",
    "explain",
    "load_scenario",
    "read_batch",
    "read_plan_file",
    "robust",
    "scenario_from_data",
    "shortfall",
    "solve_scenario",
    "stochastic_plan",
    "whatif",
]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        if name in _GIVE_RESULTS:
            importlib.import_module("gapsolver.report.frames")
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gapsolver' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
