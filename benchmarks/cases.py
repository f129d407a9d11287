"""The benchmark registry: named, sized cases."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoringCase:
    name: str
    options: int
    requirements: int

    @property
    def pairs(self) -> int:
        return self.options * self.requirements


@dataclass(frozen=True)
class SolveCase:
    name: str
    pledges: int
    states: int
    missions: int
    requirements: int | None = None  # None: the generator's default

    def generator_args(self, seed: int) -> dict[str, int | None]:
        return {
            "pledges": self.pledges,
            "states": self.states,
            "missions": self.missions,
            "requirements": self.requirements,
            "seed": seed,
        }


SCORING_CASES = {
    case.name: case
    for case in (
        ScoringCase("score-1kx1k", 1_000, 1_000),
        ScoringCase("score-10kx3k", 10_000, 3_000),
    )
}

SOLVE_CASES = {
    case.name: case
    for case in (
        SolveCase("solve-200", pledges=200, states=60, missions=12),
        SolveCase("solve-2000", pledges=2_000, states=66, missions=12),
        SolveCase("solve-10000", pledges=10_000, states=333, missions=16),
    )
}
