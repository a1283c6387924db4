"""Excel round trip (issue 4 item 7): download a response as .xlsx, upload it back.

Pure (no Flask, no SQLAlchemy); the web layer wires it up:

1. ``export_workbook(questionnaire, meta, answers)`` -> the .xlsx bytes to download;
2. ``parse_workbook(data, questionnaire, municipality_code=...)`` -> :class:`ParsedUpload`
   or :class:`UploadError` listing every problem (sheet, row, column, question id);
3. ``preview_changes(questionnaire, current, upload)`` -> the answers that would change;
4. ``save_answers(..., upload.posted, base_version=upload.meta.response_version,
   channel=Channel.EXCEL)`` applies them as one audited change.

The layout is described in :mod:`dx_assess.core.excel.export`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from dx_assess.core.answers.display import display_value
from dx_assess.core.excel.export import export_workbook
from dx_assess.core.excel.layout import (
    ANSWER_SHEET,
    INFO_SHEET,
    LISTS_SHEET,
    META_SHEET,
    WorkbookMeta,
)
from dx_assess.core.excel.reading import (
    ParsedUpload,
    UploadError,
    UploadProblem,
    parse_workbook,
)
from dx_assess.core.questionnaire import AnswerError, Question, Questionnaire, normalize_answer
from dx_assess.core.questionnaire.model import AnswerValue

__all__ = [
    "ANSWER_SHEET",
    "INFO_SHEET",
    "LISTS_SHEET",
    "META_SHEET",
    "ParsedUpload",
    "PreviewRow",
    "UploadError",
    "UploadProblem",
    "WorkbookMeta",
    "display_answer",
    "display_value",
    "export_workbook",
    "normal_answer",
    "parse_workbook",
    "preview_changes",
]


@dataclass(frozen=True)
class PreviewRow:
    """One answer that an upload would change; values formatted for display."""

    question_id: str
    text: str
    old: str
    new: str


def normal_answer(question: Question, value: object) -> object:
    """An answer (stored or uploaded, JSON or normal form) in one comparable form."""
    try:
        normal = normalize_answer(question, value)
    except AnswerError:
        return value
    return dict(normal) if isinstance(normal, Mapping) else normal


def preview_changes(
    questionnaire: Questionnaire,
    current: Mapping[str, AnswerValue],
    upload: ParsedUpload,
) -> list[PreviewRow]:
    """The questions whose answer the upload changes (compared in normal form), in order."""
    out: list[PreviewRow] = []
    for q in questionnaire.questions:
        if q.derived or q.id not in upload.posted:
            continue
        old = normal_answer(q, current.get(q.id))
        new = normal_answer(q, upload.posted[q.id])
        if old == new:
            continue
        out.append(PreviewRow(q.id, q.text, display_answer(q, old), display_answer(q, new)))
    return out


def display_answer(question: Question, value: object) -> str:
    """An answer in normal form as the preview shows it."""
    if value is None or isinstance(value, bool | str | int | float | dt.date | tuple | dict):
        return display_value(question, value)
    return str(value)
