"""Folded YAML lines (``>``) leave no visible gap inside Japanese text."""

from __future__ import annotations

from dx_assess.core.questionnaire import load_questionnaire
from dx_assess.core.questionnaire.reader import unfold
from tests.support.paths import REPO

ROOT = REPO / "questionnaires" / "dx-maturity"


def test_a_space_between_two_japanese_characters_is_removed() -> None:
    assert unfold("事業者（ベンダー）と スケジュール") == "事業者（ベンダー）とスケジュール"
    assert unfold("RPA を 導入\nする") == "RPA を導入\nする"  # spaces next to Latin letters stay


def test_shipped_texts_have_no_folding_gaps() -> None:
    for path in sorted(ROOT.glob("*.yaml")):
        q = load_questionnaire(path)
        texts = [r.text for r in q.recommendations] + [x.text for x in q.questions]
        texts += [x.help for x in q.questions]
        assert [t for t in texts if unfold(t) != t] == [], path.name
