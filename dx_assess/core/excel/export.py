"""Excel round trip, download side: one municipality's answers as an .xlsx workbook.

Pure (no Flask, no SQLAlchemy). The sheet layout (:mod:`dx_assess.core.excel.layout`) is
shared with :mod:`dx_assess.core.excel.reading`, which reads the same rows back; each
question type says how its answer cell is formatted and validated.

Workbook:

* 「説明」  how to fill the file in, and its identity (questionnaire, municipality, response
  version) in clearly labelled cells;
* 「回答」  a header row and one row per question in questionnaire order. Columns: A 設問ID,
  B 分野, C 設問 (after its 問番号, 「問1-3 …」), D 回答方法, E 回答 (the only column that is
  read back), F 補足 (see
  :mod:`dx_assess.core.excel.layout`). Derived questions show their computed value;
* 「_lists」 (hidden) the drop-down lists, referenced by range so long labels work;
* 「_meta」 (hidden) the identity that the import checks.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from typing import Any, Literal, cast

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from dx_assess.core.excel.layout import (
    ANSWER,
    ANSWER_COLUMN,
    ANSWER_SHEET,
    DERIVED,
    DERIVED_NOTE,
    FORMAT_ID,
    GRID_ROW,
    HEADERS,
    HEADING,
    INFO_SHEET,
    LISTS_SHEET,
    META_FIELDS,
    META_SHEET,
    NO,
    OPTION,
    YES,
    SheetRow,
    WorkbookMeta,
    cell_value,
    how_to_answer,
    note,
    sheet_rows,
)
from dx_assess.core.questionnaire import Questionnaire, type_of, with_derived
from dx_assess.core.questionnaire.model import AnswerValue
from dx_assess.core.questionnaire.numbering import question_numbers
from dx_assess.core.questionnaire.qtypes import ExcelCell, ExcelList, ExcelRule
from dx_assess.core.vocabulary import JST, reiwa

__all__ = [
    "GRID_ROW",
    "OPTION",
    "SheetRow",
    "WorkbookMeta",
    "export_workbook",
    "how_to_answer",
    "sheet_rows",
]


# ---------------------------------------------------------------------------- styles

_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_FIXED_FILL = PatternFill("solid", fgColor="EDEDED")  # columns A–D: do not change
_LOCKED_FILL = PatternFill("solid", fgColor="BFBFBF")  # answer cells that are not read
_INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")  # the cells to fill in
_WRAP = Alignment(wrap_text=True, vertical="top")
_WIDTHS = (28, 16, 60, 36, 32, 40)


def _put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write a value; text is always text (never a formula) and loses illegal characters."""
    cell = cast(Cell, ws.cell(row=row, column=column))
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    return cell


# ---------------------------------------------------------------------------- sheets


def _shown(meta: WorkbookMeta, field: str) -> str:
    if field == "fiscal_year":
        return f"{meta.fiscal_year}（{reiwa(meta.fiscal_year)}）"
    return str(getattr(meta, field))


def _info_sheet(
    ws: Worksheet, questionnaire: Questionnaire, meta: WorkbookMeta, now: dt.datetime
) -> None:
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 100
    title = _put(ws, 1, 1, f"{questionnaire.title}　回答入力用ファイル")
    title.font = Font(bold=True, size=14)
    name = meta.municipality_name
    lines: list[tuple[str, str]] = [
        ("", ""),
        ("このファイルについて", ""),
        (
            "",
            f"{name}（市町村コード {meta.municipality_code}）の「{questionnaire.title}」"
            "の回答を、Excel で入力するためのファイルです。",
        ),
        ("", "ダウンロードした時点の回答が入っています。"),
        ("", f"このファイルは {name} 専用です。ほかの市町村や、ほかの版の調査票には使えません。"),
        ("", ""),
        ("入力のしかた", ""),
        (
            "1",
            f"「{ANSWER_SHEET}」シートの E列「回答」（薄い黄色のセル）に入力します。"
            "E列のほかは読み込みません。",
        ),
        (
            "2",
            "A〜D列（灰色）と 1行目の見出しは変えないでください。"
            "行や列の追加・削除・並べ替えもしないでください。",
        ),
        ("3", "選択式の設問は、セルを選ぶと出る ▼ の一覧（ドロップダウンリスト）から選びます。"),
        (
            "4",
            "複数選択の設問は、選択肢ごとに行があります（A列が「設問ID:選択肢」、"
            "例: mnc_uses:library）。当てはまる選択肢に「はい」を、"
            "当てはまらない選択肢に「いいえ」を選ぶか空欄にします。",
        ),
        (
            "5",
            "状況の表の設問は、表の行ごとに行があります（A列が「設問ID:行ID」、"
            "例: std_status:juki）。行ごとに状況を選びます。",
        ),
        (
            "6",
            "数値は半角でも全角でもかまいません。単位や桁区切りのカンマは付けなくてかまいません。"
            "割合は％の数値（例: 45）で入力します。",
        ),
        ("7", "日付は 2025-03-31 や 2025/3/31 の形で入力します。"),
        (
            "8",
            "数式（= で始まる式）は使えません。ほかのファイルから貼り付けるときは"
            "「値の貼り付け」を使ってください。",
        ),
        (
            "9",
            f"「{DERIVED_NOTE}」の行（回答が灰色のセル）は、ほかの回答から計算します。"
            "入力しても読み込みません。",
        ),
        (
            "10",
            "回答を消したいときは、E列のセルを空欄にします。"
            "アップロードすると、空欄の設問の回答は消えます。",
        ),
        (
            "11",
            "保存するときは、ファイルの種類を「Excel ブック（*.xlsx）」のままにしてください。"
            "マクロ有効ブック（*.xlsm）や CSV は読み込めません。",
        ),
        (
            "12",
            "回答の画面からこのファイルをアップロードすると、変わる回答の一覧が表示されます。"
            "確かめてから反映してください。問題があるときは、シート・行・列を示した一覧が"
            "表示され、何も反映されません。",
        ),
        (
            "13",
            "ダウンロードした後に画面で回答が変わっているときは、反映のときに確認を求められます。",
        ),
        ("", ""),
        ("ファイルの識別情報", "（変更しないでください。アップロードのときに確かめます）"),
    ]
    identity = [("調査票", str(questionnaire.title))]
    identity.extend((label, _shown(meta, field)) for field, label in META_FIELDS)
    identity.append(("作成日時", now.astimezone(JST).strftime("%Y-%m-%d %H:%M（日本時間）")))
    for row, (label, text) in enumerate(lines, start=2):
        a = _put(ws, row, 1, label)
        _put(ws, row, 2, text).alignment = _WRAP
        a.alignment = _WRAP
        if label and (not text or row == len(lines) + 1):
            a.font = Font(bold=True, size=12)
    for row, (label, text) in enumerate(identity, start=len(lines) + 2):
        a = _put(ws, row, 1, label)
        b = _put(ws, row, 2, text)
        a.fill = _FIXED_FILL
        a.font = Font(bold=True)
        for cell in (a, b):
            cell.border = _BORDER
            cell.alignment = _WRAP


def _meta_sheet(ws: Worksheet, meta: WorkbookMeta, now: dt.datetime) -> None:
    _put(ws, 1, 1, "format")
    _put(ws, 1, 2, FORMAT_ID)
    for row, (field, label) in enumerate(META_FIELDS, start=2):
        _put(ws, row, 1, field)
        _put(ws, row, 2, str(getattr(meta, field))).number_format = "@"
        _put(ws, row, 3, label)
    _put(ws, len(META_FIELDS) + 2, 1, "created_at")
    _put(ws, len(META_FIELDS) + 2, 2, now.isoformat(timespec="seconds"))
    ws.sheet_state = "hidden"


class _Lists:
    """Drop-down lists on the hidden 「_lists」 sheet, one column each (no 255-char limit)."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.ranges: dict[tuple[str, ...], str] = {}

    def range_for(self, labels: tuple[str, ...]) -> str:
        if labels not in self.ranges:
            column = len(self.ranges) + 1
            for row, label in enumerate(labels, start=1):
                _put(self.ws, row, column, label)
            letter = get_column_letter(column)
            self.ranges[labels] = f"'{LISTS_SHEET}'!${letter}$1:${letter}${len(labels)}"
        return self.ranges[labels]


def _list_validation(formula: str) -> DataValidation:
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="一覧にない値です",
        error="▼ の一覧から選んでください。",
    )


def _rule_validation(rule: ExcelRule) -> DataValidation:
    operator = cast(Literal["between", "greaterThanOrEqual", "lessThanOrEqual"], rule.operator)
    kind = cast(Literal["whole", "decimal", "textLength"], rule.kind)
    return DataValidation(
        type=kind,
        operator=operator,
        formula1=rule.formula1,
        formula2=rule.formula2,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="入力できない値です",
        error=rule.error,
    )


def _answer_sheet(
    ws: Worksheet,
    lists: _Lists,
    questionnaire: Questionnaire,
    answers: Mapping[str, object],
) -> None:
    for column, (title, width) in enumerate(zip(HEADERS, _WIDTHS, strict=True), start=1):
        cell = _put(ws, 1, column, title)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    validations: dict[str, DataValidation] = {}
    rows = sheet_rows(questionnaire)
    numbers = question_numbers(questionnaire)  # 問番号 before the question's text
    for number, row in enumerate(rows, start=2):
        q = row.question
        text = (
            f"{numbers[q.id]} {q.text}"
            if row.kind in (ANSWER, DERIVED, HEADING)
            else f"　・{row.label}"
        )
        fixed = (row.key, row.section, text, how_to_answer(row))
        for column, value in enumerate(fixed, start=1):
            cell = _put(ws, number, column, value)
            cell.fill = _FIXED_FILL
        answer = _put(ws, number, 5, cell_value(row, answers))
        _put(ws, number, 6, note(row, questionnaire))
        for column in range(1, 7):
            styled = ws.cell(row=number, column=column)
            styled.border = _BORDER
            styled.alignment = _WRAP
        if row.kind in (DERIVED, HEADING):
            answer.fill = _LOCKED_FILL
            if row.kind == DERIVED and q.decimals is not None:
                answer.number_format = "0" if q.decimals == 0 else "0." + "0" * q.decimals
            continue
        answer.fill = _INPUT_FILL
        coordinate = f"{ANSWER_COLUMN}{number}"
        if row.kind == OPTION:
            spec = ExcelCell("@", ExcelList("yes_no", (YES, NO)))
        elif row.kind == GRID_ROW:
            spec = ExcelCell("@", ExcelList(q.id, tuple(c.label for c in q.choices)))
        else:
            spec = type_of(q).excel_cell(q)
        if spec.number_format is not None:
            answer.number_format = spec.number_format
        if spec.rule is not None:
            dv = _rule_validation(spec.rule)
            ws.add_data_validation(dv)
            dv.add(coordinate)
        if (choices := spec.choices) is not None:
            if choices.key not in validations:
                validations[choices.key] = _list_validation(lists.range_for(choices.labels))
                ws.add_data_validation(validations[choices.key])
            validations[choices.key].add(coordinate)


def export_workbook(
    questionnaire: Questionnaire,
    meta: WorkbookMeta,
    answers: Mapping[str, AnswerValue],
    *,
    now: dt.datetime | None = None,
) -> bytes:
    """The .xlsx bytes for one municipality's response (``answers`` in normal form)."""
    now = now or dt.datetime.now(JST)
    values = with_derived(questionnaire, {k: v for k, v in answers.items() if v is not None})
    wb = Workbook()
    info = wb.worksheets[0]
    info.title = INFO_SHEET
    _info_sheet(info, questionnaire, meta, now)
    answer_ws = wb.create_sheet(ANSWER_SHEET)
    lists_ws = wb.create_sheet(LISTS_SHEET)
    lists_ws.sheet_state = "hidden"
    _answer_sheet(answer_ws, _Lists(lists_ws), questionnaire, values)
    _meta_sheet(wb.create_sheet(META_SHEET), meta, now)
    wb.active = 0
    wb.properties.title = f"{questionnaire.title} {meta.municipality_name}"
    wb.properties.creator = "dx_assess"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
