"""Registry of question types (kept for its importers; the types live in
:mod:`dx_assess.core.questionnaire.qtypes`, one class per type)."""

from __future__ import annotations

from dx_assess.core.questionnaire.qtypes import (
    BIDI_CONTROLS,
    COMMON_KEYS,
    LARGEST,
    QUESTION_TYPES,
    QuestionType,
    get_type,
    is_answered,
    normalize_answer,
    type_of,
    unusable_character,
)

__all__ = [
    "BIDI_CONTROLS",
    "COMMON_KEYS",
    "LARGEST",
    "QUESTION_TYPES",
    "QuestionType",
    "get_type",
    "is_answered",
    "normalize_answer",
    "type_of",
    "unusable_character",
]
