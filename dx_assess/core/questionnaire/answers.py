"""Answer-level helpers shared by the web form and the scoring engine (pure functions)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from dx_assess.core.questionnaire.conditions import evaluate
from dx_assess.core.questionnaire.errors import AnswerError
from dx_assess.core.questionnaire.expressions import evaluate_derived, evaluate_rule
from dx_assess.core.questionnaire.model import AnswerValue, Question, Questionnaire
from dx_assess.core.questionnaire.types import normalize_answer


@dataclass(frozen=True)
class AnswerIssue:
    message: str
    question_id: str | None = None
    check_id: str | None = None


def _numbers(values: Mapping[str, object]) -> dict[str, float | None]:
    return {
        k: float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
        for k, v in values.items()
    }


def with_derived(questionnaire: Questionnaire, answers: Mapping[str, object]) -> dict[str, object]:
    """``answers`` plus the value of every derived question (None when it cannot be computed).

    Derived questions only refer to earlier questions, so one pass in file order suffices.
    """
    out = dict(answers)
    for q in questionnaire.questions:
        if q.formula is not None:
            out[q.id] = evaluate_derived(q.formula.source, _numbers(out), q.decimals)
    return out


def check_answers(
    questionnaire: Questionnaire,
    raw: Mapping[str, object],
    *,
    require_complete: bool = False,
) -> tuple[dict[str, AnswerValue], list[AnswerIssue]]:
    """Normalise answers, drop hidden ones, compute derived values and run cross-field checks.

    Returns (normalised answers including derived values, issues). With
    ``require_complete`` an unanswered required visible question is an issue too.
    """
    issues: list[AnswerIssue] = []
    for key in raw:
        if not questionnaire.has_question(key):
            issues.append(AnswerIssue(f"調査票にない設問です: {key}", key))
    values: dict[str, AnswerValue] = {}
    for q in questionnaire.questions:
        if q.show_when is not None and not evaluate(q.show_when, values):
            continue
        if q.formula is not None:
            derived = with_derived(questionnaire, values).get(q.id)
            if isinstance(derived, float):
                values[q.id] = derived
            continue
        try:
            value = normalize_answer(q, raw.get(q.id))
        except AnswerError as exc:
            issues.append(AnswerIssue(exc.message, q.id))
            continue
        if value is None:
            if require_complete and q.required:
                issues.append(AnswerIssue("この設問は回答が必要です。", q.id))
            continue
        if require_complete and q.required and isinstance(value, Mapping):
            missing = "、".join(r.label for r in q.rows if r.id not in value)
            if missing:
                message = f"すべての行に状況を選んでください（未選択: {missing}）"
                issues.append(AnswerIssue(message, q.id))
        values[q.id] = value
    numbers = _numbers(values)
    for check in questionnaire.checks:
        if evaluate_rule(check.rule, numbers) is False:
            issues.append(
                AnswerIssue(check.message, check.names[0] if check.names else None, check.id)
            )
    return values, issues


def _interpolate(points: tuple[tuple[float, float], ...], x: float) -> float:
    if x <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1]


def question_score(question: Question, value: object) -> float | None:
    """The 0..1 score of one normalised answer, or None (unscored or unanswered)."""
    rule = question.scoring
    if rule is None or value is None:
        return None
    scores = {c.value: c.score or 0.0 for c in question.choices if not c.not_applicable}
    if rule.method == "yes_no" and isinstance(value, bool):
        return rule.yes if value else rule.no
    if rule.method == "choice" and isinstance(value, str):
        return scores.get(value)
    if rule.method in ("count", "sum") and isinstance(value, tuple):
        if rule.method == "sum":
            return min(1.0, sum(scores.get(v, 0.0) for v in value))
        countable = [c.value for c in question.choices if not c.exclusive]
        full = rule.full_at or len(countable)
        return min(1.0, sum(1 for v in value if v in countable) / full)
    if rule.method == "breakpoints" and isinstance(value, int | float) and rule.breakpoints:
        return _interpolate(rule.breakpoints, float(value))
    if rule.method == "grid_average" and isinstance(value, Mapping):
        counted = [scores[s] for s in value.values() if s in scores]
        return sum(counted) / len(counted) if counted else None
    return None
