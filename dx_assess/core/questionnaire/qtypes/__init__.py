"""Question types: one class per type, owning every representation of its answers.

The registry :data:`QUESTION_TYPES` is the one place a type is made known: the questionnaire
loader accepts exactly these names and keys, and the form, the Excel round trip, the exports
and the version maps ask the type of a question (:func:`type_of`) what to do with it.

Adding a type: write its class (a module here), add it to :data:`QUESTION_TYPES`, and test
it. Nothing else changes unless it needs a form widget the web layer does not build yet.
"""

from __future__ import annotations

from collections.abc import Mapping

from dx_assess.core.questionnaire.model import AnswerValue, Question
from dx_assess.core.questionnaire.qtypes.base import (
    COMMON_KEYS,
    NO,
    UNANSWERED,
    YES,
    ExcelCell,
    ExcelList,
    ExcelRule,
    FormField,
    QuestionType,
    is_empty,
)
from dx_assess.core.questionnaire.qtypes.choice import (
    MultipleChoice,
    SingleChoice,
    StatusGrid,
    YesNo,
)
from dx_assess.core.questionnaire.qtypes.number import (
    LARGEST,
    Decimal,
    Derived,
    Integer,
    Percentage,
)
from dx_assess.core.questionnaire.qtypes.postal import PostalCode
from dx_assess.core.questionnaire.qtypes.text import (
    BIDI_CONTROLS,
    Date,
    LongText,
    ShortText,
    unusable_character,
)

__all__ = [
    "BIDI_CONTROLS",
    "COMMON_KEYS",
    "LARGEST",
    "NO",
    "QUESTION_TYPES",
    "UNANSWERED",
    "YES",
    "ExcelCell",
    "ExcelList",
    "ExcelRule",
    "FormField",
    "QuestionType",
    "get_type",
    "is_answered",
    "normalize_answer",
    "type_of",
    "unusable_character",
]

QUESTION_TYPES: Mapping[str, QuestionType] = {
    t.name: t
    for t in (
        YesNo(),
        SingleChoice(),
        MultipleChoice(),
        Integer(),
        Decimal(),
        Percentage(),
        Date(),
        ShortText(),
        LongText(),
        StatusGrid(),
        Derived(),
        PostalCode(),
    )
}


def get_type(name: str) -> QuestionType | None:
    return QUESTION_TYPES.get(name)


def type_of(question: Question) -> QuestionType:
    """The type of a loaded question (the loader refused any unknown type)."""
    return QUESTION_TYPES[question.type]


def normalize_answer(question: Question, raw: object) -> AnswerValue | None:
    """Validate one answer and return its normal form; None means unanswered.

    Raises :class:`AnswerError` with a Japanese message when the value does not fit.
    """
    if is_empty(raw):
        return None
    value = type_of(question).normalize(question, raw)
    if isinstance(value, Mapping) and not value:
        return None
    return value


def is_answered(value: object) -> bool:
    return not is_empty(value)
