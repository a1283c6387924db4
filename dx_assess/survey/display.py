"""Answers as people read them (pure; used by pages, history, Excel and reports)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from dx_assess.questionnaire import Question
from dx_assess.questionnaire.model import AnswerValue

UNANSWERED = "（未回答）"


def _number(value: float, decimals: int | None) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    return f"{value:,}"


def display_value(question: Question, value: AnswerValue | object | None) -> str:
    """An answer as a person reads it (Japanese): labels, numbers with their unit."""
    if value is None or value == "" or value == () or value == {}:
        return UNANSWERED
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, int | float):
        unit = question.unit or ("%" if question.type == "percentage" else "")
        return f"{_number(value, question.decimals)}{unit}"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    labels = {c.value: c.label for c in question.choices}
    if isinstance(value, str):
        return labels.get(value, value) if question.choices else value
    if isinstance(value, Mapping):
        rows = {r.id: r.label for r in question.rows}
        order = [r.id for r in question.rows if r.id in value]
        order += [k for k in value if k not in rows]
        return "\n".join(f"{rows.get(k, k)}: {labels.get(value[k], value[k])}" for k in order)
    if isinstance(value, tuple | list):
        return "、".join(labels.get(str(v), str(v)) for v in value)
    return str(value)
