"""Plan difference: what changed between two results — gaps opened and closed, assignments moved,
donations redirected, training seats, and the headline figures."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from gapsolver.exceptions import InputError, Problem
from gapsolver.limits import MAX_QUANTITY
from gapsolver.preprocess.document import Document, pydantic_problems
from gapsolver.preprocess.load import read_document
from gapsolver.schema.analysis import (
    AssignmentChange,
    DonationChange,
    FigureChange,
    GapChange,
    PlanDiff,
    SeatChange,
    VariantDiff,
)
from gapsolver.schema.result import RESULT_FORMAT_VERSION, Result, StageStatus

MAX_FIGURE = 1e30
"""Largest figure a result file may hold (the check is that figures are finite numbers)."""

KPIS = ("weighted_gap", "gap_units", "allocated_units", "cost", "women_share", "suitability")

Number = Annotated[float, Field(ge=-MAX_FIGURE, le=MAX_FIGURE)]
Units = Annotated[int, Field(ge=-MAX_QUANTITY * 1000, le=MAX_QUANTITY * 1000)]
Name = Annotated[str, Field(max_length=10_000)]


class _Part(BaseModel):
    """A part of a result file: the keys gapsolver reads, typed; any other key is kept as is."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False, strict=True)


class _RequirementRow(_Part):
    id: Name
    mission: Name
    gap: Units
    allocated: Units


class _AssignmentRow(_Part):
    pledge: Name
    state: Name
    requirement: Name
    mission: Name
    capability: Name
    units: Units
    training: Name | None = None


class _DonationRow(_Part):
    donation: Name
    recipient: Name
    items: Units


class _TrainingRow(_Part):
    training: Name
    seats_used: Units


class _StageRow(_Part):
    objective: Name
    status: Annotated[StageStatus, Field(strict=False)]
    value: Number | None = None
    bound: Number | None = None
    mip_gap: Number | None = None
    seconds: Number = 0.0


def _known_version(version: int) -> int:
    if version != RESULT_FORMAT_VERSION:
        raise ValueError(
            f"result format version {version}; this gapsolver reads version {RESULT_FORMAT_VERSION}"
        )
    return version


class ResultFile(_Part):
    """What `gapsolver diff` and `gapsolver graph --result` read of a result JSON: the keys of
    :class:`gapsolver.schema.result.Result` they use, held to the bounds of any input (a result file
    may come from anywhere); other keys are kept as they are."""

    format_version: Annotated[int, AfterValidator(_known_version)]
    scenario: Name
    weighted_gap: Number
    gap_units: Units
    cost: Number | None = None
    women_share: Number | None = None
    suitability: Number | None = None
    requirements: list[_RequirementRow]
    assignments: list[_AssignmentRow]
    donations: list[_DonationRow]
    trainings: list[_TrainingRow]
    stages: list[_StageRow] = Field(default_factory=list)

    @classmethod
    def of(cls, result: Result) -> ResultFile:
        """The view of a result solved in this process (its JSON, read as a file would be)."""
        return cls.model_validate(result.to_dict())


def read_result_file(path: str | Path) -> ResultFile:
    """A result JSON written by `gapsolver solve`, checked (types, finite numbers, the keys read);
    InputError naming every problem, located, otherwise."""
    doc = read_document(Path(path))
    if doc.problems:
        raise InputError(doc.problems, doc.source)
    return result_from_document(doc)


def result_from_document(doc: Document) -> ResultFile:
    """A result read from a document already parsed (:func:`read_result_file` after reading)."""
    try:
        return ResultFile.model_validate(doc.data)
    except ValidationError as error:
        raise InputError(pydantic_problems(error, doc), doc.source) from None


def read_results(paths: list[Path]) -> list[ResultFile]:
    """Several result files, every problem in all of them at once."""
    results, problems = [], []
    for path in paths:
        try:
            results.append(read_result_file(path))
        except InputError as error:
            problems += [
                Problem(p.path, p.message, p.line, p.source or error.source) for p in error.problems
            ]
    if problems:
        raise InputError(problems)
    return results


def _allocated(result: ResultFile) -> int:
    return sum(int(r.allocated) for r in result.requirements)


def _figure(result: ResultFile, name: str) -> float | int | None:
    figures: dict[str, float | int | None] = {
        "weighted_gap": result.weighted_gap,
        "gap_units": result.gap_units,
        "allocated_units": _allocated(result),
        "cost": result.cost,
        "women_share": result.women_share,
        "suitability": result.suitability,
    }
    return figures[name]


def diff_results(a: ResultFile, b: ResultFile) -> PlanDiff:
    """The difference from plan ``a`` to plan ``b``."""
    kpis = {}
    for name in KPIS:
        value_a, value_b = _figure(a, name), _figure(b, name)
        delta = None if value_a is None or value_b is None else round(value_b - value_a, 9)
        kpis[name] = FigureChange(a=value_a, b=value_b, delta=delta)

    requirements_a = {r.id: r for r in a.requirements}
    requirements_b = {r.id: r for r in b.requirements}
    opened, closed = [], []
    for identifier in sorted(requirements_a.keys() & requirements_b.keys()):
        gap_a, gap_b = int(requirements_a[identifier].gap), int(requirements_b[identifier].gap)
        row = GapChange(
            requirement=identifier,
            mission=requirements_b[identifier].mission,
            gap_a=gap_a,
            gap_b=gap_b,
        )
        if gap_b > gap_a:
            opened.append(row)
        elif gap_b < gap_a:
            closed.append(row)

    def units(result: ResultFile) -> dict[tuple[str, str, str], int]:
        table: dict[tuple[str, str, str], int] = defaultdict(int)
        for assignment in result.assignments:
            table[(assignment.pledge, assignment.state, assignment.requirement)] += int(
                assignment.units
            )
        return table

    units_a, units_b = units(a), units(b)
    moved = [
        AssignmentChange(
            pledge=pledge,
            state=state,
            requirement=requirement,
            units_a=units_a.get(key, 0),
            units_b=units_b.get(key, 0),
        )
        for key in sorted(units_a.keys() | units_b.keys())
        for pledge, state, requirement in [key]
        if units_a.get(key, 0) != units_b.get(key, 0)
    ]

    def gifts(result: ResultFile) -> dict[tuple[str, str], int]:
        table: dict[tuple[str, str], int] = defaultdict(int)
        for use in result.donations:
            table[(use.donation, use.recipient)] += int(use.items)
        return table

    gifts_a, gifts_b = gifts(a), gifts(b)
    redirected = [
        DonationChange(
            donation=donation,
            recipient=recipient,
            items_a=gifts_a.get(key, 0),
            items_b=gifts_b.get(key, 0),
        )
        for key in sorted(gifts_a.keys() | gifts_b.keys())
        for donation, recipient in [key]
        if gifts_a.get(key, 0) != gifts_b.get(key, 0)
    ]
    seats_a = {t.training: int(t.seats_used) for t in a.trainings}
    seats_b = {t.training: int(t.seats_used) for t in b.trainings}
    seats = [
        SeatChange(
            training=training,
            seats_a=seats_a.get(training, 0),
            seats_b=seats_b.get(training, 0),
        )
        for training in sorted(seats_a.keys() | seats_b.keys())
        if seats_a.get(training, 0) != seats_b.get(training, 0)
    ]
    return PlanDiff(
        scenario_a=a.scenario,
        scenario_b=b.scenario,
        kpis=kpis,
        gaps_opened=opened,
        gaps_closed=closed,
        requirements_only_in_a=sorted(requirements_a.keys() - requirements_b.keys()),
        requirements_only_in_b=sorted(requirements_b.keys() - requirements_a.keys()),
        assignments_changed=moved,
        donations_redirected=redirected,
        training_seats_changed=seats,
    )


def variant_diff(
    base: Result, variant: Result, variants: list[str], changes: list[dict[str, Any]]
) -> VariantDiff:
    """`whatif`: the difference from the base scenario's plan to the variant's, with the variants
    and the changes applied."""
    difference = diff_results(ResultFile.of(base), ResultFile.of(variant))
    return VariantDiff(**dict(difference), variants=variants, changes=changes)
