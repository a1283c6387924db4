"""Question numbers (問番号) and short labels for tables and exports (pure).

* ``question_numbers``: 「問<章>-<順番>」 per question, from the order of the sections and the
  position of the question in its section (both counted from 1, derived questions included),
  so the numbers of a version never change once it is published (its content never does).
  For example the third question of the second section is 「問2-3」.
* ``short_label``: the question's ``label`` from the questionnaire file when it has one, else
  its text shortened: the first sentence, without explanations in 全角括弧 and without the
  request at the end (「…を教えてください。」 → 「…」), at most ``LABEL_MAX`` characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dx_assess.core.questionnaire.model import Question, Questionnaire

LABEL_MAX = 24
ELLIPSIS = "…"

#: Endings of a question sentence that a table header does not need (first match wins).
_ENDINGS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(について)?、?(当てはまるもの|公開しているもの)?を?すべて選んでください$"), ""),
    (re.compile(r"(があれば|を)?(自由に書いて|教えて|選んで)ください$"), ""),
    (re.compile(r"を把握していれば教えてください$"), ""),
    (
        re.compile(r"は(何人|いくつ|何時間|何％|何%|いつ|どれ|どのくらい[^。]*)(あります)?ですか$"),
        "",
    ),
    (re.compile(r"は(何人|いくつ)ありますか$"), "の数"),
    (re.compile(r"(はいくつですか|はいくつありますか)$"), "の数"),
    (re.compile(r"(ますか|ましたか)$"), lambda m: m.group(1)[:-1]),
    (re.compile(r"ですか$"), ""),
)
_PARENTHESES = re.compile(r"（[^（）]*）")
_LEADING = re.compile(r"^(この1年間に|次の\d+業務について|\d+手続のうち)、")


def question_numbers(questionnaire: Questionnaire) -> dict[str, str]:
    """Question id → 問番号 (「問1-1」 …), in questionnaire order."""
    return {
        question.id: f"問{s}-{p}"
        for s, section in enumerate(questionnaire.sections, start=1)
        for p, question in enumerate(section.questions, start=1)
    }


def shorten(text: str, limit: int = LABEL_MAX) -> str:
    """A question sentence as a short table label (see the module docstring)."""
    first = text.strip().split("。")[0].strip()
    short = _PARENTHESES.sub("", first)
    short = _LEADING.sub("", short)
    for pattern, replacement in _ENDINGS:
        changed = pattern.sub(replacement, short)
        if changed != short:
            short = changed
            break
    short = short.rstrip("、，, ") or first
    if len(short) > limit:
        short = short[: limit - 1].rstrip("、・ ") + ELLIPSIS
    return short


def short_label(question: Question) -> str:
    """The question's short label: its ``label`` if the file gives one, else its shortened
    text."""
    label = getattr(question, "label", None)
    if isinstance(label, str) and label.strip():
        return label.strip()
    return shorten(question.text)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SIGNS = {"*": "×", "/": "÷", "+": "＋", "-": "−"}


def readable_formula(questionnaire: Questionnaire, source: str) -> str:
    """A derived value's formula as people read it: question ids become 問番号 and short
    labels, ``* /`` become ``× ÷`` (「問3-1 マイナンバーカードの保有枚数 ÷ 問1-3 住民基本台帳人口
    × 100」); never an internal id."""
    numbers = question_numbers(questionnaire)

    def name(match: re.Match[str]) -> str:
        qid = match.group(0)
        if not questionnaire.has_question(qid):
            return "（この版にない設問）"
        return f"{numbers[qid]} {short_label(questionnaire.question(qid))}"

    text = _NAME.sub(name, source)
    for sign, shown in _SIGNS.items():
        text = text.replace(f" {sign} ", f" {shown} ")
    return text
