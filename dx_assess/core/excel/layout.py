"""Excel round trip: the layout of the 回答 sheet, shared by the download and the upload.

Pure (no Flask, no SQLAlchemy, no openpyxl). Columns: A 設問ID, B 分野, C 設問, D 回答方法,
E 回答 (the only column that is read back), F 補足. Each question type says how it is laid
out (:attr:`~dx_assess.core.questionnaire.qtypes.QuestionType.excel_layout`): one row; a heading
row and one row per option answered はい / いいえ (``mnc_uses:library``); a heading row and
one row per grid row (``std_status:juki``); or one computed row that is never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dx_assess.core.questionnaire import Question, Questionnaire, type_of
from dx_assess.core.questionnaire.numbering import readable_formula
from dx_assess.core.questionnaire.qtypes import NO, YES
from dx_assess.core.questionnaire.qtypes.base import EXCEL_DERIVED, EXCEL_GRID, EXCEL_OPTIONS

__all__ = ["NO", "YES"]

FORMAT_ID = "dx_assess-survey-xlsx/1"
INFO_SHEET = "説明"
ANSWER_SHEET = "回答"
LISTS_SHEET = "_lists"
META_SHEET = "_meta"
HEADERS = ("設問ID", "分野", "設問", "回答方法", "回答", "補足")
ID_COLUMN = "A"
ANSWER_COLUMN = "E"
ANSWER_INDEX = 4  # 0-based position of column E
PART_SEPARATOR = ":"  # std_status:juki (grid row), mnc_uses:library (option)
DERIVED_NOTE = "自動計算"

# Row kinds of the 回答 sheet.
ANSWER = "answer"  # one question, one cell
DERIVED = "derived"  # computed; shown, never read
HEADING = "heading"  # heading row of a grid or a multiple-choice question; nothing to enter
OPTION = "option"  # one option of a multiple-choice question: はい / いいえ / blank
GRID_ROW = "grid_row"  # one row of a status grid: a status label


@dataclass(frozen=True)
class WorkbookMeta:
    """What a file is for; written to the hidden 「_meta」 sheet and checked on upload."""

    questionnaire_key: str
    questionnaire_version: str
    fiscal_year: int
    municipality_code: str
    municipality_name: str
    response_version: int


#: (field, Japanese label) in the order written to 「_meta」 and 「説明」.
META_FIELDS: tuple[tuple[str, str], ...] = (
    ("questionnaire_key", "調査票キー"),
    ("questionnaire_version", "調査票の版"),
    ("fiscal_year", "年度"),
    ("municipality_code", "市町村コード"),
    ("municipality_name", "市町村名"),
    ("response_version", "回答の版（ダウンロード時点）"),
)


@dataclass(frozen=True)
class SheetRow:
    """One data row of the 回答 sheet."""

    key: str  # the id in column A
    kind: str  # ANSWER / DERIVED / HEADING / OPTION / GRID_ROW
    question: Question
    section: str
    part: str | None = None  # choice value (OPTION) or grid row id (GRID_ROW)
    label: str = ""  # option or grid row label


def sheet_rows(questionnaire: Questionnaire) -> tuple[SheetRow, ...]:
    """The data rows of the 回答 sheet, in order (row 2 onwards)."""
    out: list[SheetRow] = []
    for section in questionnaire.sections:
        title = str(section.title)
        for q in section.questions:
            layout = type_of(q).excel_layout
            if q.derived or layout == EXCEL_DERIVED:
                out.append(SheetRow(q.id, DERIVED, q, title))
            elif layout == EXCEL_OPTIONS:
                out.append(SheetRow(q.id, HEADING, q, title))
                out.extend(
                    SheetRow(f"{q.id}{PART_SEPARATOR}{c.value}", OPTION, q, title, c.value, c.label)
                    for c in q.choices
                )
            elif layout == EXCEL_GRID:
                out.append(SheetRow(q.id, HEADING, q, title))
                out.extend(
                    SheetRow(f"{q.id}{PART_SEPARATOR}{r.id}", GRID_ROW, q, title, r.id, r.label)
                    for r in q.rows
                )
            else:
                out.append(SheetRow(q.id, ANSWER, q, title))
    return tuple(out)


def how_to_answer(row: SheetRow) -> str:
    """Column D: how to answer, in words (type, unit, range, allowed values)."""
    q = row.question
    if row.kind == DERIVED:
        return f"{DERIVED_NOTE}（入力しません）"
    if row.kind == OPTION:
        choice = q.choice(row.part or "")
        alone = "。この選択肢はほかと一緒に選べません" if choice and choice.exclusive else ""
        return f"当てはまるなら「{YES}」、当てはまらないなら「{NO}」か空欄{alone}"
    if row.kind == GRID_ROW:
        return "状況を一覧から 1 つ選ぶ"
    required = "【必須】" if q.required else ""
    return required + "。".join(type_of(q).excel_how_to(q))


def note(row: SheetRow, questionnaire: Questionnaire | None = None) -> str:
    """Column F: the question's help, and whether it may be skipped; for a derived value the
    formula in words (問番号 and labels, never question ids)."""
    q = row.question
    if row.kind == DERIVED:
        formula = (
            f"（{readable_formula(questionnaire, q.formula.source)}）"
            if q.formula and questionnaire is not None
            else ""
        )
        return f"{DERIVED_NOTE}: ほかの回答から計算します{formula}。入力しても読み込みません。"
    if row.kind in (OPTION, GRID_ROW):
        return ""
    notes = [q.help] if q.help else []
    if q.show_when is not None:
        notes.append("※前の設問の回答によっては、答えなくてかまいません。")
    return "\n".join(notes)


def cell_value(row: SheetRow, answers: Mapping[str, object]) -> object:
    """What column E shows for a row, given (normalised) answers incl. derived values."""
    q = row.question
    value = answers.get(q.id)
    if value is None or row.kind == HEADING:
        return None
    if row.kind == OPTION:
        if isinstance(value, tuple | list) and value:
            return YES if row.part in value else NO
        return None
    if row.kind == GRID_ROW:
        status = value.get(row.part) if isinstance(value, Mapping) else None
        if not status:
            return None
        choice = q.choice(status) if isinstance(status, str) else None
        return choice.label if choice else status
    return type_of(q).to_excel(q, value)
