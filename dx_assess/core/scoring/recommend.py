"""Recommendations (推奨事項) that apply to a response, ranked, each with its cases.

A recommendation applies when its ``when`` condition holds for the shown answers (derived
values recomputed) and the response's pillar scores. Ranking (docs/scoring.md):

1. ``priority = max(0, peer median − pillar score) × pillar weight`` (largest first; the peer
   median is usually the 'all supported municipalities' group of the round);
2. then ``headroom = (100 − pillar score) × pillar weight`` (largest first), so that without
   peers, or above the median, the weakest heavy pillar comes first;
3. then file order. A recommendation without a pillar (or whose pillar has no score) has
   priority 0 and headroom 0, so it follows the pillar recommendations in file order.

What fits the answers (:mod:`.good_practice`): a recommendation whose suggestion the answers
show as already done is left out (for every version, published ones included); its cases are
those the good-practice file attributes to it, those of a municipality of the same type and
nearest population first; a published version's text the file corrects is shown corrected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from dx_assess.core.questionnaire import Case, Questionnaire, evaluate
from dx_assess.core.scoring.good_practice import GoodPracticeBook, Town, good_practice
from dx_assess.core.scoring.model import Scorecard
from dx_assess.core.scoring.score import score_response, shown_values


@dataclass(frozen=True)
class RankedRecommendation:
    rank: int  # 1 = first to show
    id: str
    title: str
    text: str
    pillar: str | None
    pillar_score: float | None
    peer_median: float | None
    pillar_weight: float  # 0 when the recommendation has no pillar
    gap: float  # max(0, peer median − pillar score); 0 when either is unknown
    priority: float  # gap × pillar weight
    headroom: float  # (100 − pillar score) × pillar weight; 0 when unknown
    cases: tuple[Case, ...]


def recommend(
    questionnaire: Questionnaire,
    answers: Mapping[str, object],
    scorecard: Scorecard | None = None,
    peer_medians: Mapping[str, float] | None = None,
    town: Town | None = None,
    book: GoodPracticeBook | None = None,
) -> tuple[RankedRecommendation, ...]:
    """The recommendations of ``questionnaire`` that apply to ``answers``, ranked.

    ``scorecard`` defaults to scoring ``answers``; ``peer_medians`` maps pillar id -> the peer
    group's median (e.g. ``PeerComparison.medians(code)``); ``town`` (type and population)
    orders the cases; ``book`` defaults to the shipped good-practice file.
    """
    book = book if book is not None else good_practice()
    card = scorecard if scorecard is not None else score_response(questionnaire, answers)
    pillar_scores = card.pillar_scores
    values = shown_values(questionnaire, answers)
    medians = peer_medians or {}
    weights = {p.id: p.weight for p in questionnaire.pillars}
    found: list[tuple[float, float, int, RankedRecommendation]] = []
    for k, rec in enumerate(questionnaire.recommendations):
        if not evaluate(rec.when, values, pillar_scores) or book.done(rec.id, values):
            continue
        score = pillar_scores.get(rec.pillar) if rec.pillar else None
        median = medians.get(rec.pillar) if rec.pillar else None
        weight = weights.get(rec.pillar, 0.0) if rec.pillar else 0.0
        gap = max(0.0, median - score) if median is not None and score is not None else 0.0
        headroom = (100.0 - score) * weight if score is not None else 0.0
        item = RankedRecommendation(
            rank=0,
            id=rec.id,
            title=rec.title,
            text=book.text(questionnaire.version, rec.id, rec.text),
            pillar=rec.pillar,
            pillar_score=score,
            peer_median=median,
            pillar_weight=weight,
            gap=gap,
            priority=gap * weight,
            headroom=headroom,
            cases=book.cases_for(rec.id, [questionnaire.case(c) for c in rec.cases], town),
        )
        found.append((-item.priority, -headroom, k, item))
    found.sort(key=lambda t: (t[0], t[1], t[2]))
    return tuple(replace(r, rank=n) for n, (_, _, _, r) in enumerate(found, start=1))
