"""Question types answered by typing: short and long text, and dates."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

from dx_assess.core.questionnaire.errors import AnswerError
from dx_assess.core.questionnaire.model import AnswerValue, Question
from dx_assess.core.questionnaire.qtypes.base import (
    DATE,
    TEXT,
    TEXTAREA,
    ExcelCell,
    FormField,
    QuestionType,
    as_text,
    nfkc,
)

#: Bidirectional controls: a right-to-left override makes stored text read differently from
#: what it holds (in the audit trail, exports and reports), so text answers may not hold them.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_KINDS = {
    "Cc": "制御文字",
    "Cs": "文字として読めない符号",
    "Zl": "行区切り文字",
    "Zp": "段落区切り文字",
}
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def unusable_character(text: str) -> tuple[int, str, str] | None:
    """The first character a text answer may not hold, as (1-based position, character,
    Japanese kind), or None. Refused: control characters other than tab and line break (NUL,
    escape, C1 controls), unpaired surrogates, line and paragraph separators, and the
    bidirectional controls (see BIDI_CONTROLS). Emoji, joiners and right-to-left scripts are
    ordinary text."""
    for position, c in enumerate(text, start=1):
        if c in "\t\n":
            continue
        if c in BIDI_CONTROLS:
            return position, c, "文字の向きを変える制御文字"
        kind = _KINDS.get(unicodedata.category(c))
        if kind:
            return position, c, kind
    return None


def _check_characters(q: Question, text: str) -> None:
    found = unusable_character(text)
    if found:
        position, c, kind = found
        raise AnswerError(
            q.id,
            f"入力できない文字が含まれています（{position}文字目: U+{ord(c):04X}、{kind}）。"
            "その文字を消してから保存してください（ほかのソフトから貼り付けたときに入ることがあります）。",
        )


class _Text(QuestionType):
    keys = frozenset({"max_length"})
    default_max_length: int = 200
    single_line: bool = True
    widget: str = TEXT
    attrs: Mapping[str, object] = MappingProxyType({"class": "input-wide"})

    def normalize(self, q: Question, raw: object) -> AnswerValue:
        if not isinstance(raw, str):
            raise AnswerError(q.id, "文字を入力してください。")
        text = raw.strip().replace("\r\n", "\n").replace("\r", "\n")
        _check_characters(q, text)
        if self.single_line and "\n" in text:
            raise AnswerError(q.id, "改行を入れずに 1 行で入力してください。")
        limit = q.max_length or self.default_max_length
        if len(text) > limit:
            message = f"{limit} 文字以内で入力してください（いまは {len(text)} 文字）。"
            raise AnswerError(q.id, message)
        return text

    def form_field(self, q: Question) -> FormField:
        extra = {"maxlength": q.max_length} if q.max_length else {}
        return FormField(self.widget, attrs={**self.attrs, **extra})


class ShortText(_Text):
    name = "short_text"
    label = "短い文章"
    export_label = "文章（短い）"

    def excel_how_to(self, q: Question) -> list[str]:
        limit = f"、{q.max_length} 文字まで" if q.max_length else ""
        return [f"文章（改行なしの 1 行{limit}）"]


class LongText(_Text):
    name = "long_text"
    label = "長い文章"
    export_label = "文章"
    default_max_length = 4000
    single_line = False
    widget = TEXTAREA
    attrs = MappingProxyType({"rows": 5})

    def excel_how_to(self, q: Question) -> list[str]:
        limit = f"（{q.max_length} 文字まで）" if q.max_length else ""
        return [f"文章{limit}。セルの中の改行は Alt+Enter"]


class Date(QuestionType):
    name = "date"
    label = "日付"
    export_label = "日付"
    excel_echo_input = True

    def normalize(self, q: Question, raw: object) -> AnswerValue:
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        if isinstance(raw, str):
            text = unicodedata.normalize("NFKC", raw).strip().replace("/", "-")
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
        raise AnswerError(q.id, "日付は 2025-03-31 の形で入力してください。")

    def form_field(self, q: Question) -> FormField:
        return FormField(DATE)

    def to_form(self, value: AnswerValue) -> object:
        return value.isoformat() if isinstance(value, dt.date) else value

    def excel_how_to(self, q: Question) -> list[str]:
        return ["日付（例: 2025-03-31 や 2025/3/31）"]

    def excel_cell(self, q: Question) -> ExcelCell:
        return ExcelCell(number_format="yyyy-mm-dd")

    def from_excel(self, q: Question, value: object, number_format: str) -> object:
        if isinstance(value, dt.datetime):
            return value.date() if value.time() == dt.time() else as_text(value)
        if isinstance(value, dt.date | int | float):
            return value
        text = nfkc(str(value))
        match = _DATE_RE.match(text)
        if match:
            y, m, d = (int(g) for g in match.groups())
            return f"{y:04d}-{m:02d}-{d:02d}"
        return text
