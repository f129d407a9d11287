"""Assemble the model: variables over the eligible pairs and useful gifts, every constraint family's
rows, and the two ranked objectives."""

from __future__ import annotations

import time

import numpy as np

from gapsolver.model.families import CONSTRAINT_FAMILIES, QUANTITY_FAMILIES
from gapsolver.model.model import Model
from gapsolver.preprocess.encode import NONE, Encoded, IntArray
from gapsolver.preprocess.rules import eligible_pairs
from gapsolver.preprocess.scoring import score_pairs


def _donation_gifts(enc: Encoded, pair_option: IntArray) -> tuple[IntArray, IntArray]:
    """(donation, recipient) pairs worth a variable: the recipient is eligible and has at least one
    eligible pair whose pledge needs the donation's item."""
    pledge = enc.option_pledge[pair_option]
    needs = np.zeros((len(enc.state_ids), len(enc.item_ids)), dtype=bool)
    with_item = enc.pledge_item[pledge] != NONE
    needs[enc.pledge_state[pledge[with_item]], enc.pledge_item[pledge[with_item]]] = True
    useful = enc.donation_recipient & needs[:, enc.donation_item].T  # [D, S]
    donation, state = np.nonzero(useful)
    return donation.astype(np.int64), state.astype(np.int64)


def _column_upper(
    enc: Encoded, pair_option: IntArray, pair_requirement: IntArray, give_donation: IntArray
) -> np.ndarray:
    """x[p,r] ≤ min(quantity_p, quantity_r); y[d,s] ≤ quantity_d."""
    pledge = enc.option_pledge[pair_option]
    x_upper = np.minimum(enc.pledge_quantity[pledge], enc.req_quantity[pair_requirement])
    return np.concatenate([x_upper, enc.donation_quantity[give_donation]]).astype(float)


def _weighted_demand(enc: Encoded) -> float:
    """Σ_r w_r q_r: the weighted gap of the empty plan."""
    return float(enc.req_weight @ enc.req_quantity)


def requantified(model: Model, enc: Encoded) -> Model:
    """``model`` for ``enc``: the same scenario with other quantities and capacities (pledges',
    requirements', donations', trainings'; none zero, so the eligible pairs and every coefficient are
    the model's). Column bounds, the quantity families' rows and the weighted demand follow ``enc``;
    everything else is shared with ``model``."""
    variant = model.derived(
        enc=enc,
        col_upper=_column_upper(
            enc, model.pair_option, model.pair_requirement, model.give_donation
        ),
        primary_offset=_weighted_demand(enc),
    )
    return variant.with_blocks(
        [
            QUANTITY_FAMILIES[block.family](variant) if block.family in QUANTITY_FAMILIES else block
            for block in model.blocks
        ]
    )


def build_model(enc: Encoded) -> Model:
    """Variables, then constraints, then objectives."""
    # Variables: x over eligible pairs only; y over useful (donation, recipient) pairs.
    began = time.perf_counter()
    pair_option, pair_requirement = eligible_pairs(enc)
    eligibility_seconds = time.perf_counter() - began
    give_donation, give_state = _donation_gifts(enc, pair_option)
    pledge = enc.option_pledge[pair_option]
    training = enc.option_training[pair_option]
    x_names = [
        f"x[{enc.pledge_ids[p]},{enc.requirement_ids[r]}"
        + (f",{enc.training_ids[t]}]" if t != NONE else "]")
        for p, r, t in zip(
            pledge.tolist(), pair_requirement.tolist(), training.tolist(), strict=True
        )
    ]
    y_names = [
        f"y[{enc.donation_ids[d]},{enc.state_ids[s]}]"
        for d, s in zip(give_donation.tolist(), give_state.tolist(), strict=True)
    ]
    began = time.perf_counter()
    scores = score_pairs(enc, pair_option, pair_requirement)
    score_seconds = time.perf_counter() - began
    model = Model(
        enc=enc,
        pair_option=pair_option,
        pair_requirement=pair_requirement,
        scores=scores,
        give_donation=give_donation,
        give_state=give_state,
        col_names=x_names + y_names,
        col_lower=np.zeros(len(x_names) + len(y_names)),
        col_upper=_column_upper(enc, pair_option, pair_requirement, give_donation),
        col_integer=np.ones(len(x_names) + len(y_names), dtype=bool),
    )

    # Constraints
    began = time.perf_counter()
    for define in CONSTRAINT_FAMILIES:
        block = define(model)
        if block is not None and block.names:
            model.blocks.append(block)

    # Objectives: weighted gap = Σ_r w_r q_r − Σ_k w_{r(k)} x_k; suitability = Σ_k score_k x_k.
    n_give = give_donation.size
    model.primary = np.concatenate([-enc.req_weight[pair_requirement], np.zeros(n_give)])
    model.primary_offset = _weighted_demand(enc)
    model.secondary = np.concatenate([-model.scores.score, np.zeros(n_give)])
    model.timings = {
        "eligibility": eligibility_seconds,
        "score": score_seconds,
        "rows": time.perf_counter() - began,
    }
    return model
