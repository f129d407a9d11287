"""The batch spec file: scenarios, variants, sweeps, robustness samples, strategies, solver options."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, StrictInt, model_validator

from gapsolver.limits import (
    MAX_SAMPLES,
    MAX_SEED,
    MAX_SWEEP_POINTS,
    MAX_SWEEP_VALUE,
    MAX_TIME_LIMIT,
)
from gapsolver.preprocess.document import Document, validate_document
from gapsolver.preprocess.load import read_document
from gapsolver.preprocess.variants import (
    Target,
)
from gapsolver.schema.scenario import Identifier, StrictModel
from gapsolver.solve.options import STRATEGIES


class VariantsRef(StrictModel):
    """Variants to run, from a variants file."""

    file: str
    """Variants file, relative to the spec file."""
    names: list[Identifier] | None = None
    """Variants to run (default: every variant in the file)."""


SweepNumber = Annotated[float, Field(ge=-MAX_SWEEP_VALUE, le=MAX_SWEEP_VALUE)]


class SweepRange(StrictModel):
    """Values start, start + step, … up to and including stop (at most 10,000 of them)."""

    start: SweepNumber
    stop: SweepNumber
    step: Annotated[float, Field(gt=0, le=MAX_SWEEP_VALUE)] = 1.0

    @property
    def count(self) -> int:
        return int((self.stop - self.start) / self.step + 1e-9) + 1

    @model_validator(mode="after")
    def _bounded(self) -> SweepRange:
        if self.stop < self.start:
            raise ValueError(f"stop {self.stop:g} is below start {self.start:g}: no values")
        if self.count > MAX_SWEEP_POINTS:
            raise ValueError(
                f"{self.count:,} values; a sweep takes at most {MAX_SWEEP_POINTS:,} (raise the step)"
            )
        return self


class Sweep(StrictModel):
    """One parameter over a list or a range of values, each value one case."""

    name: Identifier
    """Name of the sweep, used in case names (``name=value``)."""
    parameter: Target
    """A TARGET as in variants (``donations[KOR-UH-2021].quantity``)."""
    values: (
        Annotated[list[StrictInt | SweepNumber], Field(min_length=1, max_length=MAX_SWEEP_POINTS)]
        | None
    ) = None
    """The values (at most 10,000)."""
    range: SweepRange | None = None
    """Or a range of values."""

    @model_validator(mode="after")
    def _values_or_range(self) -> Sweep:
        if (self.values is None) == (self.range is None):
            raise ValueError("give exactly one of values and range")
        return self

    def points(self) -> list[float | int]:
        if self.values is not None:
            return list(self.values)
        assert self.range is not None
        points = [self.range.start + index * self.range.step for index in range(self.range.count)]
        return [int(p) if float(p).is_integer() else round(p, 12) for p in points]


class Robustness(StrictModel):
    """Seeded reliability samples per case and strategy (see `gapsolver robust`)."""

    samples: Annotated[int, Field(ge=1, le=MAX_SAMPLES)]
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0


class BatchSpec(StrictModel):
    """A batch of runs."""

    name: str = "batch"
    """Name, stored with the runs."""
    scenarios: Annotated[list[str], Field(min_length=1)]
    """Scenario files or globs, relative to the spec file."""
    include_base: bool = True
    """Also run each scenario unchanged (case ``base``)."""
    variants: VariantsRef | None = None
    """Variants to run on every scenario."""
    sweeps: list[Sweep] = Field(default_factory=list)
    """Parameters to sweep on every scenario."""
    robustness: Robustness | None = None
    """Reliability samples, in addition to the nominal run."""
    strategies: Annotated[list[str], Field(min_length=1)] = Field(
        default_factory=lambda: ["optimal"]
    )
    """Strategies: optimal, greedy, sequential."""
    solver: str = "highs"
    """highs or cbc."""
    time_limit: Annotated[float, Field(gt=0, le=MAX_TIME_LIMIT)] | None = None
    """Seconds per run (status time_limit when the optimum is not proven in time)."""

    @model_validator(mode="after")
    def _known(self) -> BatchSpec:
        unknown = [s for s in self.strategies if s not in STRATEGIES]
        if unknown:
            raise ValueError(
                f"unknown strategies {', '.join(unknown)} (choose from {', '.join(STRATEGIES)})"
            )
        if self.solver not in ("highs", "cbc"):
            raise ValueError(f"unknown solver {self.solver!r} (highs or cbc)")
        return self


def read_spec(path: str | Path) -> tuple[BatchSpec, Document]:
    """The spec, validated, and its document (to locate later problems at its lines)."""

    doc = read_document(path)
    return validate_document(BatchSpec, doc, []), doc
