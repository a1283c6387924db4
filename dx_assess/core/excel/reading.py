"""Excel round trip, upload side: read a filled workbook back into ``posted`` answers.

Pure (no Flask, no SQLAlchemy). :func:`parse_workbook` either returns every answer of the
sheet or raises :class:`UploadError` listing every problem found (sheet, row, column,
question id, Japanese message); it never returns a partial result.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from dx_assess.core.answers.values import to_json
from dx_assess.core.excel.container import (
    BROKEN,
    DOWNLOAD_AGAIN,
    MAX_CELL_TEXT,
    MAX_UNCOMPRESSED,
    UploadError,
    UploadProblem,
    check_container,
    file_problem,
)
from dx_assess.core.excel.identity import read_meta
from dx_assess.core.excel.layout import (
    ANSWER_COLUMN,
    ANSWER_INDEX,
    ANSWER_SHEET,
    DERIVED,
    GRID_ROW,
    HEADERS,
    HEADING,
    ID_COLUMN,
    NO,
    OPTION,
    YES,
    SheetRow,
    WorkbookMeta,
    sheet_rows,
)
from dx_assess.core.questionnaire import (
    AnswerError,
    Question,
    Questionnaire,
    normalize_answer,
    type_of,
)
from dx_assess.core.questionnaire.qtypes.base import (
    EXCEL_GRID,
    EXCEL_OPTIONS,
    as_text,
    choice_for_text,
    nfkc,
)

__all__ = [
    "MAX_CELL_TEXT",
    "MAX_UNCOMPRESSED",
    "ParsedUpload",
    "UploadError",
    "UploadProblem",
    "parse_workbook",
]

MAX_ROWS = 5000  # rows with content on the 回答 sheet (a questionnaire has a few hundred)
_PICK = "▼ の一覧から選んでください。"
_CHOSEN = {"はい", "yes", "y", "true", "1", "○", "〇", "◯", "✓", "✔", "レ"}
_NOT_CHOSEN = {"いいえ", "no", "n", "false", "0", "×", "✕", "-", "ー", "―"}


@dataclass(frozen=True)
class ParsedUpload:
    """A valid upload: its identity and the answers to save.

    ``posted`` maps every non-derived question found in the sheet to a JSON-compatible raw
    value that ``normalize_answer`` / ``save_answers`` accept ("yes"/"no", choice values,
    lists of choice values, numbers, "2025-06-01", text, {row id: status}); None = clear.
    """

    meta: WorkbookMeta
    posted: dict[str, object] = field(default_factory=dict)


# ---------------------------------------------------------------------------- cells


def _with_input(message: str, shown: str) -> str:
    """Add the value typed to a message that does not show it yet."""
    if "入力:" in message or not shown or ": " in message or f"「{shown}」" in message:
        return message
    if len(shown) > 40:
        shown = shown[:40] + "…"
    body = message[:-1] if message.endswith("。") else message
    return f"{body}（入力: {shown}）。"


def _sentence(message: str) -> str:
    return message if message.endswith("。") else message + "。"


# ---------------------------------------------------------------------------- the sheet


@dataclass
class _Reader:
    questionnaire: Questionnaire
    problems: list[UploadProblem] = field(default_factory=list)
    posted: dict[str, object] = field(default_factory=dict)
    # multiple choice: question id -> {choice value: (row, chosen)}
    options: dict[str, dict[str, tuple[int, bool]]] = field(default_factory=dict)
    # status grid: question id -> {grid row id: (row, status value or None)}
    grids: dict[str, dict[str, tuple[int, str | None]]] = field(default_factory=dict)
    headings: dict[str, int] = field(default_factory=dict)

    def problem(self, row: int | None, column: str | None, qid: str | None, message: str) -> None:
        self.problems.append(UploadProblem(ANSWER_SHEET, row, column, qid, message))

    def cell(self, spec: SheetRow, row: int, cell: Any) -> object:
        """The value of an answer cell, or raise ValueError after recording a problem."""
        value = cell.value
        if cell.data_type == "f":
            formula = getattr(value, "text", value)
            self.problem(
                row,
                ANSWER_COLUMN,
                spec.question.id,
                f"数式は使えません（数式: {formula}）。"
                "数式を消して値を入力するか、「値の貼り付け」で値だけを貼り付けてください。",
            )
            raise ValueError
        if cell.data_type == "e":
            self.problem(
                row,
                ANSWER_COLUMN,
                spec.question.id,
                f"エラー値が入っています（入力: {value}）。正しい値を入力してください。",
            )
            raise ValueError
        return value

    def read_row(self, spec: SheetRow, row: int, cell: Any) -> None:
        q = spec.question
        if spec.kind == DERIVED:
            return  # computed from other answers: never read
        if spec.kind == HEADING:
            self.headings[q.id] = row
            if cell.data_type == "f" or not _blank(cell.value):
                self.problem(
                    row,
                    ANSWER_COLUMN,
                    q.id,
                    "この行（設問の見出し）には入力しません。下の行ごとに入力してください。",
                )
            return
        try:
            value = self.cell(spec, row, cell)
        except ValueError:
            return
        if spec.kind == OPTION:
            text = "" if value is None else nfkc(as_text(value)).lower()
            if text and text not in _CHOSEN and text not in _NOT_CHOSEN:
                self.problem(
                    row,
                    ANSWER_COLUMN,
                    q.id,
                    f"「{spec.label}」は「{YES}」か「{NO}」を選ぶか、空欄にしてください"
                    f"（入力: {as_text(value)}）。",
                )
                return
            self.options.setdefault(q.id, {})[spec.part or ""] = (row, text in _CHOSEN)
            return
        if spec.kind == GRID_ROW:
            status = None
            if not _blank(value):
                text = as_text(value)
                status = choice_for_text(q, text)
                if status is None:
                    try:
                        normalize_answer(q, {spec.part: text})
                        message = f"状況が選択肢にありません（入力: {text}）。"
                    except AnswerError as exc:
                        message = exc.message
                    self.problem(row, ANSWER_COLUMN, q.id, _sentence(message) + _PICK)
                    return
            self.grids.setdefault(q.id, {})[spec.part or ""] = (row, status)
            return
        qtype = type_of(q)
        raw = None
        if not _blank(value):
            raw = qtype.from_excel(q, value, getattr(cell, "number_format", "") or "")
        try:
            normalized = normalize_answer(q, raw)
        except AnswerError as exc:
            message = exc.message
            if qtype.excel_echo_input and value is not None:
                message = _with_input(message, as_text(value))
            if qtype.excel_cell(q).choices is not None:  # chosen from a drop-down list
                message = _sentence(message) + _PICK
            self.problem(row, ANSWER_COLUMN, q.id, message)
            return
        self.posted[q.id] = to_json(normalized)

    def finish(self) -> None:
        """Combine option rows and grid rows into one answer per question."""
        reported = {p.question_id for p in self.problems}  # a bad row was reported already
        for q in self.questionnaire.questions:
            if q.id in reported:
                continue
            layout = type_of(q).excel_layout
            if layout == EXCEL_OPTIONS and q.id in self.options:
                seen = self.options[q.id]
                if self._missing(q, seen, [(c.value, c.label) for c in q.choices]):
                    continue
                chosen = [c.value for c in q.choices if seen[c.value][1]]
                try:
                    self.posted[q.id] = to_json(normalize_answer(q, chosen))
                except AnswerError as exc:
                    exclusive = [
                        seen[c.value][0] for c in q.choices if c.exclusive and c.value in chosen
                    ]
                    self.problem(
                        exclusive[0] if exclusive else None, ANSWER_COLUMN, q.id, exc.message
                    )
            elif layout == EXCEL_GRID and q.id in self.grids:
                rows = self.grids[q.id]
                if self._missing(q, rows, [(r.id, r.label) for r in q.rows]):
                    continue
                statuses = {r.id: rows[r.id][1] for r in q.rows if rows[r.id][1] is not None}
                try:
                    self.posted[q.id] = to_json(normalize_answer(q, statuses))
                except AnswerError as exc:  # pragma: no cover - every row was checked above
                    self.problem(self.headings.get(q.id), ANSWER_COLUMN, q.id, exc.message)

    def _missing(
        self, q: Question, seen: Mapping[str, object], parts: Sequence[tuple[str, str]]
    ) -> bool:
        missing = [label for part, label in parts if part not in seen]
        if missing:
            self.problem(
                self.headings.get(q.id),
                ID_COLUMN,
                q.id,
                f"この設問の行が足りません（{'、'.join(missing)}）。行を消さずに、"
                "ダウンロードしたときのままにしてください。",
            )
        return bool(missing)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows(ws: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for number, cells in enumerate(ws.iter_rows(min_row=1, max_col=len(HEADERS)), start=1):
        yield number, tuple(cells)


def _read_answers(ws: Any, questionnaire: Questionnaire) -> _Reader:
    reader = _Reader(questionnaire)
    index = {spec.key: spec for spec in sheet_rows(questionnaire)}
    first_seen: dict[str, int] = {}
    header_checked = False
    content_rows = 0
    for number, cells in _rows(ws):
        values = [c.value for c in cells] + [None] * (len(HEADERS) - len(cells))
        if number == 1:
            header_checked = True
            for position, expected in enumerate(HEADERS):
                found = "" if values[position] is None else str(values[position]).strip()
                if found != expected:
                    reader.problem(
                        1,
                        get_column_letter(position + 1),
                        None,
                        f"見出しが「{expected}」ではありません（いまは「{found}」）。"
                        "列を追加・削除・入れ替えしないでください。",
                    )
            if reader.problems:
                return reader
            continue
        key_value, answer = values[0], values[ANSWER_INDEX]
        if _blank(key_value) and _blank(answer) and not _has_formula(cells):
            continue
        content_rows += 1
        if content_rows > MAX_ROWS:
            reader.problem(number, None, None, "行が多すぎます。" + DOWNLOAD_AGAIN)
            return reader
        key = as_text(key_value).strip() if key_value is not None else ""
        if not key:
            if not _blank(answer) or _has_formula(cells[ANSWER_INDEX : ANSWER_INDEX + 1]):
                reader.problem(
                    number,
                    ID_COLUMN,
                    None,
                    "設問IDが空欄の行に回答があります。行を追加せず、設問IDのある行に入力してください。",
                )
            continue
        if key in first_seen:
            reader.problem(
                number,
                ID_COLUMN,
                index[key].question.id if key in index else None,
                f"設問ID「{key}」の行が重複しています（{first_seen[key]}行目と同じ）。"
                "どちらかの行を消してください。",
            )
            continue
        first_seen[key] = number
        spec = index.get(key)
        if spec is None:
            reader.problem(
                number,
                ID_COLUMN,
                None,
                f"調査票にない設問IDです（{key}）。A列の設問IDは変えないでください。",
            )
            continue
        cell = cells[ANSWER_INDEX] if len(cells) > ANSWER_INDEX else None
        reader.read_row(spec, number, cell if cell is not None else _Empty())
    if not header_checked or not first_seen:
        reader.problem(
            None, None, None, f"シート「{ANSWER_SHEET}」に設問の行がありません。" + DOWNLOAD_AGAIN
        )
        return reader
    reader.finish()
    reader.problems.sort(key=lambda p: p.row or 0)  # sheet order; file-level problems first
    return reader


class _Empty:
    value = None
    data_type = "n"
    number_format = "General"


def _has_formula(cells: Sequence[Any]) -> bool:
    return any(getattr(c, "data_type", None) == "f" for c in cells)


# ---------------------------------------------------------------------------- entry point


def parse_workbook(
    data: bytes,
    questionnaire: Questionnaire,
    *,
    municipality_code: str,
    max_bytes: int = 5 * 1024 * 1024,
    fiscal_year: int | None = None,
) -> ParsedUpload:
    """Read an uploaded workbook for ``municipality_code``.

    Raises :class:`UploadError` listing every problem (never a partial result). A file
    downloaded at an older response version is not an error: pass ``meta.response_version``
    to the save service as ``base_version`` so that it detects conflicting changes.
    ``fiscal_year``, when given, must match the file too.
    """
    problems = check_container(data, max_bytes)
    if problems:
        raise UploadError(problems)
    with warnings.catch_warnings():
        # openpyxl warns about workbook features it drops (e.g. extensions); we read values only.
        warnings.simplefilter("ignore")
        try:
            wb = load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False, keep_vba=False
            )
        except Exception:  # openpyxl raises many types for broken packages
            raise UploadError(file_problem(BROKEN)) from None
        try:
            meta, problems = read_meta(wb, questionnaire, municipality_code, fiscal_year)
            if ANSWER_SHEET not in wb.sheetnames:
                sheets = "、".join(
                    f"「{name}」" for name in wb.sheetnames if not name.startswith("_")
                )
                problems.append(
                    UploadProblem(
                        ANSWER_SHEET,
                        None,
                        None,
                        None,
                        f"シート「{ANSWER_SHEET}」がありません（あるシート: {sheets}）。"
                        "シートの名前を変えたり消したりしないでください。" + DOWNLOAD_AGAIN,
                    )
                )
            if problems or meta is None:
                raise UploadError(problems)
            reader = _read_answers(wb[ANSWER_SHEET], questionnaire)
        except UploadError:
            raise
        except Exception:  # a part openpyxl only parses while iterating may be broken
            raise UploadError(
                file_problem("ファイルの一部が壊れているため読み込めません。" + DOWNLOAD_AGAIN)
            ) from None
        finally:
            wb.close()
    if reader.problems:
        raise UploadError(reader.problems)
    return ParsedUpload(meta=meta, posted=reader.posted)
