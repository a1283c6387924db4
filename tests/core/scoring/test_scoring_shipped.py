"""Smoke tests on the shipped FY2024 and FY2025 questionnaires with complete answers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dx_assess.core.questionnaire import Questionnaire, check_answers
from dx_assess.core.scoring import ANSWERED, HIDDEN, explain, recommend, score_response


@pytest.mark.parametrize("version", ["fy2024", "fy2025"])
@pytest.mark.parametrize("seed", range(5))
def test_complete_answers_score_every_pillar(
    version: str,
    seed: int,
    request: pytest.FixtureRequest,
    complete_answers: Callable[[Questionnaire, int], dict[str, object]],
) -> None:
    q: Questionnaire = request.getfixturevalue(version)
    raw = complete_answers(q, seed)
    answers, issues = check_answers(q, raw, require_complete=True)
    assert issues == []
    card = score_response(q, answers)
    assert [p.pillar for p in card.pillars] == [p.id for p in q.pillars]
    for p in card.pillars:
        assert p.score is not None
        assert 0 <= p.score <= 100
        assert p.coverage == 1.0
    assert {s.status for s in card.questions} <= {ANSWERED, HIDDEN}
    assert card.overall is not None
    assert card.level == q.levels.level_for(card.overall).level
    assert card.coverage == 1.0
    assert len(explain(card)) == len(q.pillars)
    recommend(q, answers, card)


def test_a_gate_question_can_lower_its_pillar(fy2025: Questionnaire) -> None:
    """The documented exception to monotonicity: answering 「はい」 to a gate question shows
    its follow-up questions, whose low scores then count (docs/scoring.md)."""
    base = {
        "ai_ocr": True,
        "ai_chatbot_residents": True,
        "ai_chatbot_staff": True,
        "ai_transcription": True,
        "ai_field_sensors": True,
        "gen_ai_use": "org_wide",
        "gen_ai_rules": "established",
        "gen_ai_training": True,
        "gen_ai_tasks": ("drafting", "summary", "ideas"),
    }
    no = score_response(fy2025, {**base, "ai_rpa_use": False}).pillar("ai_rpa").score
    yes = (
        score_response(
            fy2025, {**base, "ai_rpa_use": True, "ai_rpa_processes": 0, "ai_rpa_hours": 0.0}
        )
        .pillar("ai_rpa")
        .score
    )
    assert no is not None
    assert yes is not None
    assert no == pytest.approx(100 * 9 / 10)
    assert yes == pytest.approx(100 * 10 / 12)
    assert yes < no
