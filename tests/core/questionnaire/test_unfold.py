"""Folded YAML lines (``>``) leave no visible gap inside Japanese text."""

from __future__ import annotations

from dx_assess.core.questionnaire import load_questionnaire
from dx_assess.core.questionnaire.reader import _FOLD_GAP, unfold
from dx_assess.core.questionnaire.yamlsrc import read_yaml
from tests.support.paths import REPO

ROOT = REPO / "questionnaires" / "dx-maturity"


def test_a_space_between_two_japanese_characters_is_removed() -> None:
    assert unfold("事業者（ベンダー）と スケジュール") == "事業者（ベンダー）とスケジュール"
    assert unfold("RPA を 導入\nする") == "RPA を導入\nする"  # spaces next to Latin letters stay


def test_shipped_texts_have_no_folding_gaps() -> None:
    """A space left between Japanese characters is one typed inside a line of the file."""
    for path in sorted(ROOT.glob("*.yaml")):
        q = load_questionnaire(path)
        source = path.read_text(encoding="utf-8")
        texts = [r.text for r in q.recommendations] + [x.text for x in q.questions]
        texts += [x.help for x in q.questions]
        gaps = [
            t[max(m.start() - 3, 0) : m.end() + 3] for t in texts for m in _FOLD_GAP.finditer(t)
        ]
        assert [g for g in gaps if g not in source] == [], path.name


def test_a_space_typed_inside_a_line_stays_and_a_line_break_goes() -> None:
    """Issue 16: the help text's 「総務課 情報政策係」 lost its space."""
    q = load_questionnaire(ROOT / "fy2025.yaml")
    assert q.question("basic_department").help.startswith("例「総務課 情報政策係」。")
    data = read_yaml("a: >\n  事業者と\n  スケジュール 調整\nb: 総務課 情報\n  政策係\n").data
    assert data == {"a": "事業者とスケジュール 調整\n", "b": "総務課 情報政策係"}
