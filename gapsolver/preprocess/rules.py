"""The hard rules: which option (a pledge, with the training it takes if it needs one) may serve which
requirement. This module is the one source of truth for them; the model, the scoring, the baselines,
the explanations, the chains, the shortfall and the reports all call it.

Each rule is one :class:`Rule`: its **test**, an array function of option indices ``o`` and requirement
indices ``r`` that broadcast against each other (call it with ``o[:, None]`` and ``r[None, :]`` for a
grid, or with two equal-length vectors for a list of pairs); its **detail**, what it found for one
option and requirement (a typed :data:`gapsolver.schema.reasons.BlockedRule`); its **fix**, the changes
that lift it for one pledge (in the variants format; None when it cannot be lifted); and its **words**.

Training availability is a rule too (:data:`TRAINING`), at the level of the pledge: a pledge that needs
training has one option per course open to it (see :mod:`gapsolver.preprocess.encode`), so with no
course it has no option for the pair rules to test. A course's lead time is part of the ``date`` rule:
an option's ready date is the later of the pledge's availability and the end of its course.

The conditional-pledge prerequisites work at two levels. Whether *some* donation or training could
enable a pledge at all is a pair rule here (``equipment`` and, through the options, ``training``).
How many donated items and training seats there are to share is a capacity question that only the
model can answer (see the ``equipment_balance`` and ``training_capacity`` constraints).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gapsolver.exceptions import InputError, Problem
from gapsolver.limits import MAX_PAIRS
from gapsolver.preprocess.encode import NONE, BoolArray, Encoded, IntArray
from gapsolver.schema import READINESS_ORDER, Scenario
from gapsolver.schema.reasons import (
    BlockedRule,
    CapabilityBlock,
    CaveatExcludeBlock,
    CaveatOnlyBlock,
    Changes,
    DateBlock,
    EquipmentBlock,
    HostBlock,
    LanguageBlock,
    ReadinessBlock,
    TrainingBlock,
)

RuleFunction = Callable[[Encoded, IntArray, IntArray], BoolArray]
DetailFunction = Callable[[Encoded, int, int], Any]
FixFunction = Callable[[Scenario, int, Any], Changes | None]
WordsFunction = Callable[[Any], str]

_READINESS = [level.value for level in READINESS_ORDER]


@dataclass(frozen=True)
class Rule:
    """One hard rule: its test, what it found when it blocks, how to lift it, and its words."""

    name: str
    description: str
    test: RuleFunction
    detail: DetailFunction
    """(encoding, option, requirement) → the typed detail of this rule blocking the pair."""
    fix: FixFunction
    """(scenario, pledge index, detail) → changes that lift the rule for that pledge, or None."""
    words: WordsFunction
    """detail → a short phrase for tables (``readiness level1 < level2``)."""


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


# ---------------------------------------------------------------------------------------------------
# What each rule found, how to lift it, and its words


def _names(enc: Encoded, option: int, r: int) -> tuple[int, str, str]:
    p = int(enc.option_pledge[option])
    return p, enc.state_ids[int(enc.pledge_state[p])], enc.mission_ids[int(enc.req_mission[r])]


def _capability_detail(enc: Encoded, option: int, r: int) -> CapabilityBlock:
    p = int(enc.option_pledge[option])
    return CapabilityBlock(
        capability=enc.capability_ids[int(enc.pledge_capability[p])],
        required=enc.capability_ids[int(enc.req_capability[r])],
    )


def _readiness_detail(enc: Encoded, option: int, r: int) -> ReadinessBlock:
    p = int(enc.option_pledge[option])
    return ReadinessBlock(
        readiness=_READINESS[int(enc.pledge_readiness[p])],
        required=_READINESS[int(enc.req_min_readiness[r])],
    )


def _host_detail(enc: Encoded, option: int, r: int) -> HostBlock:
    return HostBlock(mission=_names(enc, option, r)[2])


def _caveat_exclude_detail(enc: Encoded, option: int, r: int) -> CaveatExcludeBlock:
    return CaveatExcludeBlock(mission=_names(enc, option, r)[2])


def _caveat_only_detail(enc: Encoded, option: int, r: int) -> CaveatOnlyBlock:
    p, _, mission = _names(enc, option, r)
    return CaveatOnlyBlock(
        mission=mission, only_missions=list(enc.scenario.pledges[p].caveats.only_missions)
    )


def _language_detail(enc: Encoded, option: int, r: int) -> LanguageBlock:
    return LanguageBlock(
        language=enc.language_ids[int(enc.req_require_language[r])],
        state=_names(enc, option, r)[1],
    )


def _date_detail(enc: Encoded, option: int, r: int) -> DateBlock:
    t = int(enc.option_training[option])
    return DateBlock(
        ready=str(enc.day(int(enc.option_ready[option]))),
        needed_by=str(enc.day(int(enc.req_needed_by[r]))),
        days_late=int(enc.option_ready[option] - enc.req_needed_by[r]),
        training=None if t == NONE else enc.training_ids[t],
    )


def _equipment_detail(enc: Encoded, option: int, r: int) -> EquipmentBlock:
    p, state, _ = _names(enc, option, r)
    return EquipmentBlock(item=enc.item_ids[int(enc.pledge_item[p])], state=state)


def _target(scenario: Scenario, p: int) -> str:
    return f"pledges[{scenario.pledges[p].id}]"


def _no_fix(scenario: Scenario, p: int, detail: Any) -> Changes | None:
    return None  # a pledge of another capability, or a host in its own mission: not liftable


def _readiness_fix(scenario: Scenario, p: int, detail: ReadinessBlock) -> Changes:
    return [{"set": {f"{_target(scenario, p)}.readiness": detail.required}}]


def _caveat_exclude_fix(scenario: Scenario, p: int, detail: CaveatExcludeBlock) -> Changes:
    kept = [m for m in scenario.pledges[p].caveats.exclude_missions if m != detail.mission]
    return [{"set": {f"{_target(scenario, p)}.caveats.exclude_missions": kept}}]


def _caveat_only_fix(scenario: Scenario, p: int, detail: CaveatOnlyBlock) -> Changes:
    return [{"append": {f"{_target(scenario, p)}.caveats.only_missions": [detail.mission]}}]


def _language_fix(scenario: Scenario, p: int, detail: LanguageBlock) -> Changes:
    state = scenario.pledges[p].state
    return [{"append": {f"member_states[{state}].languages": [detail.language]}}]


def _date_fix(scenario: Scenario, p: int, detail: DateBlock) -> Changes:
    """Bring the pledge's availability forward to the date, and shorten its course's lead time."""
    pledge = scenario.pledges[p]
    needed = dt.date.fromisoformat(detail.needed_by)
    changes: Changes = []
    if pledge.available_from is not None and pledge.available_from > needed:
        changes.append({"set": {f"{_target(scenario, p)}.available_from": needed.isoformat()}})
    if detail.training is not None:
        course = next(t for t in scenario.trainings if t.id == detail.training)
        days = (needed - scenario.start).days
        if course.lead_time_days > days:
            changes.append({"set": {f"trainings[{course.id}].lead_time_days": days}})
    return changes


def _equipment_fix(scenario: Scenario, p: int, detail: EquipmentBlock) -> Changes | None:
    donation = next((d for d in scenario.donations if d.item == detail.item), None)
    if donation is None:
        return None
    state = scenario.pledges[p].state
    return [{"append": {f"donations[{donation.id}].eligible_recipients": [state]}}]


def _training_fix(scenario: Scenario, p: int, detail: TrainingBlock) -> Changes | None:
    pledge = scenario.pledges[p]
    course = next((t for t in scenario.trainings if t.capability == pledge.capability), None)
    if course is None:
        return None
    return [{"append": {f"trainings[{course.id}].eligible_trainees": [pledge.state]}}]


def _date_words(detail: DateBlock) -> str:
    via = f" (training {detail.training})" if detail.training else ""
    return f"{detail.days_late} days late{via}"


RULES: tuple[Rule, ...] = (
    Rule(
        "capability",
        "pledges a different capability",
        _capability,
        _capability_detail,
        _no_fix,
        lambda d: f"pledges {d.capability}, not {d.required}",
    ),
    Rule(
        "readiness",
        "readiness below the requirement's min_readiness",
        _readiness,
        _readiness_detail,
        _readiness_fix,
        lambda d: f"readiness {d.readiness} < {d.required}",
    ),
    Rule(
        "host",
        "the pledging state hosts the mission",
        _host,
        _host_detail,
        _no_fix,
        lambda d: f"hosts {d.mission}",
    ),
    Rule(
        "caveat_exclude",
        "the pledge's caveats exclude this mission",
        _caveat_exclude,
        _caveat_exclude_detail,
        _caveat_exclude_fix,
        lambda d: f"caveat excludes {d.mission}",
    ),
    Rule(
        "caveat_only",
        "the pledge's caveats allow only other missions",
        _caveat_only,
        _caveat_only_detail,
        _caveat_only_fix,
        lambda d: f"caveat: only {', '.join(d.only_missions)}",
    ),
    Rule(
        "language",
        "the state does not speak the required language",
        _language,
        _language_detail,
        _language_fix,
        lambda d: f"does not speak {d.language}",
    ),
    Rule(
        "date",
        "available only after needed_by (a course's lead time included)",
        _date,
        _date_detail,
        _date_fix,
        _date_words,
    ),
    Rule(
        "equipment",
        "no donation of the needed equipment lists the state as recipient",
        _equipment,
        _equipment_detail,
        _equipment_fix,
        lambda d: f"no donation of {d.item} lists {d.state}",
    ),
)
RULE_NAMES = tuple(rule.name for rule in RULES)


def _training_test(enc: Encoded, o: IntArray, r: IntArray) -> BoolArray:
    # every option exists because a course takes its pledge (or it needs none): the rule is decided
    # per pledge, by whether the pledge has an option at all (:func:`has_course`)
    return np.broadcast_to(
        has_course(enc)[enc.option_pledge[o]], np.broadcast_shapes(np.shape(o), np.shape(r))
    )


TRAINING = Rule(
    "training",
    "the pledge needs training and no course of its capability takes its state",
    _training_test,
    lambda enc, p, r: TrainingBlock(capability=enc.capability_ids[int(enc.pledge_capability[p])]),
    _training_fix,
    lambda d: f"no training course for {d.capability} takes it",
)
"""Training availability, a pledge-level rule: its ``detail`` takes a pledge index, not an option."""

BY_NAME: dict[str, Rule] = {rule.name: rule for rule in (*RULES, TRAINING)}


def contributor_passing_state_rules(
    scenario: Scenario, wanted_id: str, name: str
) -> dict[str, Any]:
    """A new member state (as scenario data) that no rule about the contributing state blocks: it
    speaks every language a requirement demands or a mission uses (``language``) and hosts no mission
    (``host``); its id is ``wanted_id``, made unique. The shortfall offers its candidate pledges."""
    languages = sorted(
        {r.require_language for r in scenario.requirements if r.require_language}
        | {language for m in scenario.missions for language in m.languages}
    )
    identifier, taken = wanted_id, {s.id for s in scenario.member_states}
    while identifier in taken:
        identifier += "_"
    return {"id": identifier, "name": name, "languages": languages}


def fix_for(scenario: Scenario, p: int, blocked: list[BlockedRule]) -> Changes | None:
    """Changes that lift every rule in ``blocked`` for pledge ``p``; None when one cannot be lifted."""
    changes: Changes = []
    for detail in blocked:
        fix = BY_NAME[detail.rule].fix(scenario, p, detail)
        if fix is None:
            return None
        changes += fix
    return changes


def words(detail: BlockedRule) -> str:
    """A blocking rule's short phrase, for tables."""
    return BY_NAME[detail.rule].words(detail)


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
