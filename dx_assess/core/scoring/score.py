"""Answers -> question scores -> pillar scores -> overall score, level and coverage.

The rules are written down, with a worked example, in docs/scoring.md. In short:

* a question counts when it is scored, shown, and has a score: its score is
  ``question_score(question, value)`` (0..1); a shown, required, unanswered question counts as 0;
* a shown, optional, unanswered question (or a derived value that cannot be computed) is left out
  of the pillar score and lowers coverage; hidden questions and 「対象外」 answers are left out and
  do not lower coverage;
* pillar score = 100 × Σ(w·s) / Σ(w) over counted questions (None when nothing counted);
* overall = Σ(W·P) / Σ(W) over pillars with a score; level from the version's thresholds.

A compiled :class:`ScoringPlan` is cached per questionnaire content, so scoring one response is
a single pass over the questions in file order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dx_assess.core.questionnaire import Question, Questionnaire, evaluate, question_score
from dx_assess.core.questionnaire.expressions import evaluate_derived, parse_formula
from dx_assess.core.questionnaire.types import is_answered
from dx_assess.core.scoring.model import (
    ANSWERED,
    HIDDEN,
    MISSING_REQUIRED,
    NOT_APPLICABLE,
    NOT_COMPUTABLE,
    OVERALL,
    UNANSWERED,
    PillarScore,
    QuestionScore,
    Scorecard,
)
from dx_assess.core.vocabulary import answer_number


@dataclass(frozen=True)
class PlanItem:
    """One question as the scorer walks it."""

    question: Question
    pillar_index: int  # index into ScoringPlan.pillar_ids; -1 when not scored
    formula_names: tuple[str, ...]  # names a derived question's formula reads

    @property
    def scored(self) -> bool:
        return self.pillar_index >= 0


@dataclass(frozen=True)
class ScoringPlan:
    """What scoring needs from a questionnaire, computed once per version."""

    questionnaire: Questionnaire
    items: tuple[PlanItem, ...]  # every question, in file order
    pillar_ids: tuple[str, ...]
    pillar_weights: tuple[float, ...]


_PLANS: dict[str, ScoringPlan] = {}
_PLAN_CACHE_SIZE = 32


def _plan_key(questionnaire: Questionnaire) -> str:
    if questionnaire.content_hash:
        return f"{questionnaire.content_hash}:{questionnaire.source_file}"
    return f"id:{id(questionnaire)}"  # the cached plan keeps the object alive


def scoring_plan(questionnaire: Questionnaire) -> ScoringPlan:
    """The compiled plan for ``questionnaire`` (cached by content hash)."""
    key = _plan_key(questionnaire)
    plan = _PLANS.get(key)
    if plan is not None and (
        plan.questionnaire is questionnaire or plan.questionnaire == questionnaire
    ):
        return plan
    pillar_ids = tuple(p.id for p in questionnaire.pillars)
    index = {pid: k for k, pid in enumerate(pillar_ids)}
    items = tuple(
        PlanItem(
            q,
            index[q.pillar] if q.scored and q.pillar in index else -1,
            parse_formula(q.formula.source).names if q.formula is not None else (),
        )
        for q in questionnaire.questions
    )
    plan = ScoringPlan(
        questionnaire, items, pillar_ids, tuple(p.weight for p in questionnaire.pillars)
    )
    if len(_PLANS) >= _PLAN_CACHE_SIZE:
        _PLANS.pop(next(iter(_PLANS)))
    _PLANS[key] = plan
    return plan


def _derive(item: PlanItem, values: Mapping[str, object]) -> float | None:
    q = item.question
    assert q.formula is not None  # noqa: S101 - only called for derived questions
    return evaluate_derived(
        q.formula.source, {n: answer_number(values.get(n)) for n in item.formula_names}, q.decimals
    )


#: Normal forms that are never empty (is_answered would say so too, only more slowly).
_ALWAYS_ANSWERED = (bool, int, float, dt.date)


def _walk(
    plan: ScoringPlan, answers: Mapping[str, object]
) -> tuple[dict[str, object], list[tuple[PlanItem, str, float | None]]]:
    """One pass in file order: the shown answers (derived values recomputed from them) and,
    for every scored question, (item, status, counted score)."""
    values: dict[str, object] = {}
    scored: list[tuple[PlanItem, str, float | None]] = []
    for item in plan.items:
        q = item.question
        if q.show_when is not None and not evaluate(q.show_when, values):
            if item.scored:
                scored.append((item, HIDDEN, None))
            continue
        value = _derive(item, values) if q.formula is not None else answers.get(q.id)
        answered = value is not None and (isinstance(value, _ALWAYS_ANSWERED) or is_answered(value))
        if answered:
            values[q.id] = value
        if not item.scored:
            continue
        if not answered:
            if q.formula is not None:
                scored.append((item, NOT_COMPUTABLE, None))
            elif q.required:
                scored.append((item, MISSING_REQUIRED, 0.0))
            else:
                scored.append((item, UNANSWERED, None))
            continue
        s = question_score(q, value)
        if s is None:
            scored.append((item, NOT_APPLICABLE, None))
        else:
            scored.append((item, ANSWERED, min(1.0, max(0.0, float(s)))))
    return values, scored


def shown_values(questionnaire: Questionnaire, answers: Mapping[str, object]) -> dict[str, object]:
    """The answers of the shown questions, with derived values recomputed from them.

    This is what recommendation conditions are evaluated against.
    """
    values, _ = _walk(scoring_plan(questionnaire), answers)
    return values


def score_response(questionnaire: Questionnaire, answers: Mapping[str, object]) -> Scorecard:
    """Score one response (answers in the normal forms of ``normalize_answer``)."""
    plan = scoring_plan(questionnaire)
    _, scored = _walk(plan, answers)
    n = len(plan.pillar_ids)
    num = [0.0] * n
    counted = [0.0] * n
    answered = [0.0] * n
    scorable = [0.0] * n
    questions: list[QuestionScore] = []
    for item, status, s in scored:
        k = item.pillar_index
        w = item.question.weight
        questions.append(QuestionScore(item.question.id, plan.pillar_ids[k], w, status, s))
        if status in (ANSWERED, MISSING_REQUIRED):
            num[k] += w * (s or 0.0)
            counted[k] += w
        if status == ANSWERED:
            answered[k] += w
        if status in (ANSWERED, MISSING_REQUIRED, UNANSWERED, NOT_COMPUTABLE):
            scorable[k] += w
    levels = questionnaire.levels
    pillars: list[PillarScore] = []
    for k, pid in enumerate(plan.pillar_ids):
        score = 100.0 * num[k] / counted[k] if counted[k] > 0 else None
        level = levels.level_for(score).level if score is not None else None
        pillars.append(
            PillarScore(
                pid, plan.pillar_weights[k], score, level, counted[k], answered[k], scorable[k]
            )
        )
    overall = _weighted_mean([(p.weight, p.score) for p in pillars])
    coverage = _weighted_mean([(p.weight, p.coverage) for p in pillars])
    chosen = levels.level_for(overall) if overall is not None else None
    return Scorecard(
        questionnaire=questionnaire.key,
        version=questionnaire.version,
        questions=tuple(questions),
        pillars=tuple(pillars),
        overall=overall,
        level=chosen.level if chosen is not None else None,
        level_label=chosen.label if chosen is not None else None,
        coverage=coverage,
    )


def _weighted_mean(pairs: list[tuple[float, float | None]]) -> float | None:
    total = sum(w for w, v in pairs if v is not None)
    if total <= 0:
        return None
    return sum(w * v for w, v in pairs if v is not None) / total


def score_responses(
    questionnaire: Questionnaire, responses: Mapping[str, Mapping[str, object]]
) -> dict[str, Scorecard]:
    """Score many responses of one version: municipality code -> scorecard."""
    return {code: score_response(questionnaire, answers) for code, answers in responses.items()}


def scores_frame(scorecards: Mapping[str, Scorecard]) -> pd.DataFrame:
    """One row per municipality (index ``code``): a column per pillar (0..100, NaN when the
    pillar has no score), then ``overall``, ``level`` (nullable Int64) and ``coverage``.

    All scorecards must be of the same questionnaire version (pillar columns in its order).
    """
    cards = list(scorecards.values())
    pillar_ids = [p.pillar for p in cards[0].pillars] if cards else []
    versions = {(c.questionnaire, c.version) for c in cards}
    if len(versions) > 1:
        raise ValueError(f"scorecards of several versions: {sorted(versions)}")
    data: dict[str, list[float | None]] = {pid: [] for pid in pillar_ids}
    for card in cards:
        for pid, p in zip(pillar_ids, card.pillars, strict=True):
            data[pid].append(p.score)
    frame = pd.DataFrame(
        {pid: np.array(v, dtype="float64") for pid, v in data.items()},
        index=pd.Index(list(scorecards.keys()), name="code"),
    )
    frame[OVERALL] = pd.Series([c.overall for c in cards], index=frame.index, dtype="float64")
    frame["level"] = pd.Series([c.level for c in cards], index=frame.index, dtype="Int64")
    frame["coverage"] = pd.Series([c.coverage for c in cards], index=frame.index, dtype="float64")
    return frame


def question_frame(scorecard: Scorecard) -> pd.DataFrame:
    """The scored questions of one response: question, pillar, weight, status, score, counted."""
    return pd.DataFrame(
        {
            "question": [q.question for q in scorecard.questions],
            "pillar": [q.pillar for q in scorecard.questions],
            "weight": pd.Series([q.weight for q in scorecard.questions], dtype="float64"),
            "status": [q.status for q in scorecard.questions],
            "score": pd.Series([q.score for q in scorecard.questions], dtype="float64"),
            "counted": pd.Series([q.counted for q in scorecard.questions], dtype="bool"),
        }
    )


def pillar_frame(scorecard: Scorecard) -> pd.DataFrame:
    """The pillars of one response, indexed by pillar id, plus an ``overall`` row.

    Columns: weight, score, level (Int64), coverage, counted_weight, answered_weight,
    scorable_weight (the last three are NaN on the overall row).
    """
    rows = list(scorecard.pillars)
    nan = float("nan")
    return pd.DataFrame(
        {
            "weight": pd.Series([p.weight for p in rows] + [nan], dtype="float64"),
            "score": pd.Series([p.score for p in rows] + [scorecard.overall], dtype="float64"),
            "level": pd.Series([p.level for p in rows] + [scorecard.level], dtype="Int64"),
            "coverage": pd.Series(
                [p.coverage for p in rows] + [scorecard.coverage], dtype="float64"
            ),
            "counted_weight": pd.Series([p.counted_weight for p in rows] + [nan], dtype="float64"),
            "answered_weight": pd.Series(
                [p.answered_weight for p in rows] + [nan], dtype="float64"
            ),
            "scorable_weight": pd.Series(
                [p.scorable_weight for p in rows] + [nan], dtype="float64"
            ),
        }
    ).set_axis(pd.Index([p.pillar for p in rows] + [OVERALL], name="pillar"), axis=0)
