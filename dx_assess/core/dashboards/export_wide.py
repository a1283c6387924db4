"""The wide sheet of the exports: one row per municipality, one column per question in 問番号
order (a status grid: one column per row), as the 総務省 tabulations are laid out.

Pure (pandas; no Flask, no SQLAlchemy); built from a
:class:`~dx_assess.core.results.RoundResults` like the long frames.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import pandas as pd

from dx_assess.core.answers.display import UNANSWERED, display_value
from dx_assess.core.dashboards.export_columns import COLUMNS, FLAG_WORDS, STATUS_WORDS
from dx_assess.core.dashboards.export_frames import responses
from dx_assess.core.questionnaire import Question, type_of
from dx_assess.core.questionnaire.numbering import question_numbers, short_label
from dx_assess.core.results import RoundResults

WIDE_HEAD = ("code", "municipality", "subprefecture", "status", "final")


def wide_columns(results: RoundResults) -> list[tuple[str, str, str | None]]:
    """The question columns of the wide sheet: (header, question id, grid row id or None).

    A header is 「問番号 短い名前（単位）」; a status grid has one column per row
    (「問2-1 住民基本台帳」)."""
    q = results.questionnaire
    numbers = question_numbers(q)
    out: list[tuple[str, str, str | None]] = []
    for question in q.questions:
        number = numbers[question.id]
        if type_of(question).has_rows:
            out += [(f"{number} {row.label}", question.id, row.id) for row in question.rows]
            continue
        unit = type_of(question).unit(question)
        suffix = f"（{unit}）" if unit else ""
        out.append((f"{number} {short_label(question)}{suffix}", question.id, None))
    return out


def _wide_value(question: Question, value: object, row: str | None) -> object:
    """A cell of the wide sheet: numbers stay numbers (rounded to the question's decimals),
    everything else as a person reads it; empty when not answered."""
    if row is not None:
        status = value.get(row) if isinstance(value, Mapping) else None
        choice = question.choice(str(status)) if status else None
        return choice.label if choice else (status or "")
    number = type_of(question).export_number(question, value)
    if number is not None:
        return int(number) if number.is_integer() else number
    text = display_value(question, value)
    return "" if text == UNANSWERED else text


def wide_frame(results: RoundResults, codes: Collection[str] | None = None) -> pd.DataFrame:
    """One row per municipality with a response, one column per question (問番号 order), as
    the 総務省 tabulations are laid out; headers are Japanese already."""
    q = results.questionnaire
    columns = wide_columns(results)
    head = [COLUMNS[c].header for c in WIDE_HEAD]
    records: list[list[object]] = []
    for row, values, shown in responses(results, codes):
        cells: list[object] = [
            row.code,
            row.name,
            row.subprefecture,
            STATUS_WORDS.get(row.status, row.status),
            FLAG_WORDS["final"][0 if row.final else 1],
        ]
        for _header, qid, grid_row in columns:
            value = values.get(qid) if qid in shown else None
            cells.append(_wide_value(q.question(qid), value, grid_row))
        records.append(cells)
    return pd.DataFrame(records, columns=[*head, *(c[0] for c in columns)])


def wide_notes(results: RoundResults) -> list[tuple[str, str]]:
    """説明 lines for the wide sheet: each 問番号 column with its whole question."""
    q = results.questionnaire
    lines = []
    for header, qid, row in wide_columns(results):
        question = q.question(qid)
        text = question.text if row is None else f"{question.text}（この列はこの業務の状況）"
        lines.append((header, text))
    return lines
