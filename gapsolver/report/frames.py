"""A solve's result as pandas DataFrames, for researchers (``Result.to_frames()``, the ``frames``
extra).

One frame per part of the result, one row per element, flat columns named after the result file's
keys (so a frame and the JSON read alike):

- ``requirements``: one row per requirement outcome — ``requirement`` (its id), ``mission``,
  ``capability``, ``priority`` (an ordered categorical, critical first), ``weight``, ``quantity``,
  ``allocated``, ``gap``, ``weighted_gap``, ``reason_types`` (the reasons' types, comma-separated)
  and ``reasons`` (why it is short, in the words of the solve table: one line per reason);
- ``allocation``: one row per assignment — the fields of
  :class:`gapsolver.schema.result.Assignment`, ``ready`` as a datetime;
- ``donations``: one row per donation use — the fields of
  :class:`gapsolver.schema.result.DonationUse`, what the items fill as text in ``fills``;
- ``trainings``: one row per training — the fields of :class:`gapsolver.schema.result.TrainingUse`.

The reasons' words are the report's own (:func:`gapsolver.report.reasons.reason_summary`, whose
blocking rules speak with :func:`gapsolver.preprocess.rules.words`); they live above the schema,
so this module builds the frames and sets itself as :attr:`Result.frames_builder
<gapsolver.schema.result.Result.frames_builder>` when it is loaded (the public names that hand
out results load it: ``gapsolver.solve_scenario``, ``gapsolver.Result``, ``gapsolver.whatif``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from gapsolver.exceptions import import_extra
from gapsolver.report.reasons import reason_summary
from gapsolver.report.result import donation_fills
from gapsolver.schema import Priority
from gapsolver.schema.result import (
    Assignment,
    DonationUse,
    RequirementOutcome,
    Result,
    TrainingUse,
)


def _columns(part: type[BaseModel], renamed: dict[str, str] | None = None) -> list[str]:
    """The part's fields in the schema's order, some renamed: a frame's columns (an empty part's
    frame still has them)."""
    renamed = renamed or {}
    return [renamed.get(name, name) for name in part.model_fields]


def requirements_frame(result: Result, pandas: Any) -> Any:
    columns = _columns(RequirementOutcome, {"id": "requirement"})
    columns.insert(columns.index("reasons"), "reason_types")
    rows = [
        {
            **outcome.model_dump(mode="json", exclude={"id", "reasons"}),
            "requirement": outcome.id,
            "reason_types": ", ".join(dict.fromkeys(reason.type for reason in outcome.reasons)),
            "reasons": "\n".join(reason_summary(reason) for reason in outcome.reasons),
        }
        for outcome in result.requirements
    ]
    frame = pandas.DataFrame(rows, columns=columns)
    frame["priority"] = pandas.Categorical(
        frame["priority"], categories=[priority.value for priority in Priority], ordered=True
    )
    return frame


def allocation_frame(result: Result, pandas: Any) -> Any:
    rows = [assignment.model_dump(mode="json") for assignment in result.assignments]
    frame = pandas.DataFrame(rows, columns=_columns(Assignment))
    frame["ready"] = pandas.to_datetime(frame["ready"])
    return frame


def donations_frame(result: Result, pandas: Any) -> Any:
    rows = [
        {
            **use.model_dump(mode="json", exclude={"requirements"}),
            "fills": donation_fills(use),
        }
        for use in result.donations
    ]
    return pandas.DataFrame(rows, columns=_columns(DonationUse, {"requirements": "fills"}))


def trainings_frame(result: Result, pandas: Any) -> Any:
    rows = [use.model_dump(mode="json") for use in result.trainings]
    return pandas.DataFrame(rows, columns=_columns(TrainingUse))


def result_frames(result: Result) -> dict[str, Any]:
    """The result as pandas DataFrames: ``requirements``, ``allocation``, ``donations``,
    ``trainings`` (see the module's docstring for their rows and columns). Without pandas, a
    :class:`gapsolver.exceptions.MissingExtra` naming the ``frames`` extra."""
    pandas = import_extra("pandas", "Result.to_frames()", "pandas", "frames")
    return {
        "requirements": requirements_frame(result, pandas),
        "allocation": allocation_frame(result, pandas),
        "donations": donations_frame(result, pandas),
        "trainings": trainings_frame(result, pandas),
    }


Result.frames_builder = result_frames
