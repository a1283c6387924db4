"""Question types answered by picking: yes/no, single choice, multiple choice, status grid."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from dx_assess.core.questionnaire.errors import AnswerError
from dx_assess.core.questionnaire.model import AnswerValue, Question
from dx_assess.core.questionnaire.qtypes.base import (
    CHECKBOXES,
    EXCEL_GRID,
    EXCEL_OPTIONS,
    GRID,
    NO,
    RADIO,
    SELECT,
    YES,
    ExcelCell,
    ExcelList,
    FormField,
    QuestionType,
    as_text,
    choice_for_text,
    is_empty,
)

_YES = {"yes", "true", "はい", "y", "1", "有", "あり"}
_NO = {"no", "false", "いいえ", "n", "0", "無", "なし"}
#: Radio buttons up to this many options; a drop-down beyond.
MAX_RADIO = 7


def _labels(q: Question) -> str:
    return "／".join(c.label for c in q.choices)


def _list(q: Question) -> ExcelCell:
    return ExcelCell("@", ExcelList(q.id, tuple(c.label for c in q.choices)))


class YesNo(QuestionType):
    name = "yes_no"
    label = "はい／いいえ"
    export_label = "はい・いいえ"
    scoring_methods = frozenset({"yes_no"})
    combines = frozenset({"any"})
    excel_echo_input = True

    def normalize(self, q: Question, raw: object) -> AnswerValue:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            text = unicodedata.normalize("NFKC", raw).strip().lower()
            if text in _YES:
                return True
            if text in _NO:
                return False
        raise AnswerError(q.id, "「はい」か「いいえ」を選んでください。")

    def condition_problem(self, q: Question, name: str, value: object) -> str | None:
        if not isinstance(value, bool):
            return f"はい／いいえの設問「{name}」の条件は true か false です"
        return None

    def form_field(self, q: Question) -> FormField:
        return FormField(RADIO, options=(("yes", YES), ("no", NO)), inline=True)

    def to_form(self, value: AnswerValue) -> object:
        return "yes" if value is True else "no" if value is False else None

    def excel_how_to(self, q: Question) -> list[str]:
        return [f"「{YES}」か「{NO}」を一覧から選ぶ"]

    def excel_cell(self, q: Question) -> ExcelCell:
        return ExcelCell("@", ExcelList("yes_no", (YES, NO)))

    def from_excel(self, q: Question, value: object, number_format: str) -> object:
        return value if isinstance(value, bool) else as_text(value)


class SingleChoice(QuestionType):
    name = "single_choice"
    label = "単一選択"
    export_label = "選択（1つ）"
    keys = frozenset({"choices"})
    scoring_methods = frozenset({"choice"})
    has_choices = True
    allows_not_applicable = True

    def normalize(self, q: Question, raw: object) -> AnswerValue:
        if isinstance(raw, str) and q.choice(raw.strip()) is not None:
            return raw.strip()
        raise AnswerError(q.id, f"「{raw}」は選択肢にありません。")

    def form_field(self, q: Question) -> FormField:
        options = tuple((c.value, c.label) for c in q.choices)
        if len(options) <= MAX_RADIO:
            return FormField(RADIO, options=options)
        return FormField(SELECT, options=(("", "（選んでください）"), *options))

    def excel_how_to(self, q: Question) -> list[str]:
        return [f"一覧から 1 つ選ぶ（{_labels(q)}）"]

    def excel_cell(self, q: Question) -> ExcelCell:
        return _list(q)

    def to_excel(self, q: Question, value: object) -> object:
        if isinstance(value, str):
            choice = q.choice(value)
            return choice.label if choice else value
        return super().to_excel(q, value)

    def from_excel(self, q: Question, value: object, number_format: str) -> object:
        text = as_text(value)
        return choice_for_text(q, text) or text


class MultipleChoice(QuestionType):
    name = "multiple_choice"
    label = "複数選択"
    export_label = "選択（複数）"
    keys = frozenset({"choices"})
    scoring_methods = frozenset({"count", "sum"})
    has_choices = True
    allows_exclusive = True
    many_values = True
    excel_layout = EXCEL_OPTIONS

    def normalize(self, q: Question, raw: object) -> AnswerValue:
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list | tuple | set | frozenset):
            raise AnswerError(q.id, "一覧から選んでください。")
        picked: set[str] = set()
        for item in items:
            if not isinstance(item, str) or q.choice(item.strip()) is None:
                raise AnswerError(q.id, f"「{item}」は選択肢にありません。")
            picked.add(item.strip())
        exclusive = [c.label for c in q.choices if c.exclusive and c.value in picked]
        if exclusive and len(picked) > 1:
            raise AnswerError(q.id, f"「{exclusive[0]}」はほかの選択肢と一緒に選べません。")
        return tuple(c.value for c in q.choices if c.value in picked)

    def carry(self, q: Question, value: object) -> object:
        if isinstance(value, tuple):  # options dropped from the question are left behind
            return tuple(v for v in value if v in q.choice_values)
        return value

    def form_field(self, q: Question) -> FormField:
        return FormField(CHECKBOXES, options=tuple((c.value, c.label) for c in q.choices))

    def to_form(self, value: AnswerValue) -> object:
        return list(value) if isinstance(value, tuple) else []

    def from_form(self, data: object) -> object:
        return list(data or [])  # type: ignore[call-overload]

    def excel_how_to(self, q: Question) -> list[str]:
        return ["複数選択：下の行で、当てはまる選択肢に「はい」を選ぶ"]


class StatusGrid(QuestionType):
    name = "status_grid"
    label = "状況の表"
    export_label = "業務ごとの状況"
    keys = frozenset({"statuses", "rows"})
    scoring_methods = frozenset({"grid_average"})
    has_choices = True
    has_rows = True
    options_key = "statuses"
    allows_not_applicable = True
    excel_layout = EXCEL_GRID

    def normalize(self, q: Question, raw: object) -> AnswerValue:
        if not isinstance(raw, Mapping):
            raise AnswerError(q.id, "行ごとに状況を選んでください。")
        rows = {r.id: r.label for r in q.rows}
        out: dict[str, str] = {}
        for row, status in raw.items():
            if row not in rows:
                raise AnswerError(q.id, f"「{row}」は表にない行です。")
            if is_empty(status):
                continue
            if not isinstance(status, str) or q.choice(status.strip()) is None:
                raise AnswerError(q.id, f"「{rows[row]}」の状況「{status}」は選択肢にありません。")
            out[row] = status.strip()
        return {r.id: out[r.id] for r in q.rows if r.id in out}

    def carry(self, q: Question, value: object) -> object:
        if isinstance(value, Mapping):  # rows dropped from the grid are left behind
            return {k: v for k, v in value.items() if k in q.row_ids}
        return value

    def form_field(self, q: Question) -> FormField:
        return FormField(
            GRID,
            options=tuple((c.value, c.label) for c in q.choices),
            rows=tuple((r.id, r.label) for r in q.rows),
        )

    def to_form(self, value: AnswerValue) -> object:
        return dict(value) if isinstance(value, Mapping) else {}

    def from_form(self, data: object) -> object:
        return dict(data or {})  # type: ignore[call-overload]

    def excel_how_to(self, q: Question) -> list[str]:
        return [f"状況の表：下の行ごとに状況を選ぶ（{_labels(q)}）"]
