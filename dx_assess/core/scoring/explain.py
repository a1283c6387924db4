"""Why a pillar scored what it did: each counted answer's contribution in pillar points.

For a counted question q of pillar p (weights w, counted weight Σw of the pillar):

* ``points_gained = 100 × w_q × s_q / Σw`` — the points it brings to the pillar score;
* ``points_lost = 100 × w_q × (1 − s_q) / Σw`` — the points it costs the pillar.

The gained points of a pillar add up to its score and gained + lost add up to 100, so a report
can say "this answer held the pillar back by 12 points".
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dx_assess.core.scoring.model import NOT_COMPUTABLE, UNANSWERED, Scorecard


@dataclass(frozen=True)
class Contribution:
    question: str
    weight: float
    score: float  # 0..1 as counted
    share: float  # w_q / Σw: the question's share of the pillar
    points_gained: float
    points_lost: float


@dataclass(frozen=True)
class PillarExplanation:
    pillar: str
    score: float | None
    raised: tuple[Contribution, ...]  # largest points_gained first (only > 0)
    held_back: tuple[Contribution, ...]  # largest points_lost first (only > 0)
    left_out: tuple[str, ...]  # shown, scorable, unanswered questions (they lower coverage)


def contributions(scorecard: Scorecard) -> dict[str, list[Contribution]]:
    """Pillar id -> contributions of its counted questions, in file order."""
    out: dict[str, list[Contribution]] = {p.pillar: [] for p in scorecard.pillars}
    totals = {p.pillar: p.counted_weight for p in scorecard.pillars}
    for q in scorecard.questions:
        if not q.counted or q.score is None:
            continue
        share = q.weight / totals[q.pillar]
        out[q.pillar].append(
            Contribution(
                q.question,
                q.weight,
                q.score,
                share,
                100.0 * share * q.score,
                100.0 * share * (1.0 - q.score),
            )
        )
    return out


def explain(scorecard: Scorecard, *, top: int | None = 3) -> tuple[PillarExplanation, ...]:
    """For each pillar, the answers that raised it and held it back most (``top`` of each;
    None for all). Ties keep file order."""
    by_pillar = contributions(scorecard)
    left: dict[str, list[str]] = {p.pillar: [] for p in scorecard.pillars}
    for q in scorecard.questions:
        if q.status in (UNANSWERED, NOT_COMPUTABLE):
            left[q.pillar].append(q.question)
    out: list[PillarExplanation] = []
    for p in scorecard.pillars:
        items = by_pillar[p.pillar]
        # Rounded keys: equal contributions stay in file order despite floating-point noise.
        raised = sorted(
            (c for c in items if c.points_gained > 0), key=lambda c: -round(c.points_gained, 9)
        )
        held = sorted(
            (c for c in items if c.points_lost > 0), key=lambda c: -round(c.points_lost, 9)
        )
        out.append(
            PillarExplanation(
                p.pillar,
                p.score,
                tuple(raised[:top] if top is not None else raised),
                tuple(held[:top] if top is not None else held),
                tuple(left[p.pillar]),
            )
        )
    return tuple(out)


def contribution_frame(scorecard: Scorecard) -> pd.DataFrame:
    """All contributions as a frame: pillar, question, weight, score, share, points_gained,
    points_lost (counted questions in file order)."""
    rows = [(pid, c) for pid, items in contributions(scorecard).items() for c in items]
    order = {q.question: k for k, q in enumerate(scorecard.questions)}
    rows.sort(key=lambda r: order[r[1].question])
    return pd.DataFrame(
        {
            "pillar": [pid for pid, _ in rows],
            "question": [c.question for _, c in rows],
            "weight": pd.Series([c.weight for _, c in rows], dtype="float64"),
            "score": pd.Series([c.score for _, c in rows], dtype="float64"),
            "share": pd.Series([c.share for _, c in rows], dtype="float64"),
            "points_gained": pd.Series([c.points_gained for _, c in rows], dtype="float64"),
            "points_lost": pd.Series([c.points_lost for _, c in rows], dtype="float64"),
        }
    )
