"""Warn when a text answer holds characters the PDF reports cannot print.

The reports embed only the bundled font (dx_assess/data/fonts/, 8,573 characters); any other
character prints as 〓 (see dx_assess.core.reports.text). The answer is kept exactly as typed; the
person saving it is told which characters will print as 〓. The font's character set comes from
``charset.txt`` beside the fonts, written by scripts/make_font.py (a test checks it matches the
font files), read once per process in a few milliseconds; parsing the fonts takes about 2 s.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources

from dx_assess.core.questionnaire import AnswerIssue, Questionnaire
from dx_assess.core.reports.text import EQUIVALENTS, GETA

CHECK_ID = "report_font"


@cache
def font_charset() -> frozenset[int]:
    """The code points every face of the report font draws (from charset.txt)."""
    text = (resources.files("dx_assess") / "data" / "fonts" / "charset.txt").read_text("ascii")
    points: set[int] = set()
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        first, _, last = line.partition("-")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return frozenset(points)


def unprintable(text: str) -> list[str]:
    """The characters of ``text`` that a report prints as 〓, in order of appearance
    (invisible ones such as a zero-width joiner are dropped by the report, not printed)."""
    charset = font_charset()
    lacking = {
        c
        for c in text
        if ord(c) not in charset and c.isprintable() and not c.isspace() and c not in EQUIVALENTS
    }
    return sorted(lacking, key=text.index)


def font_warnings(questionnaire: Questionnaire, values: Mapping[str, object]) -> list[AnswerIssue]:
    """One warning per text answer in ``values`` with characters the report font lacks."""
    out: list[AnswerIssue] = []
    for qid, value in values.items():
        if not isinstance(value, str) or not questionnaire.has_question(qid):
            continue
        chars = unprintable(value)
        if chars:
            shown = "、".join(f"「{c}」" for c in chars[:10]) + ("など" if len(chars) > 10 else "")
            out.append(
                AnswerIssue(
                    f"「{questionnaire.question(qid).text}」の {shown} は、PDFレポートの字体にない"
                    f"ため、レポートでは「{GETA}」と印刷されます（回答は入力したとおりに保存しました）。",
                    qid,
                    CHECK_ID,
                )
            )
    return out
