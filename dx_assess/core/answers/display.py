"""Answers as people read them (pure; used by pages, history, Excel and reports)."""

from __future__ import annotations

from dx_assess.core.questionnaire import Question, type_of
from dx_assess.core.questionnaire.model import AnswerValue
from dx_assess.core.questionnaire.qtypes import UNANSWERED

__all__ = ["UNANSWERED", "display_value"]


def display_value(question: Question, value: AnswerValue | object | None) -> str:
    """An answer as a person reads it (Japanese): labels, numbers with their unit."""
    return type_of(question).display(question, value)
