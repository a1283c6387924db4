"""Frozen result types of the scoring engine (plain data; see docs/scoring.md).

A :class:`Scorecard` is everything the engine knows about one response: the counted score of
every scored question, the score, level and coverage of every pillar, and the overall score,
level and coverage. It can be turned into JSON-friendly primitives and back
(:meth:`Scorecard.to_dict` / :meth:`Scorecard.from_dict`) so a service can cache it.

The per-question and per-pillar records are immutable named tuples rather than frozen
dataclasses: a response makes about 50 of them, and tuples of plain values are cheaper to create
and drop out of the cyclic garbage collector's bookkeeping while a whole round is held (scoring
measured about 15% faster with them; bench/scoring_peers.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

# What happened to one scored question (QuestionScore.status).
ANSWERED = "answered"  # shown, answered, scored: counted with its score
MISSING_REQUIRED = "missing_required"  # shown, required, unanswered: counted as 0
UNANSWERED = "unanswered"  # shown, optional, unanswered: left out; lowers coverage
NOT_COMPUTABLE = "not_computable"  # shown derived value with no value: left out; lowers coverage
NOT_APPLICABLE = "not_applicable"  # answered 「対象外」 (no score): left out; coverage unaffected
HIDDEN = "hidden"  # not shown (show_when false): left out; coverage unaffected

STATUSES = (ANSWERED, MISSING_REQUIRED, UNANSWERED, NOT_COMPUTABLE, NOT_APPLICABLE, HIDDEN)
#: Statuses whose question enters the pillar's weighted mean.
COUNTED = frozenset({ANSWERED, MISSING_REQUIRED})
#: Statuses whose weight is "scorable" (the denominator of coverage).
SCORABLE = frozenset({ANSWERED, MISSING_REQUIRED, UNANSWERED, NOT_COMPUTABLE})

#: Name of the overall score wherever pillars and the overall score share a column or key.
OVERALL = "overall"


class QuestionScore(NamedTuple):
    """One scored question of one response."""

    question: str
    pillar: str
    weight: float
    status: str  # one of STATUSES
    score: float | None  # 0..1 as counted (0.0 for MISSING_REQUIRED); None when left out

    @property
    def counted(self) -> bool:
        return self.status in COUNTED

    @property
    def scorable(self) -> bool:
        return self.status in SCORABLE

    @property
    def answered(self) -> bool:
        return self.status == ANSWERED


class PillarScore(NamedTuple):
    """One pillar (柱) of one response; scores on the 0..100 scale."""

    pillar: str
    weight: float  # the pillar's weight in the overall score
    score: float | None  # None when no question of the pillar counted
    level: int | None  # maturity level of the pillar score
    counted_weight: float  # Σ weight of counted questions (denominator of the score)
    answered_weight: float  # Σ weight of answered questions (numerator of coverage)
    scorable_weight: float  # Σ weight of shown, scorable questions (denominator of coverage)

    @property
    def coverage(self) -> float | None:
        """Share of the pillar's shown, scorable weight that was answered (None if none)."""
        if self.scorable_weight <= 0:
            return None
        return self.answered_weight / self.scorable_weight


@dataclass(frozen=True)
class Scorecard:
    """The scores of one response against one questionnaire version."""

    questionnaire: str  # questionnaire key, e.g. "dx-maturity"
    version: str  # e.g. "2025.1"
    questions: tuple[QuestionScore, ...]  # scored questions, in file order
    pillars: tuple[PillarScore, ...]  # in the questionnaire's pillar order
    overall: float | None
    level: int | None
    level_label: str | None
    coverage: float | None  # pillar-weighted mean of the pillar coverages

    def pillar(self, pillar_id: str) -> PillarScore:
        for p in self.pillars:
            if p.pillar == pillar_id:
                return p
        raise KeyError(pillar_id)

    def question(self, question_id: str) -> QuestionScore:
        for q in self.questions:
            if q.question == question_id:
                return q
        raise KeyError(question_id)

    @property
    def pillar_scores(self) -> dict[str, float]:
        """Pillar id -> score for the pillars that have one (the form ``evaluate`` takes)."""
        return {p.pillar: p.score for p in self.pillars if p.score is not None}

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly primitives (for caching)."""
        return {
            "questionnaire": self.questionnaire,
            "version": self.version,
            "overall": self.overall,
            "level": self.level,
            "level_label": self.level_label,
            "coverage": self.coverage,
            "pillars": [
                [
                    p.pillar,
                    p.weight,
                    p.score,
                    p.level,
                    p.counted_weight,
                    p.answered_weight,
                    p.scorable_weight,
                ]
                for p in self.pillars
            ],
            "questions": [
                [q.question, q.pillar, q.weight, q.status, q.score] for q in self.questions
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scorecard:
        """Inverse of :meth:`to_dict`."""
        pillars: Sequence[Sequence[Any]] = data["pillars"]
        questions: Sequence[Sequence[Any]] = data["questions"]
        return cls(
            questionnaire=str(data["questionnaire"]),
            version=str(data["version"]),
            questions=tuple(
                QuestionScore(str(q), str(p), float(w), str(s), None if v is None else float(v))
                for q, p, w, s, v in questions
            ),
            pillars=tuple(
                PillarScore(
                    str(pid),
                    float(w),
                    None if sc is None else float(sc),
                    None if lv is None else int(lv),
                    float(cw),
                    float(aw),
                    float(sw),
                )
                for pid, w, sc, lv, cw, aw, sw in pillars
            ),
            overall=None if data["overall"] is None else float(data["overall"]),
            level=None if data["level"] is None else int(data["level"]),
            level_label=None if data["level_label"] is None else str(data["level_label"]),
            coverage=None if data["coverage"] is None else float(data["coverage"]),
        )
