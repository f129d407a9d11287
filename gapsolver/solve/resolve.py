"""Many re-solves of one scenario's model: with pledges, donations and trainings withdrawn, or with
other quantities and capacities.

Withdrawing only removes options, so the scenario without some elements has exactly the plans of the
scenario's own model with their columns held at 0: a withdrawn pledge's units and a withdrawn
course's trained units are 0, and a withdrawn donation gives no items (so the units that need them
cannot deploy, as the eligibility rule ``equipment`` says of the smaller scenario). The suitability's
``cost`` feature is taken over the options that remain, as the smaller scenario's scoring takes it.
Other quantities (none zero: a zero removes the element) change no eligible pair and no
coefficient, only column and row bounds and the weighted demand (:func:`requantified`). So the
weighted gap is the changed scenario's optimum, and the suitability too; between plans tied in both,
a re-solve may choose another than a solve of the changed scenario from scratch.

The model is built once and handed to the solver once; each re-solve changes bounds and the
suitability objective and starts from the same remembered basis (``solve_model(..., backend=...)``),
so its answer does not depend on what was re-solved before. The robustness samples, the withdrawals of
``dependence`` and a batch's what-ifs that change quantities use it; they fall back to solving each
changed scenario from scratch where a re-solve does not apply (:func:`reusable`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from gapsolver.backend import StageStatus, make_backend
from gapsolver.model.build import build_model, requantified
from gapsolver.postprocess.extract import gap_figures
from gapsolver.preprocess.encode import encode, index_map, quantities
from gapsolver.preprocess.scoring import cost_feature, score_pairs, score_terms
from gapsolver.preprocess.variants import OFFERED, PLURAL, SIZE_FIELD
from gapsolver.schema import Scenario
from gapsolver.schema.result import Result, SolveStatus
from gapsolver.solve.lexicographic import solve_model
from gapsolver.solve.options import SolveOptions
from gapsolver.solve.pipeline import build_result


def _same_but_quantities(base: Scenario, changed: Scenario) -> bool:
    """Whether ``changed`` is ``base`` with other quantities and capacities only: the same fields,
    the same elements in the same order, each equal but for its quantity (or capacity)."""
    for name in type(base).model_fields:
        ours, theirs = getattr(base, name), getattr(changed, name)
        field = SIZE_FIELD.get(name)
        if field is None:
            if ours != theirs:
                return False
            continue
        if len(ours) != len(theirs):
            return False
        for a, b in zip(ours, theirs, strict=True):
            mine, other = dict(vars(a)), dict(vars(b))
            mine.pop(field), other.pop(field)
            if type(a) is not type(b) or mine != other:
                return False
    return True


def reusable(options: SolveOptions) -> bool:
    """Whether re-solves on one model apply: the optimal strategy on HiGHS (which keeps its model and
    basis in process; CBC starts from files each time, so nothing would be saved) with no time
    limit (a time limit runs each solve in its own supervised process)."""
    return (
        options.strategy == "optimal" and options.solver == "highs" and options.time_limit is None
    )


@dataclass(frozen=True)
class Figures:
    """What a re-solve gives: the figures of the smaller scenario's optimal plan."""

    weighted_gap: float
    gap_units: int
    gaps: dict[str, int]
    """Units short per requirement, for those short only."""
    status: SolveStatus


class Resolver:
    """One scenario's model, re-solved with elements withdrawn (see the module's docstring)."""

    def __init__(self, scenario: Scenario, options: SolveOptions) -> None:
        if not reusable(options):
            raise ValueError(
                "re-solves on one model need the optimal strategy on HiGHS, no time limit"
            )
        self.options = options
        self.scenario = scenario
        self.enc = enc = encode(scenario)
        self.model = model = build_model(enc)
        self.terms = score_terms(enc)
        self.backend = make_backend(options.solver, model)
        # every re-solve starts from the weighted-gap LP's optimal basis of the whole scenario
        self.backend.solve(model.primary, relax=True)
        self.backend.remember_start()
        self.pledge_index = index_map(enc.pledge_ids)
        self.donation_index = index_map(enc.donation_ids)
        self.training_index = index_map(enc.training_ids)

    def offered_by(self, state: str) -> dict[str, list[str]]:
        """Everything a state offers, by collection (pledges, donations, trainings): what the
        variants' ``remove: {states: [...]}`` takes away (:data:`OFFERED`)."""
        return {
            collection: [
                obj.id for obj in getattr(self.scenario, collection) if getattr(obj, key) == state
            ]
            for collection, key in OFFERED.items()
        }

    def withdraw(self, kind: str, identifier: str) -> Figures:
        """The figures without one state (everything it offers), pledge, donation or training: what
        :func:`gapsolver.preprocess.variants.withdraw` takes away."""
        if kind == "state":
            return self.solve(**self.offered_by(identifier))
        return self.solve(**{PLURAL[kind]: [identifier]})

    def solve(
        self,
        pledges: Iterable[str] = (),
        donations: Iterable[str] = (),
        trainings: Iterable[str] = (),
    ) -> Figures:
        """The figures of the optimal plan without the given pledges, donations and trainings."""
        enc, model = self.enc, self.model
        gone_pledge = np.zeros(len(enc.pledge_ids), dtype=bool)
        gone_pledge[[self.pledge_index[p] for p in pledges]] = True
        gone_donation = np.zeros(len(enc.donation_ids), dtype=bool)
        gone_donation[[self.donation_index[d] for d in donations]] = True
        gone_training = np.zeros(len(enc.training_ids) + 1, dtype=bool)  # NONE (-1): the last
        gone_training[[self.training_index[t] for t in trainings]] = True

        gone_option = gone_pledge[enc.option_pledge] | gone_training[enc.option_training]
        gone_pair = gone_option[model.pair_option]
        gone_gift = gone_donation[model.give_donation]
        upper = model.col_upper.copy()
        upper[: model.n_pairs][gone_pair] = 0.0
        upper[model.n_pairs :][gone_gift] = 0.0

        cost = cost_feature(enc.option_unit_cost, ~gone_option)
        if np.array_equal(cost, self.terms.option_cost):  # the dearest option remains
            variant = model.derived(col_upper=upper)
        else:
            terms = dataclasses.replace(self.terms, option_cost=cost)
            scores = score_pairs(enc, model.pair_option, model.pair_requirement, terms)
            secondary = np.concatenate([-scores.score, np.zeros(model.give_donation.size)])
            variant = model.derived(col_upper=upper, secondary=secondary, scores=scores)

        values, stages, _ = solve_model(variant, self.options, backend=self.backend)
        weighted_gap, gap_units, gaps = gap_figures(variant, values)
        proven = all(stage.status is StageStatus.optimal for stage in stages)
        return Figures(
            weighted_gap=weighted_gap,
            gap_units=gap_units,
            gaps={enc.requirement_ids[r]: int(gaps[r]) for r in np.flatnonzero(gaps).tolist()},
            status=SolveStatus.optimal if proven else SolveStatus.feasible,
        )

    def requantify(self, changed: Scenario) -> Result | None:
        """The result of solving ``changed`` (without reasons), re-solved on this model; None unless
        ``changed`` is this scenario with other quantities and capacities only: the same elements,
        every other field equal, no quantity or capacity zero."""
        if any(
            getattr(obj, field) == 0
            for collection, field in SIZE_FIELD.items()
            for obj in getattr(changed, collection)
        ):
            return None
        if not _same_but_quantities(self.scenario, changed):
            return None
        enc = dataclasses.replace(self.enc, scenario=changed, **quantities(changed))
        variant = requantified(self.model, enc)
        values, stages, timings = solve_model(variant, self.options, backend=self.backend)
        proven = all(stage.status is StageStatus.optimal for stage in stages)
        status = SolveStatus.optimal if proven else SolveStatus.feasible
        result = build_result(variant, values, stages, status, self.options, reasons=False)
        result.timings = {name: round(seconds, 6) for name, seconds in timings.items()}
        return result
