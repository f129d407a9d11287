"""gapsolver: close capability gaps in UN peacekeeping with a ranked mixed-integer model.

The pipeline, stage by stage::

    load_scenario (schema + consistency) → encode → eligible pairs + scores → build_model
    → lexicographic solve (weighted gap, then suitability) → Result
"""

from gapsolver.exceptions import GapsolverError, InputError, OutputError, SolverError
from gapsolver.preprocess.load import load_scenario, scenario_from_data
from gapsolver.schema.result import Result, SolveStatus
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.pipeline import solve_scenario

__version__ = "0.1.0"

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
