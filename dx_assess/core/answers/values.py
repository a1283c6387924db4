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
    returned as stored rather than breaking every page that shows the response.

    Normalising is a pure function of the question and the value, and every request reads
    every stored answer of its response again, so the results are remembered per question
    object and value (a grid's rows are returned as a new dict each time)."""
    key = _memo_key(stored)
    if key is None:
        return _from_json(question, stored)
    entry = _MEMO.get((id(question), key))
    if entry is not None and entry[0] is question:
        value = entry[1]
    else:
        value = _from_json(question, stored)
        if len(_MEMO) >= _MEMO_LIMIT:
            _MEMO.clear()
        _MEMO[(id(question), key)] = (question, value)  # holds the question: its id stays its own
    return dict(value) if isinstance(value, Mapping) else value


_MEMO: dict[tuple[int, object], tuple[Question, AnswerValue | None]] = {}
_MEMO_LIMIT = 50_000


def _memo_key(stored: Any) -> object:
    """A hashable key that tells stored values apart (``True`` from ``1``), or None."""
    kind = type(stored)
    if kind in _SCALARS:
        return (kind, stored)
    if kind is list and all(type(v) is str for v in stored):
        return (list, tuple(stored))
    if kind is dict and all(type(k) is str and type(v) is str for k, v in stored.items()):
        return (dict, tuple(stored.items()))
    return None


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _from_json(question: Question, stored: Any) -> AnswerValue | None:
    try:
        return normalize_answer(question, stored)
    except AnswerError:
        if isinstance(stored, str):
            return stored
        raise


def same(a: object, b: object) -> bool:
    """Equal as stored answers (1 == 1.0; a tuple equals the list it was stored as)."""
    return bool(to_json(a) == to_json(b))
