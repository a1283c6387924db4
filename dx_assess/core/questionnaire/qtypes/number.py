"""Numeric question types: integer, decimal, percentage, and the derived (computed) value."""

from __future__ import annotations

import math
import re
import unicodedata

from dx_assess.core.questionnaire.errors import AnswerError
from dx_assess.core.questionnaire.model import AnswerValue, Question
from dx_assess.core.questionnaire.numbers import foreign_digits, round_half_up
from dx_assess.core.questionnaire.qtypes.base import (
    EXCEL_DERIVED,
    TEXT,
    ExcelCell,
    ExcelRule,
    FormField,
    QuestionType,
    as_text,
    fmt_number,
)

#: The largest number any answer may be (a trillion): far above any real answer, and far
#: below 2**53, up to which every integer is exact as a float (and in JSON).
LARGEST = 10**12

_NUMBER_RE = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_NUMERIC_KEYS = frozenset({"unit", "min", "max"})
_BREAKPOINTS = frozenset({"breakpoints"})


def read_number(q: Question, raw: object) -> tuple[float, str | float]:
    """The answer as a float, and as the decimal it was written as (the typed text after
    normalising, or the number itself) for :func:`round_half_up`."""
    if isinstance(raw, bool):
        raise AnswerError(q.id, "数値を入力してください。")
    written: str | float
    if isinstance(raw, int | float):
        value = written = float(raw)
    elif isinstance(raw, str):
        if foreign_digits(raw):  # ² ① ٣ …: NFKC would turn "10²" into 102
            message = f"数値は半角か全角の数字（0〜9）で入力してください（入力: {raw}）。"
            raise AnswerError(q.id, message)
        text = unicodedata.normalize("NFKC", raw).strip().replace(",", "")
        if q.unit:
            text = text.removesuffix(unicodedata.normalize("NFKC", q.unit)).strip()
        text = text.removesuffix("%").strip()
        if not _NUMBER_RE.match(text):
            raise AnswerError(q.id, f"数値を入力してください（入力: {raw}）。")
        value = float(text)
        written = text
    else:
        raise AnswerError(q.id, "数値を入力してください。")
    if not math.isfinite(value):
        raise AnswerError(q.id, "数値を入力してください。")
    unit = q.unit or ""
    if q.min is not None and value < q.min:
        raise AnswerError(q.id, f"{fmt_number(q.min)}{unit}以上の値を入力してください。")
    if q.max is not None and value > q.max:
        raise AnswerError(q.id, f"{fmt_number(q.max)}{unit}以下の値を入力してください。")
    if abs(value) > LARGEST:  # no answer is this large; and beyond it floats lose digits
        raise AnswerError(q.id, f"値が大きすぎます。{LARGEST:,}以下の値を入力してください。")
    return value, written


def bounds(q: Question, unit: str) -> str:
    if q.min is not None and q.max is not None:
        return f"{fmt_number(q.min)}〜{fmt_number(q.max)}{unit}"
    if q.min is not None:
        return f"{fmt_number(q.min)}{unit} 以上"
    if q.max is not None:
        return f"{fmt_number(q.max)}{unit} 以下"
    return ""


def number_condition_problem(name: str, value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"数値の設問「{name}」の条件には数値を書いてください"
    return None


class _Number(QuestionType):
    keys = _NUMERIC_KEYS
    scoring_methods = _BREAKPOINTS
    numeric = True
    carry_family = "number"
    combines = frozenset({"sum"})
    excel_echo_input = True
    kind: str = "数値"  # in the Excel instructions
    excel_kind: str = "decimal"  # the Excel validation's type
    has_decimals: bool = True  # the definition may give decimals
    inputmode: str = "decimal"

    def normalize(self, q: Question, raw: object) -> AnswerValue:
        """Rounded 四捨五入 to ``decimals`` places on the decimal value written (12.5 → 13)."""
        value, written = read_number(q, raw)
        return round_half_up(written, q.decimals) if q.decimals is not None else value

    def condition_problem(self, q: Question, name: str, value: object) -> str | None:
        return number_condition_problem(name, value)

    def form_field(self, q: Question) -> FormField:
        attrs = {"inputmode": self.inputmode, "autocomplete": "off", "class": "input-number"}
        return FormField(TEXT, attrs=attrs)

    def to_form(self, value: AnswerValue) -> object:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def excel_how_to(self, q: Question) -> list[str]:
        unit = self.unit(q)
        details = [f"単位: {unit}"] if unit else []
        if text := bounds(q, unit):
            details.append(text)
        if self.has_decimals and q.decimals is not None:
            places = "小数点以下は四捨五入" if q.decimals == 0 else f"小数第{q.decimals}位まで"
            details.append(places)
        return [f"{self.kind}（{'、'.join(details)}）" if details else self.kind]

    def excel_cell(self, q: Question) -> ExcelCell:
        if q.min is None and q.max is None:
            return ExcelCell()
        if q.min is not None and q.max is not None:
            operator, f1, f2 = "between", fmt_number(q.min), fmt_number(q.max)
        elif q.min is not None:
            operator, f1, f2 = "greaterThanOrEqual", fmt_number(q.min), None
        else:
            operator, f1, f2 = "lessThanOrEqual", fmt_number(q.max or 0), None
        error = f"{bounds(q, self.unit(q))} の{self.kind}を入力してください。"
        return ExcelCell(rule=ExcelRule(self.excel_kind, operator, f1, f2, error))

    def from_excel(self, q: Question, value: object, number_format: str) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        return value if isinstance(value, str | bool) else as_text(value)


class Integer(_Number):
    name = "integer"
    label = "整数"
    export_label = "整数"
    kind = "整数"
    excel_kind = "whole"
    has_decimals = False
    inputmode = "numeric"

    def normalize(self, q: Question, raw: object) -> AnswerValue:
        value = read_number(q, raw)[0]
        if not value.is_integer():
            raise AnswerError(q.id, "整数を入力してください。")
        return int(value)


class Decimal(_Number):
    name = "decimal"
    label = "小数（単位つき）"
    export_label = "数値"
    keys = _NUMERIC_KEYS | {"decimals"}
    requires_unit = True


class Percentage(_Number):
    name = "percentage"
    label = "割合（％）"
    export_label = "割合（%）"
    keys = frozenset({"min", "max", "decimals"})
    fixed_unit = "%"
    default_min = 0.0
    default_max = 100.0

    def excel_how_to(self, q: Question) -> list[str]:
        return [*super().excel_how_to(q), "％の数値（例: 45）で入力"]

    def from_excel(self, q: Question, value: object, number_format: str) -> object:
        percent = "%" in (number_format or "")
        if percent and isinstance(value, int | float) and not isinstance(value, bool):
            return round(float(value) * 100, 9)  # 45% typed in Excel is stored as 0.45
        return super().from_excel(q, value, number_format)


class Derived(QuestionType):
    name = "derived"
    label = "計算値"
    export_label = "自動計算"
    keys = frozenset({"formula", "unit", "decimals"})
    scoring_methods = _BREAKPOINTS
    numeric = True
    answerable = False
    requires_formula = True
    excel_layout = EXCEL_DERIVED

    def normalize(self, q: Question, raw: object) -> AnswerValue:
        raise AnswerError(q.id, "この設問はほかの回答から計算されるため、入力できません。")

    def condition_problem(self, q: Question, name: str, value: object) -> str | None:
        return number_condition_problem(name, value)
