"""The hard rules: which option (a pledge, with the training it takes if it needs one) may serve which
requirement. This module is the one source of truth for them; the model, the scoring, the baselines and
the explanations all call it.

Every rule is an array function of option indices ``o`` and requirement indices ``r`` that broadcast
against each other: call it with ``o[:, None]`` and ``r[None, :]`` for a grid, or with two equal-length
vectors for a list of pairs.

The conditional-pledge prerequisites work at two levels. Whether *some* donation or training could
enable a pledge at all is a pair rule here (``equipment`` and, through the options, ``training``).
How many donated items and training seats there are to share is a capacity question that only the
model can answer (see the ``equipment_balance`` and ``training_capacity`` constraints).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gapsolver.exceptions import InputError, Problem
from gapsolver.limits import MAX_PAIRS
from gapsolver.preprocess.encode import NONE, BoolArray, Encoded, IntArray

RuleFunction = Callable[[Encoded, IntArray, IntArray], BoolArray]


@dataclass(frozen=True)
class Rule:
    """One hard rule, with the wording used when it blocks a pair."""

    name: str
    description: str
    test: RuleFunction


def _capability(enc: Encoded, o: IntArray, r: IntArray) -> BoolArray:
    return enc.pledge_capability[enc.option_pledge[o]] == enc.req_capability[r]


def _readiness(enc: Encoded, o: IntArray, r: IntArray) -> BoolArray:
    return enc.pledge_readiness[enc.option_pledge[o]] >= enc.req_min_readiness[r]


def _host(enc: Encoded, o: IntArray, r: IntArray) -> BoolArray:
    return ~enc.mission_is_host[enc.req_mission[r], enc.pledge_state[enc.option_pledge[o]]]


def _caveat_exclude(enc: Encoded, o: IntArray, r: IntArray) -> BoolArray:
    return ~enc.pledge_excluded[enc.option_pledge[o], enc.req_mission[r]]


def _caveat_only(enc: Encoded, o: IntArray, r: IntArray) -> BoolArray:
    pledge = enc.option_pledge[o]
    return ~enc.pledge_has_only[pledge] | enc.pledge_only[pledge, enc.req_mission[r]]


def _language(enc: Encoded, o: IntArray, r: IntArray) -> BoolArray:
    required = enc.req_require_language[r]
    if enc.state_speaks.shape[1] == 0:  # no languages anywhere, so none is required
        return np.broadcast_to(required == NONE, np.broadcast_shapes(np.shape(o), np.shape(r)))
    speaks = enc.state_speaks[enc.pledge_state[enc.option_pledge[o]], np.maximum(required, 0)]
    return (required == NONE) | speaks


def _date(enc: Encoded, o: IntArray, r: IntArray) -> BoolArray:
    return enc.option_ready[o] <= enc.req_needed_by[r]


def has_donor(enc: Encoded, pledge: IntArray) -> BoolArray:
    """Whether some donation of the item each pledge needs lists its state as a recipient (True
    for pledges that need no equipment)."""
    item = enc.pledge_item[pledge]
    if enc.state_item_donor.shape[1] == 0:  # no items anywhere, so none is needed
        return np.asarray(item == NONE)
    return np.asarray(
        (item == NONE) | enc.state_item_donor[enc.pledge_state[pledge], np.maximum(item, 0)]
    )


def has_course(enc: Encoded) -> BoolArray:
    """Per pledge: whether it can take a course it needs (True for pledges that need none). A pledge
    that needs training has one option per course open to it, so it has a course iff it has an
    option."""
    with_option = np.zeros(len(enc.pledge_ids), dtype=bool)
    with_option[enc.option_pledge] = True
    return np.asarray(with_option)


def _equipment(enc: Encoded, o: IntArray, r: IntArray) -> BoolArray:
    # an option-only verdict, broadcast to the pair shape
    return np.broadcast_to(
        has_donor(enc, enc.option_pledge[o]), np.broadcast_shapes(np.shape(o), np.shape(r))
    )


RULES: tuple[Rule, ...] = (
    Rule("capability", "pledges a different capability", _capability),
    Rule("readiness", "readiness below the requirement's min_readiness", _readiness),
    Rule("host", "the pledging state hosts the mission", _host),
    Rule("caveat_exclude", "the pledge's caveats exclude this mission", _caveat_exclude),
    Rule("caveat_only", "the pledge's caveats allow only other missions", _caveat_only),
    Rule("language", "the state does not speak the required language", _language),
    Rule("date", "available only after needed_by", _date),
    Rule(
        "equipment", "no donation of the needed equipment lists the state as recipient", _equipment
    ),
)
RULE_NAMES = tuple(rule.name for rule in RULES)


def eligible(enc: Encoded, o: IntArray, r: IntArray) -> BoolArray:
    """True where every rule passes (``o`` and ``r`` broadcast)."""
    verdict = np.ones(np.broadcast_shapes(np.shape(o), np.shape(r)), dtype=bool)
    for rule in RULES:
        verdict &= rule.test(enc, o, r)
    return verdict


def rule_table(enc: Encoded, o: IntArray, r: int) -> BoolArray:
    """``[len(RULES), len(o)]``: whether each option passes each rule against requirement ``r``."""
    rr = np.full(np.shape(o), r, dtype=np.int64)
    return np.array(
        [np.broadcast_to(rule.test(enc, o, rr), np.shape(o)) for rule in RULES], dtype=bool
    ).reshape(len(RULES), -1)


def failed_rules(enc: Encoded, o: int, r: int) -> list[str]:
    """Names of the rules one option–requirement pair breaks (empty when it is eligible)."""
    oo, rr = np.array([o]), np.array([r])
    return [rule.name for rule in RULES if not bool(rule.test(enc, oo, rr)[0])]


CHUNK_CELLS = 4_000_000
"""Most option–requirement cells tested at once (bounds the memory of a large capability block)."""


def eligible_pairs(enc: Encoded) -> tuple[IntArray, IntArray]:
    """All eligible (option, requirement) pairs, sorted by option then requirement.

    Computed per capability block (pairs across capabilities never pass the capability rule), and
    within a block in slices of at most CHUNK_CELLS cells, so memory grows with the pairs found, not
    with options × requirements. More than MAX_PAIRS eligible pairs is refused (InputError) as soon
    as they are counted.
    """
    option_capability = enc.option_capability
    found_o: list[IntArray] = []
    found_r: list[IntArray] = []
    total = 0
    for capability in np.intersect1d(option_capability, enc.req_capability):
        options = np.flatnonzero(option_capability == capability)
        requirements = np.flatnonzero(enc.req_capability == capability)
        step = max(1, CHUNK_CELLS // max(1, requirements.size))
        for begin in range(0, options.size, step):
            some = options[begin : begin + step]
            rows, cols = np.nonzero(eligible(enc, some[:, None], requirements[None, :]))
            total += rows.size
            if total > MAX_PAIRS:
                raise InputError(
                    [
                        Problem(
                            "",
                            f"more than {MAX_PAIRS:,} eligible pledge–requirement pairs (at least "
                            f"{total:,}); gapsolver builds models of up to {MAX_PAIRS:,} "
                            "(split the scenario, or narrow pledges with caveats)",
                        )
                    ]
                )
            found_o.append(some[rows])
            found_r.append(requirements[cols])
    if not found_o:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    o = np.concatenate(found_o)
    r = np.concatenate(found_r)
    order = np.lexsort((r, o))
    return o[order], r[order]
