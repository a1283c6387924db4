"""Recommendations: which apply, their ranking by peer gap × pillar weight, their cases."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.core.scoring import recommend, score_response


def test_which_apply_and_ranking_by_peer_gap(
    toy: Questionnaire, toy_answers: dict[str, object]
) -> None:
    card = score_response(toy, toy_answers)  # pa 77.5 (weight 2), pb 45.0 (weight 1)
    recs = recommend(toy, toy_answers, card, {"pa": 85.0, "pb": 46.0})
    assert [r.id for r in recs] == ["rec_a_int", "rec_b_low", "rec_general"]  # not rec_never
    first, second, third = recs
    assert first.gap == pytest.approx(7.5)
    assert first.priority == pytest.approx(15.0)  # 7.5 × weight 2
    assert second.gap == pytest.approx(1.0)
    assert second.priority == pytest.approx(1.0)  # 1 × weight 1
    assert (third.pillar, third.priority, third.headroom) == (None, 0.0, 0.0)
    assert [r.rank for r in recs] == [1, 2, 3]
    assert [c.municipality for c in first.cases] == ["芦別市"]
    assert [(c.municipality, c.source) for c in second.cases] == [
        ("北見市", "資料B"),
        ("芦別市", "資料A"),
    ]


def test_above_the_median_or_without_peers_ranks_by_headroom(
    toy: Questionnaire, toy_answers: dict[str, object]
) -> None:
    # Headroom: pa (100 − 77.5) × 2 = 45; pb (100 − 45) × 1 = 55.
    alone = recommend(toy, toy_answers)
    assert [r.id for r in alone] == ["rec_b_low", "rec_a_int", "rec_general"]
    assert [r.headroom for r in alone[:2]] == [pytest.approx(55.0), pytest.approx(45.0)]
    above = recommend(toy, toy_answers, peer_medians={"pa": 50.0, "pb": 40.0})
    assert [r.gap for r in above[:2]] == [0.0, 0.0]
    assert [r.id for r in above] == ["rec_b_low", "rec_a_int", "rec_general"]
    assert above[1].peer_median == 50.0


def test_pillar_score_conditions_use_the_scorecard(
    toy: Questionnaire, toy_answers: dict[str, object]
) -> None:
    better = {**toy_answers, "b_req": True, "b_pct": 50.0}  # pb = 100 × 4.75 / 7 ≈ 67.9
    assert "rec_b_low" not in {r.id for r in recommend(toy, better)}


def test_shipped_recommendations_cite_their_cases(
    fy2025: Questionnaire, complete_answers: Callable[[Questionnaire, int], dict[str, object]]
) -> None:
    answers = {
        **complete_answers(fy2025, 1),
        "mnc_kiosk": False,
        "onl_kakanai": "none",
        "ai_rpa_use": False,
    }
    recs = {r.id: r for r in recommend(fy2025, answers)}
    assert [c.municipality for c in recs["rec_mnc_kiosk"].cases] == ["音更町"]
    assert [c.municipality for c in recs["rec_kakanai"].cases] == ["北見市"]
    assert [c.municipality for c in recs["rec_rpa"].cases] == ["芦別市", "苫小牧市"]
    assert all(c.source for r in recs.values() for c in r.cases)
