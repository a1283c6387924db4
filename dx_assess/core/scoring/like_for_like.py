"""Like-for-like change: last round's answers re-scored under this round's rules.

A reported change (this round's score − last round's score) mixes two things when the
questionnaire changed between the rounds: what the municipality did, and what the new rules
count. The like-for-like change removes the second part (docs/scoring.md, section 7):

1. last round's answers are carried into this round's version through the version map, step by
   step along the ``previous`` chain (:func:`carry_forward`: value maps, renames, splits, merges;
   derived values are recomputed from the carried inputs);
2. the carried answers are scored under this round's rules (:func:`score_response`);
3. per pillar, both this round's scorecard and the re-scored one are restricted to the *common
   questions* ``C``: this round's scored questions that the map carries from scored questions of
   the same pillar (as in :func:`comparability`). A question outside ``C`` was not asked last
   round, so neither side counts it;
4. ``like_for_like`` = restricted score now − restricted re-scored base (points). The overall
   like-for-like change is the mean of the pillar changes weighted by this round's pillar
   weights, over pillars where both sides have a score.

``rules_changed`` says whether the scoring of a pillar differs between the two versions (a
question's method, option scores, breakpoints or weight; a question added to or removed from
the pillar's scoring; an answer carried through a value map; the pillar's weight; the levels).
When it is true the reported change is only a reference figure (参考値).

Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd

from dx_assess.core.questionnaire import Questionnaire, carry_forward
from dx_assess.core.questionnaire.diff import describe_scoring
from dx_assess.core.scoring.model import COUNTED, OVERALL, Scorecard
from dx_assess.core.scoring.score import score_response
from dx_assess.core.scoring.trends import _mapping, _trace, version_chain

LIKE_FOR_LIKE_COLUMNS = (
    "code",
    "pillar",
    "score_common",  # this round's score on the common questions
    "rescored_base",  # last round's answers under this round's rules, common questions
    "like_for_like",  # score_common − rescored_base
    "rules_changed",
)


@dataclass(frozen=True)
class RuleChanges:
    """Per pillar of the newer version: the common questions and whether scoring changed."""

    common: Mapping[str, frozenset[str]]  # pillar -> newer question ids carried like-for-like
    rules_changed: Mapping[str, bool]  # pillar (and ``overall``) -> scoring differs


def _signature(q: Questionnaire, pillar: str) -> tuple[object, ...]:
    weight = next((p.weight for p in q.pillars if p.id == pillar), None)
    return (weight, sorted(describe_scoring(x) for x in q.scored_questions() if x.pillar == pillar))


def rule_changes(
    old: Questionnaire, new: Questionnaire, *, known: Sequence[Questionnaire] = ()
) -> RuleChanges | None:
    """Common questions and rule changes between two versions (None: no version chain)."""
    chain = version_chain(old, new, known)
    if chain is None:
        return None
    traced = _trace(chain) if len(chain) > 1 else {q.id: frozenset({q.id}) for q in new.questions}
    mapped: set[str] = set()
    for a, b in pairwise(chain):
        mapped.update(c.question for c in _mapping(a, b).carries if c.value_map)
    old_pillar = {x.id: x.pillar for x in old.scored_questions()}
    common: dict[str, frozenset[str]] = {}
    changed: dict[str, bool] = {}
    for p in new.pillars:
        ids = [x.id for x in new.scored_questions() if x.pillar == p.id]
        common[p.id] = frozenset(
            i for i in ids if traced.get(i) and all(old_pillar.get(s) == p.id for s in traced[i])
        )
        changed[p.id] = (
            _signature(old, p.id) != _signature(new, p.id)
            or any(i in mapped for i in ids)
            or old.levels != new.levels
        )
    dropped = {p.id for p in old.pillars} - {p.id for p in new.pillars}
    changed[OVERALL] = bool(dropped) or any(changed.values())
    return RuleChanges(common, changed)


def carry_answers(
    old: Questionnaire,
    new: Questionnaire,
    answers: Mapping[str, object],
    *,
    known: Sequence[Questionnaire] = (),
) -> dict[str, object] | None:
    """``answers`` given against ``old`` carried into ``new`` through every version map on the
    way (None: no version chain)."""
    chain = version_chain(old, new, known)
    if chain is None:
        return None
    current: dict[str, object] = dict(answers)
    for a, b in pairwise(chain):
        current = carry_forward(_mapping(a, b), b, current)
    return current


def restricted_score(card: Scorecard, pillar: str, ids: frozenset[str]) -> float | None:
    """The pillar score (0..100) over the counted questions in ``ids`` only."""
    num = den = 0.0
    for q in card.questions:
        if q.pillar == pillar and q.question in ids and q.status in COUNTED:
            num += q.weight * (q.score or 0.0)
            den += q.weight
    return 100.0 * num / den if den > 0 else None


def rescore(
    old: Questionnaire,
    new: Questionnaire,
    answers: Mapping[str, object],
    *,
    known: Sequence[Questionnaire] = (),
) -> Scorecard | None:
    """Last round's ``answers`` scored under ``new``'s rules (None: no version chain)."""
    carried = carry_answers(old, new, answers, known=known)
    return None if carried is None else score_response(new, carried)


def like_for_like_table(
    old: Questionnaire,
    new: Questionnaire,
    base_answers: Mapping[str, Mapping[str, object]],
    cards: Mapping[str, Scorecard],
    *,
    known: Sequence[Questionnaire] = (),
) -> pd.DataFrame:
    """One row per (code, pillar) for codes with both a scorecard now and answers last round:
    see :data:`LIKE_FOR_LIKE_COLUMNS` and the module docstring."""
    rules = rule_changes(old, new, known=known)
    rows: list[dict[str, object]] = []
    if rules is not None:
        weights = {p.id: p.weight for p in new.pillars}
        for code in sorted(set(base_answers) & set(cards)):
            base = rescore(old, new, base_answers[code], known=known)
            if base is None:
                continue
            num = den = 0.0
            for p in new.pillars:
                ids = rules.common[p.id]
                now_s = restricted_score(cards[code], p.id, ids)
                base_s = restricted_score(base, p.id, ids)
                lfl = None if now_s is None or base_s is None else now_s - base_s
                if lfl is not None:
                    num += weights[p.id] * lfl
                    den += weights[p.id]
                rows.append(
                    {
                        "code": code,
                        "pillar": p.id,
                        "score_common": now_s,
                        "rescored_base": base_s,
                        "like_for_like": lfl,
                        "rules_changed": rules.rules_changed[p.id],
                    }
                )
            rows.append(
                {
                    "code": code,
                    "pillar": OVERALL,
                    "score_common": None,
                    "rescored_base": None,
                    "like_for_like": num / den if den > 0 else None,
                    "rules_changed": rules.rules_changed[OVERALL],
                }
            )
    frame = pd.DataFrame(rows, columns=list(LIKE_FOR_LIKE_COLUMNS))
    for c in ("score_common", "rescored_base", "like_for_like"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    frame["rules_changed"] = frame["rules_changed"].astype(bool)
    return frame
