"""The postal code (郵便番号): seven digits, stored as "060-8588"."""

from __future__ import annotations

import re

from dx_assess.core.questionnaire.errors import AnswerError
from dx_assess.core.questionnaire.model import AnswerValue, Question
from dx_assess.core.questionnaire.qtypes.base import (
    TEXT,
    ExcelCell,
    ExcelRule,
    FormField,
    QuestionType,
    as_text,
)

# Full-width digits, and the dashes people type between the two parts (full-width hyphen,
# minus sign, the 長音符 an input method gives for "-" …), as ASCII.
_ASCII = str.maketrans(
    "０１２３４５６７８９－‐‑–—―−ー",
    "0123456789--------",
)
_POSTAL_RE = re.compile(r"([0-9]{3})-?([0-9]{4})", re.ASCII)
MESSAGE = "郵便番号は 7 桁の数字で、060-8588 か 0608588 の形で入力してください"


class PostalCode(QuestionType):
    name = "postal_code"
    label = "郵便番号"
    export_label = "郵便番号"

    def normalize(self, q: Question, raw: object) -> AnswerValue:
        if isinstance(raw, str):
            text = raw.strip().removeprefix("〒").strip().translate(_ASCII)
            match = _POSTAL_RE.fullmatch(text)
            if match:
                return f"{match[1]}-{match[2]}"
        shown = raw if isinstance(raw, str) else as_text(raw)
        raise AnswerError(q.id, f"{MESSAGE}（入力: {shown}）。")

    def form_field(self, q: Question) -> FormField:
        return FormField(TEXT, attrs={"inputmode": "numeric", "autocomplete": "off"})

    def excel_how_to(self, q: Question) -> list[str]:
        return ["郵便番号（7 桁の数字。例: 060-8588 や 0608588）"]

    def excel_cell(self, q: Question) -> ExcelCell:
        rule = ExcelRule("textLength", "between", "7", "8", MESSAGE + "。")
        return ExcelCell(number_format="@", rule=rule)

    def from_excel(self, q: Question, value: object, number_format: str) -> object:
        # A cell that was turned into a number has lost its leading zeros (0608588 -> 608588).
        if isinstance(value, int | float) and not isinstance(value, bool):
            whole = float(value).is_integer() and 0 <= value < 10**7
            return f"{int(value):07d}" if whole else as_text(value)
        return as_text(value)
