"""A committed plan that holds when pledges fail: the two-stage stochastic programme.

The first stage is decided now, before anyone knows which pledges, donations and courses
materialize: the units of each pledge called forward, the items of each donation committed to each
recipient, the seats of each training funded (for any of its trainee states, or per trainee state
with ``seats_by_state``). The second stage adapts in each
of N samples drawn by the sampler of `robust` (:func:`gapsolver.analysis.robust.materialized`):
the called-forward units that materialize are assigned to requirements, using the committed items
that materialize and the funded seats of the courses that take place, under every rule of the model
(requirement quantities, budget, state–mission cap). The programme minimises the mean weighted gap
over the samples (plus λ × its CVaR when asked), then the size of the commitment, then the expected
suitability. docs/formulation.md, section "Stochastic plan", states it exactly.

The extensive form is built from the scenario's own model (:func:`gapsolver.model.build.build_model`):
its eligible pairs are the second stage's columns, copied once per distinct sample; its gift columns
are the committed items; every row of a constraint family is copied per sample, the pledge and
training capacities becoming the commitments. Nothing re-derives eligibility or restates a capacity.

Stage by stage: the hedge (every pledge called forward, every seat funded, the deterministic plan's
items; each sample's assignments optimised alone), proven optimal when it meets WS; else the LP
relaxation, a dive, a plan from the LP's first stage, then HiGHS's MIP from the best plan so far
(always feasible); large forms by pricing (column generation per sample and requirement).

Figures: SP is the programme's optimum; EEV fixes the deterministic plan's first stage (what the
nominal optimal plan uses) and optimises the assignments per sample; WS is each sample's own optimum
(the weighted gaps `robust` finds on the same seed). WS ≤ SP ≤ EEV; VSS = EEV − SP, EVPI = SP − WS.
:func:`evaluate_plan` judges any committed plan (deterministic or stochastic) on fresh samples the
same way, its first stage fixed.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from gapsolver.analysis.diff import result_from_document
from gapsolver.analysis.robust import KINDS, by_risk, distribution, materialized
from gapsolver.backend import (
    Backend,
    StageOutcome,
    StageStatus,
    make_backend,
    relative_gap,
    relaxation_outcome,
)
from gapsolver.backend.highs import HighsBackend
from gapsolver.exceptions import InputError, Problem, SolverError, raise_if_stopped
from gapsolver.limits import (
    MAX_CVAR_LEVEL,
    MAX_CVAR_WEIGHT,
    MAX_EXTENSIVE_CELLS,
    MAX_STOCHASTIC_SAMPLES,
)
from gapsolver.model.build import build_model
from gapsolver.model.model import INF, Model, RowBlock
from gapsolver.preprocess.document import pydantic_problems
from gapsolver.preprocess.encode import NONE, BoolArray, FloatArray, IntArray, encode, index_map
from gapsolver.preprocess.load import read_document
from gapsolver.preprocess.scoring import Scores
from gapsolver.schema import Scenario
from gapsolver.schema.analysis import (
    ElementCounts,
    ElementIds,
    PlanGap,
    RequirementRisk,
    SampleRun,
)
from gapsolver.schema.result import SolveStatus, StageReport
from gapsolver.schema.stochastic import (
    CalledForward,
    CommittedPlan,
    ItemsCommitted,
    PlanComparison,
    PlanEvaluation,
    PlanPair,
    PlanRisk,
    PlanSource,
    SampleGaps,
    SeatsFunded,
    StochasticReport,
    StochasticSize,
)
from gapsolver.solve.lexicographic import (
    CERTIFICATE_TOLERANCE,
    ModelState,
    certified_reduced_costs,
    dive,
    first_stage_time,
    optimal_face,
)
from gapsolver.solve.options import SolveOptions, remaining
from gapsolver.solve.pipeline import solve_plan

ORDER_TOLERANCE = 1e-6
"""WS ≤ SP ≤ EEV is checked within this share of max(1, EEV)."""
PRICED_COLUMNS = 200_000
"""Extensive forms with more columns than this solve each stage by pricing (column generation over
the assignment columns, per pattern and requirement); smaller ones on the whole form."""
INITIAL_PER_GROUP = 3
ADDED_PER_GROUP = 3
PRICING_TOLERANCE = 1e-9
MAX_PRICING_ROUNDS = 500
FIX_TOLERANCE = 1e-7
"""Slack, relative to max(1, |value|), on a ranked objective with fractional coefficients when it is
fixed for the next stage (an objective with integral coefficients is fixed exactly: value + ½)."""


# --------------------------------------------------------------------------------------------------
# The samples


@dataclass(frozen=True)
class Draws:
    """N samples of one seed, grouped by what materializes: pattern ``g`` holds the rows of the
    masks, drawn by ``count[g]`` samples; sample ``i`` drew pattern ``pattern[i]``."""

    seed: int
    pledges: BoolArray
    """[G, P] whether each pledge materializes."""
    donations: BoolArray
    """[G, D]"""
    trainings: BoolArray
    """[G, T]"""
    count: IntArray
    """[G] samples that drew the pattern."""
    pattern: IntArray
    """[N] the pattern of each sample."""

    @property
    def samples(self) -> int:
        return int(self.pattern.size)

    def dropped(self, scenario: Scenario, index: int) -> ElementIds:
        """What did not materialize in sample ``index``."""
        g = int(self.pattern[index])
        masks = {"pledges": self.pledges, "donations": self.donations, "trainings": self.trainings}
        return ElementIds(
            **{
                kind: [
                    element.id
                    for element, kept in zip(getattr(scenario, kind), masks[kind][g], strict=True)
                    if not kept
                ]
                for kind in KINDS
            }
        )


def draw(scenario: Scenario, samples: int, seed: int) -> Draws:
    """Samples ``0 .. samples−1`` of ``seed`` from the sampler of `robust`, grouped into patterns
    (identical draws share a pattern; patterns in lexicographic order of their masks)."""
    sizes = [len(getattr(scenario, kind)) for kind in KINDS]
    masks = np.zeros((samples, sum(sizes)), dtype=bool)
    for index in range(samples):
        outcome = materialized(scenario, seed, index)
        masks[index] = np.concatenate([outcome[kind] for kind in KINDS])
    if masks.shape[1] == 0:
        unique = masks[:1]
        inverse = np.zeros(samples, dtype=np.int64)
        count = np.array([samples], dtype=np.int64)
    else:
        unique, inverse, count = np.unique(masks, axis=0, return_inverse=True, return_counts=True)
    edges = np.cumsum([0, *sizes])
    return Draws(
        seed=seed,
        pledges=unique[:, edges[0] : edges[1]],
        donations=unique[:, edges[1] : edges[2]],
        trainings=unique[:, edges[2] : edges[3]],
        count=count.astype(np.int64),
        pattern=inverse.reshape(-1).astype(np.int64),
    )


def uncertain_elements(scenario: Scenario) -> ElementCounts:
    """Elements with a reliability below 1, per kind."""
    return ElementCounts(
        **{kind: sum(1 for e in getattr(scenario, kind) if e.reliability < 1) for kind in KINDS}
    )


# --------------------------------------------------------------------------------------------------
# Risk measures over samples


@dataclass(frozen=True)
class Cvar:
    """The objective mean + ``weight`` × CVaR_``alpha`` of the weighted gap."""

    alpha: float
    """The level: CVaR_α is the mean of the worst 1 − α share of the samples (0 ≤ α < 1)."""
    weight: float = 1.0
    """λ ≥ 0."""


def value_at_risk(values: FloatArray, weights: FloatArray, alpha: float) -> tuple[float, float]:
    """(VaR_α, CVaR_α) of a discrete distribution (``values`` with ``weights``): VaR the smallest
    value whose cumulative share reaches α, CVaR = VaR + E[(G − VaR)⁺] / (1 − α), the minimum of
    Rockafellar and Uryasev's function η + E[(G − η)⁺] / (1 − α)."""
    order = np.argsort(values, kind="stable")
    share = np.cumsum(weights[order]) / weights.sum()
    at = int(np.searchsorted(share, alpha - 1e-12, side="left"))
    var = float(values[order][min(at, values.size - 1)])
    excess = np.maximum(values - var, 0.0)
    return var, var + float(weights @ excess) / (weights.sum() * (1.0 - alpha))


def _risk_objective(gaps: FloatArray, cvar: Cvar | None) -> float:
    """The programme's objective for per-sample weighted gaps, unrounded: their mean, plus
    λ × their CVaR with a CVaR."""
    mean = float(gaps.mean())
    if cvar is None:
        return mean
    return mean + cvar.weight * value_at_risk(gaps, np.ones(gaps.size), cvar.alpha)[1]


def _risk(gaps: FloatArray, cvar: Cvar | None) -> PlanRisk:
    """A plan's weighted gaps over the samples (one per sample), summarised."""
    risk = PlanRisk(
        objective=round(_risk_objective(gaps, cvar), 6),
        mean=round(float(gaps.mean()), 6),
        weighted_gap=distribution(gaps.tolist()),
    )
    if cvar is not None:
        risk.cvar = round(value_at_risk(gaps, np.ones(gaps.size), cvar.alpha)[1], 6)
    return risk


# --------------------------------------------------------------------------------------------------
# The extensive form


@dataclass
class ExtensiveForm:
    """The deterministic equivalent over G patterns, as a :class:`Model` (``model``) handed to the
    solver like any other, and where its columns sit.

    Columns: ``x`` (0 .. X−1), a copy of the base model's pair column ``x_pair[c]`` for pattern
    ``x_pattern[c]``, only where the pair's pledge and course materialize; ``y`` (X .. X+J−1), the
    base model's gift columns, committed in the first stage; ``u`` (called-forward units, one per
    pledge with eligible pairs: ``call_pledge``); ``f`` (funded seats, one per training with trained
    pairs: ``seat_training``; per (training, trainee state) with ``seats_by_state``, ``seat_state``
    then naming the state, else −1); with a CVaR, ``eta`` and one ``excess`` per pattern. ``model``'s pair arrays are the x columns' pairs and its gift arrays the
    base model's, so a plan is read against its rows with :meth:`Model.use` (row keys begin with the
    pattern)."""

    base: Model
    model: Model
    pledges: BoolArray
    donations: BoolArray
    trainings: BoolArray
    weight: FloatArray
    """[G] weight of each pattern in the objective (its sample count)."""
    x_pattern: IntArray
    x_pair: IntArray
    call_pledge: IntArray
    seat_training: IntArray
    seat_state: IntArray
    seats_by_state: bool
    cvar: Cvar | None
    gap_objective: FloatArray
    """Minimise Σ_g weight_g (G_g − Σ_r w_r q_r) (+ the CVaR terms): the first ranked objective
    without its constant (so that it is integral with integral weights)."""
    commitment_objective: FloatArray
    """Σ u + Σ f + Σ y: the second."""
    suitability_objective: FloatArray
    """−Σ_g weight_g Σ_k σ_k x_{g,k}: the third."""

    @property
    def patterns(self) -> int:
        return int(self.weight.size)

    @property
    def n_x(self) -> int:
        return int(self.x_pair.size)

    @property
    def gift_start(self) -> int:
        return self.n_x

    @property
    def call_start(self) -> int:
        return self.n_x + int(self.base.give_donation.size)

    @property
    def seat_start(self) -> int:
        return self.call_start + int(self.call_pledge.size)

    @property
    def risk_start(self) -> int:
        """The column of η (with a CVaR; the e columns follow)."""
        return self.seat_start + int(self.seat_training.size)

    @property
    def first_stage(self) -> slice:
        """The first-stage columns: y, u, f."""
        return slice(self.gift_start, self.risk_start)

    @property
    def offset(self) -> float:
        """Σ_r w_r q_r: the weighted gap of a sample in which nothing deploys."""
        return float(self.base.primary_offset)

    def pattern_gaps(self, values: FloatArray) -> FloatArray:
        """[G] the weighted gap of each pattern's assignments."""
        covered = np.bincount(
            self.x_pattern,
            weights=-self.base.primary[self.x_pair] * values[: self.n_x],
            minlength=self.patterns,
        )
        return np.round(self.offset - covered, 9)

    def pattern_allocations(self, values: FloatArray) -> IntArray:
        """[G, R] units each pattern's assignments give each requirement."""
        n_req = len(self.base.enc.requirement_ids)
        flat = np.bincount(
            self.x_pattern * n_req + self.base.pair_requirement[self.x_pair],
            weights=values[: self.n_x],
            minlength=self.patterns * n_req,
        )
        return np.round(flat).astype(np.int64).reshape(self.patterns, n_req)

    def sample_plan(self, values: FloatArray, g: int) -> FloatArray:
        """Pattern ``g``'s plan in the base model's columns: its assignments on the pair columns, the
        committed items that materialize on the gift columns."""
        plan = np.zeros(self.base.n_cols)
        mine = self.x_pattern == g
        plan[self.x_pair[mine]] = values[: self.n_x][mine]
        gifts = values[self.gift_start : self.call_start]
        plan[self.base.n_pairs :] = gifts * self.donations[g, self.base.give_donation]
        return plan

    def first_stage_values(self, plan: CommittedPlan) -> FloatArray:
        """A committed plan in this form's columns (first stage set, everything else 0).
        Commitments that no eligible pair can use (a pledge with no pair, a seat or a gift to a
        state with no unit that could take it) have no column: they change nothing."""
        enc = self.base.enc
        values = np.zeros(self.model.n_cols)
        pledge = index_map(enc.pledge_ids)
        call = {int(p): self.call_start + i for i, p in enumerate(self.call_pledge.tolist())}
        for row in plan.pledges:
            column = call.get(pledge[row.pledge])
            if column is not None:
                values[column] = row.units
        gift = {
            (enc.donation_ids[d], enc.state_ids[s]): self.gift_start + j
            for j, (d, s) in enumerate(
                zip(self.base.give_donation.tolist(), self.base.give_state.tolist(), strict=True)
            )
        }
        for given in plan.donations:
            column = gift.get((given.donation, given.recipient))
            if column is not None:
                values[column] = given.items
        seat = {
            (enc.training_ids[t], enc.state_ids[s] if s != NONE else None): self.seat_start + i
            for i, (t, s) in enumerate(
                zip(self.seat_training.tolist(), self.seat_state.tolist(), strict=True)
            )
        }
        for funded in plan.seats:
            column = seat.get((funded.training, funded.state if self.seats_by_state else None))
            if column is not None:
                values[column] = funded.seats
        return values

    def committed_plan(self, values: FloatArray, source: PlanSource) -> CommittedPlan:
        """The first stage of a solution of this form."""
        enc = self.base.enc
        units = np.round(values[self.call_start : self.seat_start]).astype(np.int64)
        items = np.round(values[self.gift_start : self.call_start]).astype(np.int64)
        seats = np.round(values[self.seat_start : self.risk_start]).astype(np.int64)
        return committed(
            enc.scenario,
            source,
            self.seats_by_state,
            {enc.pledge_ids[p]: int(n) for p, n in zip(self.call_pledge, units, strict=True)},
            {
                (enc.donation_ids[d], enc.state_ids[s]): int(n)
                for d, s, n in zip(
                    self.base.give_donation, self.base.give_state, items, strict=True
                )
            },
            {
                (enc.training_ids[t], enc.state_ids[s] if s != NONE else None): int(n)
                for t, s, n in zip(self.seat_training, self.seat_state, seats, strict=True)
            },
        )


def committed(
    scenario: Scenario,
    source: PlanSource,
    seats_by_state: bool,
    units: dict[str, int],
    items: dict[tuple[str, str], int],
    seats: dict[tuple[str, str | None], int],
) -> CommittedPlan:
    """A committed plan from units per pledge, items per (donation, recipient) and seats per
    (training, trainee state or None), the zeros left out: rows in scenario order, then by state."""
    pledges = {p.id: (i, p) for i, p in enumerate(scenario.pledges)}
    donations = {d.id: (i, d) for i, d in enumerate(scenario.donations)}
    trainings = {t.id: (i, t) for i, t in enumerate(scenario.trainings)}
    return CommittedPlan(
        scenario=scenario.name,
        source=source,
        seats_by_state=seats_by_state,
        pledges=[
            CalledForward(
                pledge=pledge.id,
                state=pledge.state,
                capability=pledge.capability,
                units=n,
                offered=pledge.quantity,
                reliability=pledge.reliability,
            )
            for (_, pledge), n in sorted(
                ((pledges[p], n) for p, n in units.items()), key=lambda row: row[0][0]
            )
            if n > 0
        ],
        donations=[
            ItemsCommitted(
                donation=donation.id,
                donor=donation.donor,
                item=donation.item,
                recipient=recipient,
                items=n,
                reliability=donation.reliability,
            )
            for (_, donation), recipient, n in sorted(
                ((donations[d], r, n) for (d, r), n in items.items()),
                key=lambda row: (row[0][0], row[1]),
            )
            if n > 0
        ],
        seats=[
            SeatsFunded(
                training=training.id,
                trainer=training.trainer,
                capability=training.capability,
                state=state,
                seats=n,
                reliability=training.reliability,
            )
            for (_, training), state, n in sorted(
                ((trainings[t], state, n) for (t, state), n in seats.items()),
                key=lambda row: (row[0][0], row[1] or ""),
            )
            if n > 0
        ],
    )


def _label(name: str, family: str) -> str:
    """What a base row's name says inside its brackets (``pledge_capacity[P1]`` → ``P1``)."""
    return name[len(family) + 1 : -1] if name.startswith(family + "[") else ""


def _copies(
    family: str,
    labels: list[str],
    keys: np.ndarray,
    upper: FloatArray,
    row: IntArray,
    col: IntArray,
    value: FloatArray,
    position: IntArray,
    link: Callable[[IntArray, IntArray], tuple[IntArray, IntArray, FloatArray]] | None = None,
) -> RowBlock | None:
    """Rows ``family[label@g]``: for every pattern g, base row i over the pattern's x columns
    (entries ``row``/``col``/``value`` on base pair columns; ``position[g, k]`` the copy of pair k,
    −1 when it is absent), ≤ ``upper[i]``. A copy with no x entry is left out. ``link(g, i)`` adds
    entries to the kept rows (returned as (kept row index, column, value))."""
    n_rows = len(labels)
    where = position[:, col]  # [G, E]
    g, e = np.nonzero(where >= 0)
    global_row = g * n_rows + row[e]
    kept, local = np.unique(global_row, return_inverse=True)
    local = local.reshape(-1)
    kept_g, kept_i = kept // max(n_rows, 1), kept % max(n_rows, 1)
    rows, cols, values = [local], [where[g, e]], [value[e]]
    if link is not None:
        extra_row, extra_col, extra_value = link(kept_g, kept_i)
        rows.append(extra_row)
        cols.append(extra_col)
        values.append(extra_value)
    if kept.size == 0:
        return None
    base_keys = keys.reshape(n_rows, -1)
    return RowBlock(
        family,
        [
            f"{family}[{labels[i]}@{gg}]" if labels[i] else f"{family}[@{gg}]"
            for gg, i in zip(kept_g.tolist(), kept_i.tolist(), strict=True)
        ],
        np.concatenate(rows).astype(np.int64),
        np.concatenate(cols).astype(np.int64),
        np.concatenate(values).astype(float),
        np.full(kept.size, -INF),
        upper[kept_i].astype(float),
        np.column_stack([kept_g, base_keys[kept_i]]),
    )


def build_extensive_form(
    base: Model,
    pledges: BoolArray,
    donations: BoolArray,
    trainings: BoolArray,
    weight: FloatArray,
    cvar: Cvar | None = None,
    seats_by_state: bool = False,
) -> ExtensiveForm:
    """The extensive form over the patterns (rows of the masks), each weighted by ``weight``:
    first-stage columns, a copy of the second stage per pattern, the families' rows copied per
    pattern with the commitments as their capacities (see the module and docs/formulation.md).
    Seats are funded per training, or per (training, trainee state) with ``seats_by_state``."""
    enc = base.enc
    n_patterns = int(weight.size)
    n_pairs, n_gifts = base.n_pairs, int(base.give_donation.size)
    blocks = {block.family: block for block in base.blocks}
    pair_pledge = enc.option_pledge[base.pair_option]
    pair_training = enc.option_training[base.pair_option]
    pair_state = enc.pledge_state[pair_pledge]
    # the trainee state a seat is funded for (NONE: any)
    pair_seat_state = pair_state if seats_by_state else np.full(n_pairs, NONE, dtype=np.int64)

    # Second stage: pair k in pattern g where its pledge and its course (if any) materialize.
    course_on = np.concatenate([trainings, np.ones((n_patterns, 1), dtype=bool)], axis=1)
    live = pledges[:, pair_pledge] & course_on[:, pair_training]  # NONE (−1): the last column
    x_pattern, x_pair = np.nonzero(live)
    x_pattern, x_pair = x_pattern.astype(np.int64), x_pair.astype(np.int64)
    n_x = int(x_pair.size)
    position = np.full((n_patterns, n_pairs), -1, dtype=np.int64)
    position[x_pattern, x_pair] = np.arange(n_x)

    # First stage: gifts y (the base model's), called-forward units u, funded seats f.
    gift_start = n_x
    call_pledge = np.unique(pair_pledge).astype(np.int64)
    call_start = gift_start + n_gifts
    call_column = np.full(len(enc.pledge_ids), -1, dtype=np.int64)
    call_column[call_pledge] = call_start + np.arange(call_pledge.size)
    trained = np.flatnonzero(pair_training != NONE)
    seat_keys = np.unique(
        np.column_stack([pair_training[trained], pair_seat_state[trained]]).reshape(-1, 2), axis=0
    )
    seat_training, seat_state = seat_keys[:, 0].astype(np.int64), seat_keys[:, 1].astype(np.int64)
    seat_start = call_start + call_pledge.size
    seat_column = {
        (t, s): seat_start + i
        for i, (t, s) in enumerate(zip(seat_training.tolist(), seat_state.tolist(), strict=True))
    }
    risk_start = seat_start + seat_training.size
    n_cols = risk_start + (1 + n_patterns if cvar is not None else 0)

    col_lower = np.zeros(n_cols)
    col_upper = np.concatenate(
        [
            base.col_upper[x_pair],
            base.col_upper[n_pairs:],
            enc.pledge_quantity[call_pledge].astype(float),
            enc.training_capacity[seat_training].astype(float),
            np.full(n_cols - risk_start, base.primary_offset),  # G ∈ [0, Σ w q]: so are η and e
        ]
    )
    col_integer = np.arange(n_cols) < risk_start
    col_names = (
        [
            f"{base.col_names[k]}@{g}"
            for g, k in zip(x_pattern.tolist(), x_pair.tolist(), strict=True)
        ]
        + base.col_names[n_pairs:]
        + [f"u[{enc.pledge_ids[p]}]" for p in call_pledge.tolist()]
        + [
            f"f[{enc.training_ids[t]}" + (f",{enc.state_ids[s]}]" if s != NONE else "]")
            for t, s in zip(seat_training.tolist(), seat_state.tolist(), strict=True)
        ]
        + (["eta", *(f"excess[@{g}]" for g in range(n_patterns))] if cvar is not None else [])
    )

    rows: list[RowBlock | None] = []
    # First stage: no donation gives more than it offers; no training funds more seats than it has.
    supply = blocks.get("donation_supply")
    if supply is not None:
        rows.append(dataclasses.replace(supply, col=supply.col - n_pairs + gift_start))
    if seat_training.size:
        capacity = blocks["training_capacity"]
        capacity_of = dict(zip(capacity.keys.tolist(), capacity.upper.tolist(), strict=True))
        trainings_funded, row = np.unique(seat_training, return_inverse=True)
        rows.append(
            RowBlock(
                "training_capacity",
                [f"training_capacity[{enc.training_ids[t]}]" for t in trainings_funded.tolist()],
                row.reshape(-1).astype(np.int64),
                seat_start + np.arange(seat_training.size),
                np.ones(seat_training.size),
                np.full(trainings_funded.size, -INF),
                np.array([capacity_of[t] for t in trainings_funded.tolist()], dtype=float),
                trainings_funded,
            )
        )

    # Second stage, per pattern.
    for block in base.blocks:
        on_pairs = block.col < n_pairs
        row, col, value = block.row[on_pairs], block.col[on_pairs], block.value[on_pairs]
        labels = [_label(name, block.family) for name in block.names]
        if block.family == "pledge_capacity":
            # Σ_k∈p x[g,k] ≤ u_p: what deploys is what was called forward and materialized
            pledge_of_row = block.keys.astype(np.int64)

            def called(g: IntArray, i: IntArray, pledge_of_row: IntArray = pledge_of_row) -> Any:
                return (
                    np.arange(g.size),
                    call_column[pledge_of_row[i]],
                    -np.ones(g.size),
                )

            rows.append(
                _copies(
                    "called_forward",
                    labels,
                    block.keys,
                    np.zeros(len(labels)),
                    row,
                    col,
                    value,
                    position,
                    called,
                )
            )
        elif block.family == "training_capacity":
            # Σ_{k of t (and of state s)} x[g,k] ≤ f_t (f_{t,s}): trained units take funded seats
            keys = np.column_stack([pair_training[col], pair_seat_state[col]])
            unique, split = np.unique(keys.reshape(-1, 2), axis=0, return_inverse=True)
            funded = np.array(
                [seat_column[(int(t), int(s))] for t, s in unique.tolist()], dtype=np.int64
            )

            def seats(g: IntArray, i: IntArray, funded: IntArray = funded) -> Any:
                return np.arange(g.size), funded[i], -np.ones(g.size)

            rows.append(
                _copies(
                    "funded_seats",
                    [
                        enc.training_ids[t] + (f",{enc.state_ids[s]}" if s != NONE else "")
                        for t, s in unique.tolist()
                    ],
                    unique if seats_by_state else unique[:, 0],
                    np.zeros(len(unique)),
                    split.reshape(-1).astype(np.int64),
                    col,
                    value,
                    position,
                    seats,
                )
            )
        elif block.family == "donation_supply":
            continue  # first stage (above)
        else:
            link = None
            if not on_pairs.all():
                # the base row's gift entries: committed items count only where the donation
                # materializes (equipment_balance)
                gift_row, gift = block.row[~on_pairs], block.col[~on_pairs] - n_pairs
                gift_value = block.value[~on_pairs]
                order = np.argsort(gift_row, kind="stable")
                gift_row, gift, gift_value = gift_row[order], gift[order], gift_value[order]
                starts = np.searchsorted(gift_row, np.arange(len(labels) + 1))

                def committed(
                    g: IntArray,
                    i: IntArray,
                    gift: IntArray = gift,
                    gift_value: FloatArray = gift_value,
                    starts: IntArray = starts,
                ) -> Any:
                    lengths = starts[i + 1] - starts[i]
                    kept = np.repeat(np.arange(g.size), lengths)
                    entry = np.repeat(starts[i] - np.cumsum(np.r_[0, lengths[:-1]]), lengths)
                    entry = entry + np.arange(int(lengths.sum()))
                    scale = donations[g[kept], base.give_donation[gift[entry]]]
                    live_entry = scale.astype(bool)
                    return (
                        kept[live_entry],
                        gift_start + gift[entry][live_entry],
                        gift_value[entry][live_entry],
                    )

                link = committed
            rows.append(
                _copies(
                    block.family, labels, block.keys, block.upper, row, col, value, position, link
                )
            )

    gap = np.zeros(n_cols)
    gap[:n_x] = weight[x_pattern] * base.primary[x_pair]
    if cvar is not None:
        # e_g ≥ G_g − η, i.e. Σ_k primary_k x[g,k] − η − e_g ≤ −Σ_r w_r q_r
        eta, excess = risk_start, risk_start + 1 + np.arange(n_patterns)
        rows.append(
            RowBlock(
                "cvar_excess",
                [f"cvar_excess[@{g}]" for g in range(n_patterns)],
                np.concatenate([x_pattern, np.arange(n_patterns), np.arange(n_patterns)]),
                np.concatenate([np.arange(n_x), np.full(n_patterns, eta), excess]),
                np.concatenate([base.primary[x_pair], -np.ones(n_patterns), -np.ones(n_patterns)]),
                np.full(n_patterns, -INF),
                np.full(n_patterns, -base.primary_offset),
                np.arange(n_patterns),
            )
        )
        total = float(weight.sum())
        gap[eta] = cvar.weight * total
        gap[excess] = cvar.weight * weight / (1.0 - cvar.alpha)
    commitment = np.zeros(n_cols)
    commitment[gift_start:risk_start] = 1.0
    suitability = np.zeros(n_cols)
    suitability[:n_x] = weight[x_pattern] * base.secondary[x_pair]

    model = Model(
        enc=enc,
        pair_option=base.pair_option[x_pair],
        pair_requirement=base.pair_requirement[x_pair],
        scores=Scores(features={}, score=base.scores.score[x_pair]),
        give_donation=base.give_donation,
        give_state=base.give_state,
        col_names=col_names,
        col_lower=col_lower,
        col_upper=col_upper,
        col_integer=col_integer,
        blocks=[block for block in rows if block is not None and block.names],
        primary=gap,
        primary_offset=0.0,
        secondary=suitability,
    )
    return ExtensiveForm(
        base=base,
        model=model,
        pledges=pledges,
        donations=donations,
        trainings=trainings,
        weight=weight.astype(float),
        x_pattern=x_pattern,
        x_pair=x_pair,
        call_pledge=call_pledge,
        seat_training=seat_training,
        seat_state=seat_state,
        seats_by_state=seats_by_state,
        cvar=cvar,
        gap_objective=gap,
        commitment_objective=commitment,
        suitability_objective=suitability,
    )


# --------------------------------------------------------------------------------------------------
# One ranked objective; the second stage with the first stage fixed (EEV, evaluations)


def _integral(vector: FloatArray) -> bool:
    return bool(np.all(np.abs(vector - np.round(vector)) <= 1e-9))


def _rounded(model: Model, values: FloatArray) -> FloatArray:
    return np.where(model.col_integer, np.round(values), values)


@dataclass(frozen=True)
class Minimised:
    """One objective minimised: the plan, whether it is proven within the gap, the best bound,
    how it was found, and the LP relaxation (for the optimal face)."""

    values: FloatArray
    status: StageStatus
    bound: float | None
    method: str
    seconds: float
    relaxation: StageOutcome | None


def minimise(
    backend: Backend,
    model: Model,
    objective: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    start: FloatArray,
    gap_rel: float,
    deadline: Callable[[], float | None],
    heuristic: Callable[[FloatArray], FloatArray] | None = None,
) -> Minimised:
    """``objective`` over the backend's model (column bounds ``lower``/``upper``), as the
    lexicographic solve's stages begin: the LP relaxation (its value a bound, rounded up when the
    objective is integral; an integral vertex is the optimum: ``lp``); then a dive from it to the
    bound (:func:`gapsolver.solve.lexicographic.dive`; ``lp+dive``); then ``heuristic``'s plan
    from the LP optimum, when given (``lp+patterns`` if it meets the bound); then the MIP from the
    best of ``start`` (a feasible plan) and those (``mip``)."""
    began = time.perf_counter()
    integral = _integral(objective)
    incumbent = _rounded(model, start)
    relaxation = backend.solve(objective, relax=True, time_limit=deadline())
    bound: float | None = None
    if relaxation.status is StageStatus.optimal and relaxation.values is not None:
        bound = float(relaxation.objective or 0.0)
        if integral:
            bound = float(np.ceil(bound - 1e-6))
        if bool(np.all(np.abs(relaxation.values - np.round(relaxation.values)) <= 1e-9)):
            values = _rounded(model, relaxation.values)
            seconds = time.perf_counter() - began
            return Minimised(values, StageStatus.optimal, bound, "lp", seconds, relaxation)
        cutoff = bound + max(gap_rel * max(1.0, abs(bound)), 1e-9)
        if float(objective @ incumbent) <= cutoff:
            seconds = time.perf_counter() - began
            return Minimised(incumbent, StageStatus.optimal, bound, "lp+start", seconds, relaxation)
        found = dive(
            backend, objective, relaxation.values, lower, upper, model.col_integer, cutoff, deadline
        )
        if found is not None and float(objective @ found) <= cutoff:
            seconds = time.perf_counter() - began
            return Minimised(found, StageStatus.optimal, bound, "lp+dive", seconds, relaxation)
        if found is not None and float(objective @ found) < float(objective @ incumbent):
            incumbent = found
        if heuristic is not None:
            candidate = heuristic(relaxation.values)
            if float(objective @ candidate) <= cutoff:
                seconds = time.perf_counter() - began
                return Minimised(
                    candidate, StageStatus.optimal, bound, "lp+patterns", seconds, relaxation
                )
            if float(objective @ candidate) < float(objective @ incumbent):
                incumbent = candidate
    time_left = deadline()
    if time_left is not None and time_left <= 0:
        seconds = time.perf_counter() - began
        return Minimised(incumbent, StageStatus.feasible, bound, "stopped", seconds, relaxation)
    full = backend.solve(objective, time_limit=time_left, warm_start=incumbent, gap_rel=gap_rel)
    if full.status in (StageStatus.error, StageStatus.infeasible):
        raise SolverError(
            f"HiGHS failed (status {full.status.value}, although the plan it started from is "
            "feasible)"
        )
    if full.values is not None:
        candidate = _rounded(model, full.values)
        if float(objective @ candidate) <= float(objective @ incumbent) + 1e-9:
            incumbent = candidate
    if full.bound is not None and abs(full.bound) < 1e30:
        bound = full.bound if bound is None else max(bound, full.bound)
    value = float(objective @ incumbent)
    proven = full.status is StageStatus.optimal or (
        bound is not None and value - bound <= max(gap_rel * max(1.0, abs(value)), 1e-9)
    )
    status = StageStatus.optimal if proven else StageStatus.feasible
    return Minimised(incumbent, status, bound, "mip", time.perf_counter() - began, relaxation)


def _deadline(options: SolveOptions, began: float) -> Callable[[], float | None]:
    """Seconds left of the options' time limit for a solve that began at ``began``."""
    return lambda: remaining(options, began)


@dataclass(frozen=True)
class Assigned:
    """Every pattern's assignments under one committed first stage."""

    values: FloatArray
    """The extensive form's columns: the first stage and every pattern's x."""
    proven: bool
    """Whether every pattern's weighted gap is proven optimal."""
    seconds: float
    """Seconds in the solver."""


def assign(
    form: ExtensiveForm,
    plan: CommittedPlan,
    options: SolveOptions,
    deadline: Callable[[], float | None] | None = None,
    own_first_stage: bool = False,
) -> Assigned:
    """``plan``'s first stage fixed in ``form``, each pattern's assignments optimised on its own:
    the least weighted gap of every pattern (so any risk measure that grows with the gaps is at its
    least too).

    The patterns are solved one after another on one small model: the extensive form of a single
    pattern in which everything materializes, over the pairs of the pledges ``plan`` calls forward
    only (no other unit can deploy); a pattern is then given by bounds (the absent pledges' and
    courses' pairs at 0, the committed items of absent donations at 0, every commitment fixed),
    handed to HiGHS afresh (from scratch it is ten times faster than from the previous pattern's
    basis: 3.1 s against 30 s for 10 patterns at 2,000 pledges). Each
    pattern has ``options.time_limit``, or all of them share ``deadline``; a pattern the time
    limit stops keeps its best plan (none deploys: 0, before any is found).

    With ``own_first_stage`` each pattern also chooses its own first stage (within ``plan``'s
    pledges; the items of absent donations at 0): each pattern's own optimum, WS
    (:func:`perfect_information`). The values' first stage is then ``plan``'s, not the patterns'."""
    base = form.base
    enc = base.enc
    first = form.first_stage_values(plan)
    values = first.copy()
    called = np.zeros(len(enc.pledge_ids), dtype=bool)
    called[form.call_pledge] = first[form.call_start : form.seat_start] > 0
    pairs = np.flatnonzero(called[enc.option_pledge[base.pair_option]])
    small = base.restricted(
        np.concatenate([pairs, base.n_pairs + np.arange(base.give_donation.size)])
    )
    template = build_extensive_form(
        small,
        np.ones((1, len(enc.pledge_ids)), dtype=bool),
        np.ones((1, len(enc.donation_ids)), dtype=bool),
        np.ones((1, len(enc.training_ids)), dtype=bool),
        np.ones(1),
        seats_by_state=form.seats_by_state,
    )
    model = template.model
    fixed = template.first_stage_values(plan)
    stage = template.first_stage
    pair_pledge = enc.option_pledge[small.pair_option[template.x_pair]]
    pair_training = enc.option_training[small.pair_option[template.x_pair]]
    gifts = slice(template.gift_start, template.call_start)
    # where pattern g's copy of base pair k sits in form: x columns run by pattern, then pair
    sorted_key = form.x_pattern * base.n_pairs + form.x_pair
    original_pair = pairs[template.x_pair]
    began = time.perf_counter()
    proven = True
    for g in range(form.patterns):
        raise_if_stopped()
        lower, upper = model.col_lower.copy(), model.col_upper.copy()
        course_on = np.append(form.trainings[g], True)
        live = form.pledges[g][pair_pledge] & course_on[pair_training]
        upper[: template.n_x] = np.where(live, upper[: template.n_x], 0.0)
        committed = fixed.copy()
        committed[gifts] = fixed[gifts] * form.donations[g][small.give_donation]
        if own_first_stage:
            upper[gifts] = np.where(form.donations[g][small.give_donation], upper[gifts], 0.0)
        else:
            lower[stage] = upper[stage] = committed[stage]
        variant = model.derived(col_lower=lower, col_upper=upper)
        solved = minimise(
            make_backend("highs", variant),
            variant,
            template.gap_objective,
            lower,
            upper,
            np.where(np.arange(model.n_cols) < template.n_x, 0.0, lower),  # nothing deploys
            0.0,
            deadline or _deadline(options, time.perf_counter()),
        )
        proven &= solved.status is StageStatus.optimal
        deployed = np.flatnonzero(solved.values[: template.n_x] > 0)
        columns = np.searchsorted(sorted_key, g * base.n_pairs + original_pair[deployed])
        values[columns] = solved.values[deployed]
    if form.cvar is not None:
        gaps = form.pattern_gaps(values)
        var, _ = value_at_risk(gaps, form.weight, form.cvar.alpha)
        eta = form.risk_start
        values[eta] = var
        values[eta + 1 :] = np.maximum(gaps - var, 0.0)
    return Assigned(values, proven, time.perf_counter() - began)


def perfect_information(form: ExtensiveForm, options: SolveOptions) -> tuple[FloatArray, bool]:
    """WS: each pattern's own least weighted gap, everything decided knowing it (every pledge may
    be called forward, every seat funded, the items of the donations that materialize given where
    that pattern needs them), solved as :func:`assign` solves a pattern; and whether every one is
    proven. The same figures as `robust` on the same draws (each sample's optimal weighted gap),
    without its suitability stage."""
    everything = _rounded_first_stage(form, np.zeros(form.model.n_cols))
    solved = assign(form, everything, options, own_first_stage=True)
    return form.pattern_gaps(solved.values), solved.proven


# --------------------------------------------------------------------------------------------------
# The programme: three ranked objectives over the extensive form


def _rounded_first_stage(form: ExtensiveForm, relaxation: FloatArray) -> CommittedPlan:
    """A first stage for the weighted-gap stage from its LP optimum: every pledge called forward in
    full and, per training, every seat (neither changes the gap but by allowing more); items and
    per-state seats the LP's, rounded down (within supply and capacity)."""
    first = np.zeros(form.model.n_cols)
    stage = form.first_stage
    first[stage] = np.floor(relaxation[stage] + 1e-9)
    first[form.call_start : form.seat_start] = form.model.col_upper[
        form.call_start : form.seat_start
    ]
    if not form.seats_by_state:
        first[form.seat_start : form.risk_start] = form.model.col_upper[
            form.seat_start : form.risk_start
        ]
    return form.committed_plan(first, "stochastic")


def _shrunk(form: ExtensiveForm, values: FloatArray, lower: FloatArray) -> FloatArray:
    """``values`` with the least first stage its assignments need (never below ``lower``): units
    called forward the most any pattern deploys, seats the most any pattern takes, and each gift cut
    as far as every pattern's units needing its items stay covered (gifts in column order)."""
    base, enc = form.base, form.base.enc
    values = values.copy()
    x = values[: form.n_x]
    pledge = enc.option_pledge[base.pair_option[form.x_pair]]
    deployed = np.zeros((form.patterns, len(enc.pledge_ids)))
    np.add.at(deployed, (form.x_pattern, pledge), x)
    calls = slice(form.call_start, form.seat_start)
    values[calls] = np.maximum(deployed.max(axis=0)[form.call_pledge], lower[calls])
    # seats: the pairs' seat columns, through the funded_seats rows' keys
    training = enc.option_training[base.pair_option[form.x_pair]]
    trained = training != NONE
    if form.seat_training.size:
        state = enc.pledge_state[pledge] if form.seats_by_state else np.full(x.size, NONE)
        seat_of = {
            (t, s): i
            for i, (t, s) in enumerate(
                zip(form.seat_training.tolist(), form.seat_state.tolist(), strict=True)
            )
        }
        seat = np.array(
            [
                seat_of[(t, s)]
                for t, s in zip(training[trained].tolist(), state[trained].tolist(), strict=True)
            ],
            dtype=np.int64,
        )
        taken = np.zeros((form.patterns, form.seat_training.size))
        np.add.at(taken, (form.x_pattern[trained], seat), x[trained])
        seats = slice(form.seat_start, form.risk_start)
        values[seats] = np.maximum(taken.max(axis=0), lower[seats])
    # items: per pattern, (state, item) needs against the materialized committed items
    item = enc.pledge_item[pledge]
    needing = item != NONE
    n_items = max(len(enc.item_ids), 1)
    need = np.zeros((form.patterns, len(enc.state_ids) * n_items))
    np.add.at(
        need,
        (form.x_pattern[needing], enc.pledge_state[pledge[needing]] * n_items + item[needing]),
        enc.pledge_per_unit[pledge[needing]] * x[needing],
    )
    gift_key = base.give_state * n_items + enc.donation_item[base.give_donation]
    gifts = values[form.gift_start : form.call_start]
    cover = np.zeros_like(need)
    live = form.donations[:, base.give_donation]  # [G, J]
    for j in range(gifts.size):
        cover[:, gift_key[j]] += live[:, j] * gifts[j]
    for j in range(gifts.size):
        column = form.gift_start + j
        spare = cover[live[:, j], gift_key[j]] - need[live[:, j], gift_key[j]]
        cut = gifts[j] if spare.size == 0 else min(gifts[j], float(np.floor(spare.min() + 1e-9)))
        cut = min(cut, gifts[j] - lower[column])
        if cut > 0:
            gifts[j] -= cut
            cover[:, gift_key[j]] -= live[:, j] * cut
    values[form.gift_start : form.call_start] = gifts
    return values


def _integral_rows(model: Model) -> BoolArray:
    """Rows whose coefficients and bound are integers (their slack is integral at integer plans)."""
    row, _, value, _, upper, names = model.matrix()
    fractional = np.zeros(len(names), dtype=bool)
    np.logical_or.at(fractional, row, np.abs(value - np.round(value)) > 1e-9)
    finite = np.where(np.isinf(upper), 0.0, upper)
    return ~fractional & (np.abs(finite - np.round(finite)) <= 1e-9)


def _over(model: Model, columns: IntArray) -> Model:
    """``model`` over ``columns`` only (ascending; every first-stage column among them), every row
    kept: row ``i`` of the copy is row ``i`` of ``model``, column ``j`` is ``columns[j]``."""
    position = np.full(model.n_cols, -1, dtype=np.int64)
    position[columns] = np.arange(columns.size)
    pairs = columns[columns < model.n_pairs]
    blocks = []
    for block in model.blocks:
        kept = position[block.col] >= 0
        blocks.append(
            dataclasses.replace(
                block, row=block.row[kept], col=position[block.col[kept]], value=block.value[kept]
            )
        )
    return model.derived(
        pair_option=model.pair_option[pairs],
        pair_requirement=model.pair_requirement[pairs],
        scores=Scores(features={}, score=model.scores.score[pairs]),
        col_names=[model.col_names[c] for c in columns.tolist()],
        col_lower=model.col_lower[columns],
        col_upper=model.col_upper[columns],
        col_integer=model.col_integer[columns],
        primary=model.primary[columns],
        secondary=model.secondary[columns],
    ).with_blocks(blocks)


def _best_per_group(
    candidates: IntArray, group: IntArray, cost: FloatArray, tie: FloatArray, count: int
) -> IntArray:
    """Of the ``candidates``, the ``count`` of least ``cost`` in each group (ties by ``tie``,
    then column order)."""
    order = candidates[
        np.lexsort((candidates, tie[candidates], cost[candidates], group[candidates]))
    ]
    ranked = group[order]
    rank = np.arange(order.size) - np.searchsorted(ranked, ranked)
    return np.sort(order[rank < count])


@dataclass
class Restricted:
    """HiGHS holding the extensive form over some columns (``active``, in the solver's order)."""

    backend: HighsBackend
    active: IntArray


def _restricted(form: ExtensiveForm, columns: IntArray, state: ModelState) -> Restricted:
    """The form over ``columns`` (ascending) with ``state``'s bounds, tight rows and added rows."""
    backend = HighsBackend(_over(form.model, columns))
    backend.set_col_bounds(state.lower[columns], state.upper[columns])
    backend.set_row_upper_tight(state.tight)
    position = np.full(form.model.n_cols, -1, dtype=np.int64)
    position[columns] = np.arange(columns.size)
    for index, (cols, values, bound) in enumerate(state.added):
        kept = position[cols] >= 0
        backend.add_row(position[cols[kept]], values[kept], -INF, bound, f"added_{index}")
    return Restricted(backend, columns)


@dataclass(frozen=True)
class _ByColumn:
    """The form's entries (its rows, then the added rows) sorted by column: column ``j``'s are
    ``row[start[j]:start[j + 1]]`` with ``value[...]``."""

    row: IntArray
    value: FloatArray
    start: IntArray

    @classmethod
    def of(cls, model: Model, state: ModelState) -> _ByColumn:
        row, col, value = model.matrix_with(state.added)
        order = np.argsort(col, kind="stable")
        return cls(
            row[order], value[order], np.searchsorted(col[order], np.arange(model.n_cols + 1))
        )


def _add_columns(
    form: ExtensiveForm,
    restricted: Restricted,
    chosen: IntArray,
    state: ModelState,
    entries: _ByColumn,
) -> None:
    """Columns ``chosen`` join the restricted model (the solver keeps its basis)."""
    if chosen.size == 0:
        return
    lengths = entries.start[chosen + 1] - entries.start[chosen]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    picked = np.repeat(entries.start[chosen] - starts, lengths) + np.arange(int(lengths.sum()))
    restricted.backend.add_columns(
        state.lower[chosen],
        state.upper[chosen],
        form.model.col_integer[chosen],
        starts,
        entries.row[picked],
        entries.value[picked],
    )
    restricted.active = np.concatenate([restricted.active, chosen])


def priced_relaxation(
    form: ExtensiveForm,
    objective: FloatArray,
    state: ModelState,
    keep: IntArray,
    deadline: Callable[[], float | None],
) -> tuple[StageOutcome, Restricted] | None:
    """The LP relaxation of ``form`` in ``state`` by pricing (column generation), as
    :mod:`gapsolver.solve.pricing` does for a large model: solved over the first-stage columns, the
    columns ``keep`` and the :data:`INITIAL_PER_GROUP` cheapest assignment columns of every
    (pattern, requirement); every column priced from the row duals, d = c − Aᵀy; the
    :data:`ADDED_PER_GROUP` most negative of each (pattern, requirement) join, until none is
    negative. Returns the LP optimum in the whole form's space (with every column's reduced cost)
    and the restricted solver; None when a restricted LP fails or time runs out."""
    model = form.model
    began = time.perf_counter()
    n_x = form.n_x
    group = (
        form.x_pattern * len(form.base.enc.requirement_ids)
        + form.base.pair_requirement[form.x_pair]
    )
    free = np.flatnonzero(state.upper[:n_x] > state.lower[:n_x])
    initial = _best_per_group(free, group, objective, model.secondary, INITIAL_PER_GROUP)
    columns = np.unique(
        np.concatenate(
            [keep, initial, np.flatnonzero(state.lower[:n_x] > 0), np.arange(n_x, model.n_cols)]
        )
    ).astype(np.int64)
    restricted = _restricted(form, columns, state)
    in_set = np.zeros(model.n_cols, dtype=bool)
    in_set[columns] = True
    is_free = state.upper > state.lower
    row, col, value = model.matrix_with(state.added)
    entries = _ByColumn.of(model, state)
    for _ in range(MAX_PRICING_ROUNDS):
        time_left = deadline()
        if time_left is not None and time_left <= 0:
            return None
        active = restricted.active
        outcome = restricted.backend.solve(objective[active], relax=True, time_limit=time_left)
        if outcome.status is not StageStatus.optimal or outcome.row_dual is None:
            return None
        duals = outcome.row_dual
        reduced = objective - np.bincount(col, weights=value * duals[row], minlength=model.n_cols)
        entering = np.flatnonzero(
            ~in_set[:n_x] & is_free[:n_x] & (reduced[:n_x] < -PRICING_TOLERANCE)
        )
        if entering.size == 0:
            values = np.zeros(model.n_cols)
            assert outcome.values is not None
            values[active] = outcome.values
            full = relaxation_outcome(
                values, float(objective @ values), time.perf_counter() - began, reduced, duals
            )
            return full, restricted
        chosen = _best_per_group(entering, group, reduced, model.secondary, ADDED_PER_GROUP)
        _add_columns(form, restricted, chosen, state, entries)
        in_set[chosen] = True
    return None


def _priced_stage(
    form: ExtensiveForm,
    objective: FloatArray,
    state: ModelState,
    incumbent: FloatArray,
    keep: IntArray,
    gap_rel: float,
    deadline: Callable[[], float | None],
    heuristic: Callable[[FloatArray], FloatArray] | None = None,
) -> tuple[Minimised, IntArray]:
    """One ranked objective over a large form: the LP by pricing; an integral vertex is the
    optimum (``priced lp``); else ``heuristic``'s plan from the LP optimum, when given, if it meets
    the bound (``priced lp+patterns``); else the restricted model's MIP from the best plan
    (``priced mip``; no dive: at this size each of its LP re-solves, without presolve, costs
    minutes). A plan over some columns is a plan of the form; when it
    does not meet the LP's bound, every column whose certified reduced cost does not exceed the
    distance joins (no better plan uses another: reduced-cost fixing) and the MIP runs again
    (``priced mip+``). Returns the stage and the columns it used."""
    model = form.model
    began = time.perf_counter()
    priced = priced_relaxation(form, objective, state, keep, deadline)
    if priced is None:
        seconds = time.perf_counter() - began
        return Minimised(incumbent, StageStatus.feasible, None, "stopped", seconds, None), keep
    relaxation, restricted = priced
    assert relaxation.values is not None
    bound = float(relaxation.objective or 0.0)
    if _integral(objective):
        bound = float(np.ceil(bound - 1e-6))
    cutoff = bound + max(gap_rel * max(1.0, abs(bound)), 1e-9)

    def done(values: FloatArray, status: StageStatus, method: str) -> tuple[Minimised, IntArray]:
        seconds = time.perf_counter() - began
        used = np.unique(np.concatenate([restricted.active, np.flatnonzero(values)]))
        return Minimised(values, status, bound, method, seconds, relaxation), used

    if _integral(relaxation.values):
        return done(_rounded(model, relaxation.values), StageStatus.optimal, "priced lp")
    if float(objective @ incumbent) <= cutoff:
        return done(incumbent, StageStatus.optimal, "priced lp+start")
    if heuristic is not None:
        candidate = heuristic(relaxation.values)
        if float(objective @ candidate) <= cutoff:
            return done(candidate, StageStatus.optimal, "priced lp+patterns")
        if float(objective @ candidate) < float(objective @ incumbent):
            incumbent = candidate
    reduced = certified_reduced_costs(model, objective, relaxation, state)
    method = "priced mip"
    for widened in (False, True):
        if widened:
            if reduced is None:
                break
            distance = float(objective @ incumbent) - bound + CERTIFICATE_TOLERANCE
            join = np.setdiff1d(
                np.flatnonzero((state.upper > state.lower) & (reduced <= distance)),
                restricted.active,
            )
            _add_columns(form, restricted, np.sort(join), state, _ByColumn.of(model, state))
            method = "priced mip+"
        time_left = deadline()
        if time_left is not None and time_left <= 0:
            return done(incumbent, StageStatus.feasible, "stopped")
        active = restricted.active
        outcome = restricted.backend.solve(
            objective[active], time_limit=time_left, warm_start=incumbent[active], gap_rel=gap_rel
        )
        if outcome.status in (StageStatus.error, StageStatus.infeasible):
            raise SolverError(
                f"HiGHS failed (status {outcome.status.value}, although the plan it started from "
                "is feasible)"
            )
        if outcome.values is not None:
            candidate = np.zeros(model.n_cols)
            integer = model.col_integer[active]
            candidate[active] = np.where(integer, np.round(outcome.values), outcome.values)
            if float(objective @ candidate) <= float(objective @ incumbent) + 1e-9:
                incumbent = candidate
        if float(objective @ incumbent) <= cutoff:
            return done(incumbent, StageStatus.optimal, method)
        if widened and outcome.status is StageStatus.optimal:
            # the MIP over every column that can improve on the incumbent: proven
            return done(incumbent, StageStatus.optimal, method)
    return done(incumbent, StageStatus.feasible, method)


def solve_programme(
    form: ExtensiveForm,
    start: FloatArray,
    options: SolveOptions,
    bound: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[FloatArray, list[StageReport]]:
    """The ranked objectives over ``form`` from ``start`` (a feasible plan: the EEV's), each fixed
    for the next by a row ``objective ≤ value + tolerance`` (½ when its coefficients are integers,
    so exactly; else 10⁻⁷ relative): the mean weighted gap (+ λ CVaR) exactly; then, over the
    optimal face that stage's certified LP duals describe (reduced-cost fixing and tight rows, as
    between the lexicographic solve's stages), the commitment Σy + Σu + Σf exactly and the expected
    suitability within ``options.suitability_gap``.

    Up to :data:`PRICED_COLUMNS` columns each stage runs on the whole form: the first by
    :func:`minimise`, the others as a MIP from the previous plan. Above, each runs by pricing
    (:func:`_priced_stage`). A time limit covers them all; a stage it stops keeps the best plan
    found, never worse than ``start``.

    Before the first stage, the **hedge**: ``start``'s items, every pledge called forward in full
    and every seat funded (:func:`_rounded_first_stage`), each pattern's assignments optimised
    alone (:func:`assign`). It is never worse than ``start`` in any pattern (it allows more), and
    becomes the incumbent when better. ``bound`` is a known lower bound on the first objective as
    reported (WS: no plan beats each sample's own optimum); when the incumbent meets it, the first
    stage is proven optimal without its LP (``hedge``). ``progress`` is told each step as it
    begins."""
    began = time.perf_counter()
    model = form.model
    priced = model.n_cols > PRICED_COLUMNS
    backend = None if priced else make_backend("highs", model)
    total = float(form.weight.sum())
    deadline = _deadline(options, began)
    state = ModelState(
        model.col_lower.copy(), model.col_upper.copy(), np.zeros(model.n_rows, dtype=bool), []
    )
    ranked: list[tuple[str, FloatArray, float, Callable[[float], float]]] = [
        (
            "mean_weighted_gap" if form.cvar is None else "mean_plus_cvar",
            form.gap_objective,
            0.0,
            lambda z: form.offset + z / total,
        ),
        ("commitment", form.commitment_objective, 0.0, lambda z: z),
        ("suitability", form.suitability_objective, options.suitability_gap, lambda z: -z / total),
    ]
    step = progress or (lambda _: None)
    values = _rounded(model, start)
    first_deadline = lambda: first_stage_time(deadline(), options.time_limit)  # noqa: E731
    step("the hedge: every pledge called forward, each sample assigned alone")
    hedge_began = time.perf_counter()
    hedge = assign(form, _rounded_first_stage(form, values), options, first_deadline).values
    if float(form.gap_objective @ hedge) < float(form.gap_objective @ values):
        values = hedge
    hedge_seconds = time.perf_counter() - hedge_began
    met = None
    if bound is not None:
        raw = (bound - form.offset) * total  # the bound in the solver's units
        if _integral(form.gap_objective):  # integral at integer plans: exactly, rounded up
            raw, tolerance = float(np.ceil(raw - 1e-6)), 1e-9
        else:
            tolerance = 1e-9 * max(1.0, abs(raw))
        if float(form.gap_objective @ values) <= raw + tolerance:
            met = Minimised(values, StageStatus.optimal, raw, "hedge", hedge_seconds, None)
    keep = np.flatnonzero(values[: form.n_x])
    reports: list[StageReport] = []
    fixed_columns: int | None = None
    for index, (name, objective, gap_rel, shown) in enumerate(ranked):
        stage_deadline = first_deadline if index == 0 else deadline
        left = stage_deadline()
        if met is None and left is not None and left <= 0:
            reports.append(StageReport.not_run(name, "none"))
            continue
        heuristic = None
        if index == 0:

            def heuristic(
                relaxation: FloatArray, deadline: Callable[[], float | None] = stage_deadline
            ) -> FloatArray:
                # the LP's first stage rounded, each pattern's assignments optimised on its own
                return assign(
                    form, _rounded_first_stage(form, relaxation), options, deadline
                ).values

        elif index == 1:
            values = _shrunk(form, values, state.lower)  # the least commitment stage 1's plan needs
        how = "by pricing" if backend is None else "on the whole form"
        step(f"stage {index + 1} of 3, {name.replace('_', ' ')}, {how}")
        if index == 0 and met is not None:
            solved = met
            if backend is not None:  # the LP is cheap on the whole form: its face helps stage 2
                lp_began = time.perf_counter()
                lp = backend.solve(objective, relax=True, time_limit=stage_deadline())
                solved = dataclasses.replace(
                    met, seconds=met.seconds + time.perf_counter() - lp_began, relaxation=lp
                )
        elif backend is None:
            solved, keep = _priced_stage(
                form, objective, state, values, keep, gap_rel, stage_deadline, heuristic
            )
        elif index == 0:
            solved = minimise(
                backend,
                model,
                objective,
                state.lower,
                state.upper,
                values,
                gap_rel,
                stage_deadline,
                heuristic,
            )
        else:
            solved = _mip(backend, model, objective, values, gap_rel, left)
        raise_if_stopped()
        values = solved.values
        value = float(objective @ values)
        reports.append(
            StageReport(
                objective=name,
                status=solved.status,
                value=round(shown(value), 9),
                bound=None if solved.bound is None else round(shown(solved.bound), 9),
                mip_gap=0.0
                if solved.status is StageStatus.optimal
                else relative_gap(value, solved.bound),
                # stage 1's seconds include the hedge's
                seconds=round(
                    solved.seconds + (hedge_seconds if index == 0 and met is None else 0), 6
                ),
                method=solved.method,
                fixed_columns=fixed_columns if index == 1 else None,
            )
        )
        support = np.flatnonzero(objective)
        integral = _integral(objective[support])
        slack = 0.5 if integral else FIX_TOLERANCE * max(1.0, abs(value))
        relaxation = solved.relaxation
        implied = False
        if index == 0 and relaxation is not None and relaxation.status is StageStatus.optimal:
            reduced = certified_reduced_costs(model, objective, relaxation, state)
            if reduced is not None and relaxation.row_dual is not None:
                # every plan within the stage's optimum lies on this face (an integral objective
                # is at most its optimum when within ½ of it: no slack beyond the optimum)
                lp_value = float(relaxation.objective or 0.0)
                distance = max(value - lp_value, 0.0) + (0.0 if integral else slack)
                state.lower, state.upper, state.tight = optimal_face(
                    model, reduced, relaxation.row_dual, distance, _integral_rows(model)
                )
                fixed_columns = int(
                    np.sum(state.lower == state.upper) - np.sum(model.col_lower == model.col_upper)
                )
                if backend is not None:
                    backend.set_col_bounds(state.lower, state.upper)
                    backend.set_row_upper_tight(state.tight)
                implied = _face_implies(
                    reduced, relaxation.row_dual, state, lp_value, value + slack
                )
        if implied:
            continue  # the face alone keeps the objective within its optimum: no dense row
        state.added.append((support, objective[support], value + slack))
        if backend is not None:
            backend.add_row(support, objective[support], -INF, value + slack, f"fix_{name}")
    return values, reports


def _face_implies(
    reduced: FloatArray, row_dual: FloatArray, state: ModelState, lp_value: float, limit: float
) -> bool:
    """Whether every point of the face ``state`` has an objective at most ``limit``, so that the
    row fixing the objective is implied. On the face every row with a nonzero dual is tight, so the
    objective is the LP's value plus Σ dⱼ (xⱼ − x*ⱼ) over the columns left free; that is at most the
    LP's value plus Σ |dⱼ| (uⱼ − lⱼ) over them (``reduced``: certified reduced costs)."""
    duals = row_dual[: state.tight.size]
    if not bool(np.all(state.tight | (np.abs(duals) <= 1e-12))):
        return False
    free = state.upper > state.lower
    drift = float(np.sum(np.abs(reduced[free]) * (state.upper[free] - state.lower[free])))
    return lp_value + drift <= limit


def _mip(
    backend: Backend,
    model: Model,
    objective: FloatArray,
    incumbent: FloatArray,
    gap_rel: float,
    time_limit: float | None,
) -> Minimised:
    """The MIP over the backend's model from ``incumbent`` (a feasible plan)."""
    outcome = backend.solve(objective, time_limit=time_limit, warm_start=incumbent, gap_rel=gap_rel)
    if outcome.status in (StageStatus.error, StageStatus.infeasible):
        raise SolverError(
            f"HiGHS failed (status {outcome.status.value}, although the plan it started from is "
            "feasible)"
        )
    if outcome.values is not None:
        candidate = _rounded(model, outcome.values)
        if float(objective @ candidate) <= float(objective @ incumbent) + 1e-9:
            incumbent = candidate
    bound = outcome.bound if outcome.bound is not None and abs(outcome.bound) < 1e30 else None
    status = StageStatus.optimal if outcome.status is StageStatus.optimal else StageStatus.feasible
    return Minimised(incumbent, status, bound, "mip", outcome.seconds, None)


# --------------------------------------------------------------------------------------------------
# Committed plans: read off a deterministic result, checked against a scenario


class _AssignmentRow(Protocol):
    @property
    def pledge(self) -> str: ...
    @property
    def units(self) -> int: ...
    @property
    def training(self) -> str | None: ...


class _DonationRow(Protocol):
    @property
    def donation(self) -> str: ...
    @property
    def recipient(self) -> str: ...
    @property
    def items(self) -> int: ...


class PlanRows(Protocol):
    """What :func:`deterministic_plan` reads of a result (a :class:`Result`, or a result file's
    :class:`gapsolver.analysis.diff.ResultFile`)."""

    @property
    def assignments(self) -> Sequence[_AssignmentRow]: ...
    @property
    def donations(self) -> Sequence[_DonationRow]: ...


def deterministic_plan(
    scenario: Scenario, result: PlanRows, seats_by_state: bool = False
) -> CommittedPlan:
    """The first stage a deterministic plan commits: the units of each pledge it deploys, the
    items it gives each recipient (its ``donations``), the seats of each training its units take
    (per trainee state with ``seats_by_state``). :class:`InputError` naming every element the
    scenario lacks."""
    pledges = {p.id: p for p in scenario.pledges}
    donations = {d.id for d in scenario.donations}
    trainings = {t.id for t in scenario.trainings}
    problems: list[Problem] = []
    units: dict[str, int] = {}
    seats: dict[tuple[str, str | None], int] = {}
    for i, assignment in enumerate(result.assignments):
        if assignment.pledge not in pledges:
            problems.append(
                Problem(f"assignments[{i}].pledge", f"unknown pledge {assignment.pledge!r}")
            )
            continue
        if assignment.units < 0:
            problems.append(Problem(f"assignments[{i}].units", f"negative ({assignment.units})"))
            continue
        units[assignment.pledge] = units.get(assignment.pledge, 0) + assignment.units
        if assignment.training is None:
            continue
        if assignment.training not in trainings:
            problems.append(
                Problem(f"assignments[{i}].training", f"unknown training {assignment.training!r}")
            )
            continue
        state = pledges[assignment.pledge].state if seats_by_state else None
        seats[assignment.training, state] = seats.get((assignment.training, state), 0) + (
            assignment.units
        )
    items: dict[tuple[str, str], int] = {}
    for i, use in enumerate(result.donations):
        if use.donation not in donations:
            problems.append(
                Problem(f"donations[{i}].donation", f"unknown donation {use.donation!r}")
            )
            continue
        if use.items < 0:
            problems.append(Problem(f"donations[{i}].items", f"negative ({use.items})"))
            continue
        items[use.donation, use.recipient] = items.get((use.donation, use.recipient), 0) + use.items
    if problems:
        raise InputError(problems)
    return committed(scenario, "deterministic", seats_by_state, units, items, seats)


def plan_problems(scenario: Scenario, plan: CommittedPlan) -> list[Problem]:
    """Every way ``plan`` does not fit ``scenario``: unknown elements, a pledge's state, more units
    than a pledge offers, more items than a donation holds or to a state it does not list, more
    seats than a training has or for a state it does not train."""
    pledges = {p.id: p for p in scenario.pledges}
    donations = {d.id: d for d in scenario.donations}
    trainings = {t.id: t for t in scenario.trainings}
    problems: list[Problem] = []
    for where, keys in (
        ("plan.pledges", [row.pledge for row in plan.pledges]),
        ("plan.donations", [(row.donation, row.recipient) for row in plan.donations]),
        ("plan.seats", [(row.training, row.state) for row in plan.seats]),
    ):
        seen: set[object] = set()
        for i, key in enumerate(keys):
            if key in seen:
                shown = key if isinstance(key, str) else " to ".join(str(k) for k in key)
                problems.append(Problem(f"{where}[{i}]", f"a second row for {shown}"))
            seen.add(key)
    for i, row in enumerate(plan.pledges):
        pledge = pledges.get(row.pledge)
        if pledge is None:
            problems.append(Problem(f"plan.pledges[{i}].pledge", f"unknown pledge {row.pledge!r}"))
        elif pledge.state != row.state:
            problems.append(
                Problem(f"plan.pledges[{i}].state", f"{row.pledge} is pledged by {pledge.state}")
            )
        elif not 0 <= row.units <= pledge.quantity:
            problems.append(
                Problem(
                    f"plan.pledges[{i}].units",
                    f"{row.units} units called forward; {row.pledge} offers {pledge.quantity}",
                )
            )
    given: dict[str, int] = {}
    for i, gift in enumerate(plan.donations):
        donation = donations.get(gift.donation)
        if donation is None:
            problems.append(
                Problem(f"plan.donations[{i}].donation", f"unknown donation {gift.donation!r}")
            )
        elif gift.recipient not in donation.eligible_recipients:
            problems.append(
                Problem(
                    f"plan.donations[{i}].recipient",
                    f"{gift.donation} does not list {gift.recipient} as a recipient",
                )
            )
        elif gift.items < 0:
            problems.append(Problem(f"plan.donations[{i}].items", "negative items"))
        else:
            given[gift.donation] = given.get(gift.donation, 0) + gift.items
    for donation_id, items in given.items():
        if items > donations[donation_id].quantity:
            problems.append(
                Problem(
                    "plan.donations",
                    f"{items} items of {donation_id} committed; it holds "
                    f"{donations[donation_id].quantity}",
                )
            )
    funded: dict[str, int] = {}
    for i, seat in enumerate(plan.seats):
        training = trainings.get(seat.training)
        if training is None:
            problems.append(
                Problem(f"plan.seats[{i}].training", f"unknown training {seat.training!r}")
            )
        elif plan.seats_by_state != (seat.state is not None):
            problems.append(
                Problem(
                    f"plan.seats[{i}].state",
                    "a trainee state for every seat row when seats_by_state, for none otherwise",
                )
            )
        elif seat.state is not None and seat.state not in training.eligible_trainees:
            problems.append(
                Problem(
                    f"plan.seats[{i}].state",
                    f"{seat.training} does not train units of {seat.state}",
                )
            )
        elif seat.seats < 0:
            problems.append(Problem(f"plan.seats[{i}].seats", "negative seats"))
        else:
            funded[seat.training] = funded.get(seat.training, 0) + seat.seats
    for training_id, count in funded.items():
        if count > trainings[training_id].capacity:
            problems.append(
                Problem(
                    "plan.seats",
                    f"{count} seats of {training_id} funded; it has "
                    f"{trainings[training_id].capacity}",
                )
            )
    return problems


def _described(scenario: Scenario, plan: CommittedPlan) -> CommittedPlan:
    """``plan`` (which fits ``scenario``) with each row's description (state, capability, offer,
    reliability, donor, item, trainer) as ``scenario`` gives it, whatever the plan's file said."""
    return committed(
        scenario,
        plan.source,
        plan.seats_by_state,
        {row.pledge: row.units for row in plan.pledges},
        {(row.donation, row.recipient): row.items for row in plan.donations},
        {(row.training, row.state): row.seats for row in plan.seats},
    )


class _WithPlan(BaseModel):
    """A file holding a committed plan under ``plan`` (a stochastic report, a plan evaluation):
    the plan, typed; every other key kept as it is."""

    model_config = ConfigDict(extra="allow")

    plan: CommittedPlan


def read_plan_file(path: str | Path, scenario: Scenario) -> CommittedPlan:
    """The committed plan in a JSON file: a stochastic report (`solve --stochastic -o`: its first
    stage), a plan evaluation (`robust --plan -o`: the plan it judged) or a result (`solve -o`: the
    units, items and seats its plan uses). :class:`InputError`, located, when it is none of these
    or does not fit ``scenario``."""
    doc = read_document(Path(path))
    if doc.problems:
        raise InputError(doc.problems, doc.source)
    if isinstance(doc.data, dict) and "plan" in doc.data and "format_version" not in doc.data:
        try:
            plan = _WithPlan.model_validate(doc.data).plan
        except ValidationError as error:
            raise InputError(pydantic_problems(error, doc), doc.source) from None
    elif not isinstance(doc.data, dict) or "format_version" not in doc.data:
        raise InputError(
            [
                Problem(
                    "",
                    "not a committed plan: expected a result (`gapsolver solve -o`, with "
                    "format_version) or a stochastic report (`solve --stochastic -o`, with plan)",
                )
            ],
            doc.source,
        )
    else:
        result = result_from_document(doc)  # the document already read
        try:
            plan = deterministic_plan(scenario, result)
        except InputError as error:
            raise InputError(error.problems, doc.source) from None
    problems = plan_problems(scenario, plan)
    if problems:
        raise InputError(problems, doc.source)
    return plan


# --------------------------------------------------------------------------------------------------
# The entry points


def _checked(samples: int, cvar: Cvar | None, options: SolveOptions) -> None:
    problems = []
    if not 1 <= samples <= MAX_STOCHASTIC_SAMPLES:
        problems.append(
            Problem("samples", f"must be in [1, {MAX_STOCHASTIC_SAMPLES:,}] (got {samples})")
        )
    if cvar is not None:
        if not 0.0 <= cvar.alpha <= MAX_CVAR_LEVEL:
            problems.append(
                Problem("cvar_alpha", f"must be in [0, {MAX_CVAR_LEVEL}] (got {cvar.alpha})")
            )
        if not 0.0 <= cvar.weight <= MAX_CVAR_WEIGHT:
            problems.append(
                Problem("cvar_weight", f"must be in [0, {MAX_CVAR_WEIGHT:g}] (got {cvar.weight})")
            )
    if options.strategy != "optimal":
        problems.append(
            Problem(
                "strategy", "the stochastic plan is measured against the optimal deterministic plan"
            )
        )
    if problems:
        raise InputError(problems)


def _sized(patterns: int, pairs: int) -> None:
    """InputError when an extensive form of ``patterns`` copies of ``pairs`` columns would exceed
    :data:`MAX_EXTENSIVE_CELLS` (checked before it is built)."""
    cells = patterns * pairs
    if cells > MAX_EXTENSIVE_CELLS:
        raise InputError(
            [
                Problem(
                    "samples",
                    f"{patterns:,} distinct samples × {pairs:,} eligible pairs make {cells:,} "
                    f"cells in the extensive form, more than the {MAX_EXTENSIVE_CELLS:,} allowed "
                    "(docs/limits.md): draw fewer samples",
                )
            ]
        )


def stochastic_plan(
    scenario: Scenario,
    samples: int,
    seed: int,
    options: SolveOptions | None = None,
    cvar: Cvar | None = None,
    seats_by_state: bool = False,
    progress: Callable[[str], None] | None = None,
) -> StochasticReport:
    """`gapsolver solve --stochastic N --seed S [--cvar A]`: the committed plan over ``samples``
    draws of ``seed``, and its worth (see :func:`stochastic_programme`)."""
    return stochastic_programme(scenario, samples, seed, options, cvar, seats_by_state, progress)[0]


def stochastic_programme(
    scenario: Scenario,
    samples: int,
    seed: int,
    options: SolveOptions | None = None,
    cvar: Cvar | None = None,
    seats_by_state: bool = False,
    progress: Callable[[str], None] | None = None,
) -> tuple[StochasticReport, ExtensiveForm, FloatArray]:
    """:func:`stochastic_plan`, also returning the extensive form and its solution (every
    pattern's assignments: :meth:`ExtensiveForm.sample_plan`).

    Steps: the nominal optimal plan (`solve`) and its first stage (:func:`deterministic_plan`); the
    draws; the extensive form; EEV (that first stage fixed, each pattern's assignments optimised:
    :func:`assign`); WS (each pattern's own optimum: :func:`perfect_information`); the programme
    from the EEV's plan, WS its first stage's lower bound (:func:`solve_programme`). ``options``
    apply to the nominal solve (its solver) and the programme (its suitability gap to the third
    stage); EEV, WS and the programme run on HiGHS.
    ``options.time_limit`` bounds the programme's three stages only: the nominal plan, EEV and WS
    are the figures it is judged against and are solved to optimality. ``progress`` is told each
    step as it begins."""
    options = options or SolveOptions()
    _checked(samples, cvar, options)
    step = progress or (lambda _: None)
    exact = dataclasses.replace(options, time_limit=None)
    timings: dict[str, float] = {}

    step("the deterministic plan (every pledge materializing)")
    began = time.perf_counter()
    nominal, base, _ = solve_plan(scenario, exact, reasons=False)
    deterministic = deterministic_plan(scenario, nominal, seats_by_state)
    timings["nominal"] = time.perf_counter() - began

    began = time.perf_counter()
    draws = draw(scenario, samples, seed)
    timings["draw"] = time.perf_counter() - began

    _sized(draws.count.size, base.n_pairs)
    step(f"the extensive form over {draws.count.size} distinct samples")
    began = time.perf_counter()
    form = build_extensive_form(
        base,
        draws.pledges,
        draws.donations,
        draws.trainings,
        draws.count.astype(float),
        cvar,
        seats_by_state,
    )
    timings["build"] = time.perf_counter() - began

    step("EEV: the deterministic plan's first stage in each sample")
    began = time.perf_counter()
    eev = assign(form, deterministic, exact)
    timings["eev"] = time.perf_counter() - began

    uncertain = uncertain_elements(scenario)
    if uncertain.pledges or uncertain.donations or uncertain.trainings:
        step(f"WS: each of the {form.patterns} distinct samples solved on its own")
        began = time.perf_counter()
        pattern_ws, ws_proven = perfect_information(form, exact)
        ws_gaps = pattern_ws[draws.pattern]
        timings["ws"] = time.perf_counter() - began

        began = time.perf_counter()
        values, stages = solve_programme(
            form,
            eev.values,
            options,
            bound=_risk_objective(ws_gaps, cvar) if ws_proven else None,
            progress=lambda what: step(f"the programme, {what}"),
        )
        timings["programme"] = time.perf_counter() - began
    else:
        # every sample is the nominal scenario: the deterministic plan is the stochastic plan (its
        # gap is the least in every sample), as `robust` solves such a scenario once
        values, stages = eev.values, list(nominal.stages)
        ws_gaps = np.full(samples, nominal.weighted_gap)
        ws_proven = True

    sp_gaps = form.pattern_gaps(values)[draws.pattern]
    eev_gaps = form.pattern_gaps(eev.values)[draws.pattern]
    sp, ev, ws = _risk(sp_gaps, cvar), _risk(eev_gaps, cvar), _risk(ws_gaps, cvar)
    tolerance = ORDER_TOLERANCE * max(1.0, abs(ev.objective))
    proven = (
        eev.proven and ws_proven and all(stage.status is StageStatus.optimal for stage in stages)
    )
    report = StochasticReport(
        scenario=scenario.name,
        samples=samples,
        seed=seed,
        distinct_samples=form.patterns,
        uncertain_elements=uncertain,
        plan=form.committed_plan(values, "stochastic"),
        deterministic_plan=deterministic,
        sp=sp,
        eev=ev,
        ws=ws,
        vss=round(ev.objective - sp.objective, 6),
        evpi=round(sp.objective - ws.objective, 6),
        ordered=ws.objective <= sp.objective + tolerance
        and sp.objective <= ev.objective + tolerance,
        status=SolveStatus.optimal if proven else SolveStatus.feasible,
        stages=stages,
        solve_time=round(sum(stage.seconds for stage in stages), 6),
        timings={name: round(seconds, 6) for name, seconds in timings.items()},
        model_size=StochasticSize(
            columns=form.model.n_cols,
            first_stage_columns=form.risk_start - form.gift_start,
            rows=form.model.n_rows,
            nonzeros=int(sum(block.value.size for block in form.model.blocks)),
        ),
        runs=[
            SampleGaps(
                index=index,
                stochastic=float(sp_gaps[index]),
                deterministic=float(eev_gaps[index]),
                perfect_information=float(ws_gaps[index]),
                dropped=draws.dropped(scenario, index),
            )
            for index in range(samples)
        ],
    )
    if cvar is not None:
        report.cvar_alpha = cvar.alpha
        report.cvar_weight = cvar.weight
    if not (uncertain.pledges or uncertain.donations or uncertain.trainings):
        report.note = (
            "no pledge, donation or training has a reliability below 1: every sample is the "
            "nominal scenario, so the deterministic plan is the stochastic plan and the "
            "programme was not solved"
        )
    return report, form, values


def evaluate_plan(
    scenario: Scenario,
    plan: CommittedPlan,
    samples: int,
    seed: int,
    options: SolveOptions | None = None,
    cvar_alpha: float | None = None,
) -> PlanEvaluation:
    """`gapsolver robust --plan RESULT.json`: ``plan``'s first stage fixed, its assignments
    optimised in each of ``samples`` draws of ``seed`` (the sampler of `robust`; another seed than
    the plan's own draws judges it out of sample). No first-stage decision is re-optimised. Each
    sample is solved on HiGHS (:func:`assign`), within ``options.time_limit`` when set.
    :class:`InputError` when the plan does not fit the scenario."""
    options = options or SolveOptions()
    _checked(samples, None if cvar_alpha is None else Cvar(cvar_alpha), options)
    problems = plan_problems(scenario, plan)
    if problems:
        raise InputError(problems)
    plan = _described(scenario, plan)
    base = build_model(encode(scenario))
    draws = draw(scenario, samples, seed)
    # the patterns drawn, then everything materializing (the plan's nominal figures)
    pledges = np.vstack([draws.pledges, np.ones(len(scenario.pledges), dtype=bool)])
    donations = np.vstack([draws.donations, np.ones(len(scenario.donations), dtype=bool)])
    trainings = np.vstack([draws.trainings, np.ones(len(scenario.trainings), dtype=bool)])
    called = {row.pledge for row in plan.pledges if row.units > 0}
    pairs = np.flatnonzero(
        np.isin(
            base.enc.option_pledge[base.pair_option], [base.enc.pledge_ids.index(p) for p in called]
        )
    )
    small = base.restricted(
        np.concatenate([pairs, base.n_pairs + np.arange(base.give_donation.size)])
    )
    _sized(pledges.shape[0], small.n_pairs)
    _sized(pledges.shape[0], small.n_pairs)
    form = build_extensive_form(
        small,
        pledges,
        donations,
        trainings,
        np.ones(pledges.shape[0]),
        seats_by_state=plan.seats_by_state,
    )
    assigned = assign(form, plan, options)

    allocation = form.pattern_allocations(assigned.values)
    short = base.enc.req_quantity[None, :] - allocation  # [G + 1, R]
    gaps = form.pattern_gaps(assigned.values)
    units = short.sum(axis=1)
    nominal = form.patterns - 1
    per_sample = short[draws.pattern]
    sample_gaps = gaps[draws.pattern]
    status = SolveStatus.optimal if assigned.proven else SolveStatus.feasible
    requirements = sorted(
        (
            RequirementRisk(
                requirement=requirement.id,
                mission=requirement.mission,
                priority=requirement.priority,
                quantity=requirement.quantity,
                nominal_gap=int(short[nominal, r]),
                short_in=round(float((per_sample[:, r] > 0).mean()), 6),
                mean_gap=round(float(per_sample[:, r].mean()), 6),
            )
            for r, requirement in enumerate(scenario.requirements)
        ),
        key=by_risk,
    )
    evaluation = PlanEvaluation(
        scenario=scenario.name,
        source=plan.source,
        samples=samples,
        seed=seed,
        uncertain_elements=uncertain_elements(scenario),
        plan=plan,
        nominal=PlanGap(weighted_gap=float(gaps[nominal]), gap_units=int(units[nominal])),
        weighted_gap=distribution(sample_gaps.tolist()),
        gap_units=distribution(units[draws.pattern].tolist()),
        requirements=requirements,
        runs=[
            SampleRun(
                index=index,
                weighted_gap=float(sample_gaps[index]),
                gap_units=int(units[draws.pattern[index]]),
                status=status,
                dropped=draws.dropped(scenario, index),
            )
            for index in range(samples)
        ],
        status=status,
        solve_time=round(assigned.seconds, 6),
    )
    if cvar_alpha is not None:
        evaluation.cvar_alpha = cvar_alpha
        evaluation.cvar = round(value_at_risk(sample_gaps, np.ones(samples), cvar_alpha)[1], 6)
    return evaluation


def plan_labels(paths: Sequence[str | Path]) -> list[str]:
    """The labels of plans compared (`robust --plan A --plan B`): each file's name, or its path as
    given when two names clash, numbered when that clashes too."""
    names = [Path(path).name for path in paths]
    labels = [
        name if names.count(name) == 1 else str(path)
        for name, path in zip(names, paths, strict=True)
    ]
    # the same file given twice: numbered in the order given
    return [
        label if labels.count(label) == 1 else f"{label} ({labels[:i].count(label) + 1})"
        for i, label in enumerate(labels)
    ]


def compare_plans(
    scenario: Scenario,
    plans: Sequence[tuple[str, CommittedPlan]],
    samples: int,
    seed: int,
    options: SolveOptions | None = None,
    cvar_alpha: float | None = None,
) -> PlanComparison:
    """`gapsolver robust --plan A --plan B …`: each labelled plan evaluated on the same ``samples``
    draws of ``seed`` (:func:`evaluate_plan`), and every pair compared sample by sample."""
    evaluations = [
        evaluate_plan(scenario, plan, samples, seed, options, cvar_alpha).model_copy(
            update={"label": label}
        )
        for label, plan in plans
    ]
    pairs = []
    for i, first in enumerate(evaluations):
        for second in evaluations[i + 1 :]:
            a = np.array([run.weighted_gap for run in first.runs])
            b = np.array([run.weighted_gap for run in second.runs])
            scale = ORDER_TOLERANCE * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
            pairs.append(
                PlanPair(
                    first=first.label or "",
                    second=second.label or "",
                    first_better=int((a < b - scale).sum()),
                    second_better=int((b < a - scale).sum()),
                    tied=int((np.abs(a - b) <= scale).sum()),
                    mean_difference=round(float((a - b).mean()), 6),
                )
            )
    return PlanComparison(
        scenario=scenario.name, samples=samples, seed=seed, evaluations=evaluations, pairs=pairs
    )
