"""Wording that users read (issue 16): no internal question id, validation messages in one
Japanese style (no Python quotes)."""

from __future__ import annotations

import pytest

from dx_assess.core.questionnaire import AnswerError, load_questionnaire, normalize_answer
from dx_assess.models import EventKind, ResponseEvent
from dx_assess.services.history import _event_reason
from tests.support.paths import REPO

FY2025 = REPO / "questionnaires" / "dx-maturity" / "fy2025.yaml"


def test_confirmed_carry_overs_are_named_by_number_and_label_not_id() -> None:
    q = load_questionnaire(FY2025)
    event = ResponseEvent(kind=EventKind.CONFIRMED, reason="mnc_cards_held、mnc_outreach")
    shown = _event_reason(q, event)
    assert "mnc_" not in shown
    assert shown == "問3-1 マイナンバーカードの保有枚数、問3-3 出張申請受付を行いました"


def test_choice_errors_have_no_python_quotes() -> None:
    q = load_questionnaire(FY2025)
    choice = next(x for x in q.questions if x.type == "single_choice")
    with pytest.raises(AnswerError) as caught:
        normalize_answer(choice, "利用中")
    assert caught.value.message == "「利用中」は選択肢にありません。"
    assert "'" not in caught.value.message
