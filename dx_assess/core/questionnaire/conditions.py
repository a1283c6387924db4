"""Evaluate show-when and recommendation conditions against answers (pure functions).

Semantics (documented in questionnaires/README.md):

* An unanswered question makes every test false except ``answered: false``.
* ``row`` picks one row of a status grid; ``any_row_in`` / ``all_rows_in`` look at all rows.
* A hidden question counts as unanswered (see :func:`effective_answers`).
* ``pillar_score`` is false while the pillar score is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping

from dx_assess.core.questionnaire.model import (
    AllOf,
    AnyOf,
    Condition,
    ConditionValue,
    Not,
    PillarScoreTest,
    Questionnaire,
    QuestionTest,
)
from dx_assess.core.questionnaire.numbers import compare, compare_score
from dx_assess.core.questionnaire.types import is_answered

QUESTION_OPS = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "answered",
    "contains",
    "any_row_in",
    "all_rows_in",
)
NUMERIC_OPS = ("gt", "gte", "lt", "lte")


def _same(a: object, b: ConditionValue) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    return a == b


def _members(value: ConditionValue) -> tuple[object, ...]:
    return value if isinstance(value, tuple) else (value,)


def _question_test(test: QuestionTest, answers: Mapping[str, object]) -> bool:
    value = answers.get(test.question)
    if test.row is not None:
        value = value.get(test.row) if isinstance(value, Mapping) else None
    answered = is_answered(value)
    if test.op == "answered":
        return answered == (test.value is not False)
    if not answered:
        return False
    op = test.op
    if op == "equals":
        return _same(value, test.value)
    if op == "not_equals":
        return not _same(value, test.value)
    if op in ("in", "not_in"):
        found = any(_same(value, m) for m in _members(test.value))  # type: ignore[arg-type]
        return found if op == "in" else not found
    if op in NUMERIC_OPS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if isinstance(test.value, bool) or not isinstance(test.value, int | float):
            return False
        return compare(op, float(value), float(test.value))
    if op == "contains":
        return isinstance(value, tuple | list) and test.value in value
    if op in ("any_row_in", "all_rows_in") and isinstance(value, Mapping):
        wanted = _members(test.value)
        hits = [status in wanted for status in value.values()]
        return any(hits) if op == "any_row_in" else bool(hits) and all(hits)
    return False


def evaluate(
    condition: Condition,
    answers: Mapping[str, object],
    pillar_scores: Mapping[str, float] | None = None,
) -> bool:
    """Whether ``condition`` holds for ``answers`` (and, for recommendations, pillar scores)."""
    if isinstance(condition, AllOf):
        return all(evaluate(c, answers, pillar_scores) for c in condition.items)
    if isinstance(condition, AnyOf):
        return any(evaluate(c, answers, pillar_scores) for c in condition.items)
    if isinstance(condition, Not):
        return not evaluate(condition.item, answers, pillar_scores)
    if isinstance(condition, PillarScoreTest):
        score = (pillar_scores or {}).get(condition.pillar)
        return score is not None and compare_score(condition.op, score, condition.value)
    return _question_test(condition, answers)


def effective_answers(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> dict[str, object]:
    """Answers with those of hidden questions removed.

    A show-when may only refer to earlier questions, so one pass in file order suffices.
    """
    out: dict[str, object] = {}
    for q in questionnaire.questions:
        if q.show_when is not None and not evaluate(q.show_when, out):
            continue
        if q.id in answers:
            out[q.id] = answers[q.id]
    return out


def visible_question_ids(questionnaire: Questionnaire, answers: Mapping[str, object]) -> list[str]:
    """Ids of the questions shown for these answers, in file order."""
    shown: list[str] = []
    out: dict[str, object] = {}
    for q in questionnaire.questions:
        if q.show_when is not None and not evaluate(q.show_when, out):
            continue
        shown.append(q.id)
        if q.id in answers:
            out[q.id] = answers[q.id]
    return shown


def referenced_questions(condition: Condition) -> list[QuestionTest]:
    """Every question test inside ``condition``."""
    if isinstance(condition, AllOf | AnyOf):
        return [t for c in condition.items for t in referenced_questions(c)]
    if isinstance(condition, Not):
        return referenced_questions(condition.item)
    if isinstance(condition, QuestionTest):
        return [condition]
    return []


def referenced_pillars(condition: Condition) -> list[PillarScoreTest]:
    if isinstance(condition, AllOf | AnyOf):
        return [t for c in condition.items for t in referenced_pillars(c)]
    if isinstance(condition, Not):
        return referenced_pillars(condition.item)
    if isinstance(condition, PillarScoreTest):
        return [condition]
    return []
