"""Answer values in the database: JSON of the normalised value (dates as ISO strings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from dx_assess.core.questionnaire import AnswerError, Question, normalize_answer
from dx_assess.core.questionnaire.model import AnswerValue


def to_json(value: object) -> Any:
    """A normalised answer as JSON-compatible data."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def from_json(question: Question, stored: Any) -> AnswerValue | None:
    """A stored answer back in its normal form (it was valid when stored).

    A text stored before a rule was tightened (a control character, refused since) is
    returned as stored rather than breaking every page that shows the response."""
    try:
        return normalize_answer(question, stored)
    except AnswerError:
        if isinstance(stored, str):
            return stored
        raise


def same(a: object, b: object) -> bool:
    """Equal as stored answers (1 == 1.0; a tuple equals the list it was stored as)."""
    return bool(to_json(a) == to_json(b))
