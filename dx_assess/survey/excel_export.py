"""Excel round trip, download side: one municipality's answers as an .xlsx workbook.

Pure (no Flask, no SQLAlchemy). The sheet layout defined here (:func:`sheet_rows`) is shared
with :mod:`dx_assess.survey.excel_import`, which reads the same rows back.

Workbook:

* 「説明」  how to fill the file in, and its identity (questionnaire, municipality, response
  version) in clearly labelled cells;
* 「回答」  a header row and one row per question in questionnaire order. Columns: A 設問ID,
  B 分野, C 設問, D 回答方法, E 回答 (the only column that is read back), F 補足. A status grid
  has a heading row (``std_status``) and one row per grid row (``std_status:juki``); a
  multiple-choice question has a heading row and one row per option (``mnc_uses:library``)
  answered はい / いいえ (blank = not chosen). Derived questions show their computed value;
* 「_lists」 (hidden) the drop-down lists, referenced by range so long labels work;
* 「_meta」 (hidden) the identity that the import checks.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from dx_assess.questionnaire import Question, Questionnaire, with_derived
from dx_assess.questionnaire.model import AnswerValue
from dx_assess.vocabulary import JST, reiwa

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
YES = "はい"
NO = "いいえ"
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
            if q.derived or q.type == "derived":
                out.append(SheetRow(q.id, DERIVED, q, title))
            elif q.type == "multiple_choice":
                out.append(SheetRow(q.id, HEADING, q, title))
                out.extend(
                    SheetRow(f"{q.id}{PART_SEPARATOR}{c.value}", OPTION, q, title, c.value, c.label)
                    for c in q.choices
                )
            elif q.type == "status_grid":
                out.append(SheetRow(q.id, HEADING, q, title))
                out.extend(
                    SheetRow(f"{q.id}{PART_SEPARATOR}{r.id}", GRID_ROW, q, title, r.id, r.label)
                    for r in q.rows
                )
            else:
                out.append(SheetRow(q.id, ANSWER, q, title))
    return tuple(out)


def fmt_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


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


# ---------------------------------------------------------------------------- texts


def _bounds(q: Question, unit: str) -> str:
    if q.min is not None and q.max is not None:
        return f"{fmt_number(q.min)}〜{fmt_number(q.max)}{unit}"
    if q.min is not None:
        return f"{fmt_number(q.min)}{unit} 以上"
    if q.max is not None:
        return f"{fmt_number(q.max)}{unit} 以下"
    return ""


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
    labels = "／".join(c.label for c in q.choices)
    parts: list[str]
    if q.type == "multiple_choice":
        parts = ["複数選択：下の行で、当てはまる選択肢に「はい」を選ぶ"]
    elif q.type == "status_grid":
        parts = [f"状況の表：下の行ごとに状況を選ぶ（{labels}）"]
    elif q.type == "yes_no":
        parts = [f"「{YES}」か「{NO}」を一覧から選ぶ"]
    elif q.type == "single_choice":
        parts = [f"一覧から 1 つ選ぶ（{labels}）"]
    elif q.type in ("integer", "decimal", "percentage"):
        unit = q.unit or ("%" if q.type == "percentage" else "")
        kind = "整数" if q.type == "integer" else "数値"
        details = [f"単位: {unit}"] if unit else []
        if bounds := _bounds(q, unit):
            details.append(bounds)
        if q.type != "integer" and q.decimals is not None:
            places = "小数点以下は四捨五入" if q.decimals == 0 else f"小数第{q.decimals}位まで"
            details.append(places)
        parts = [f"{kind}（{'、'.join(details)}）" if details else kind]
        if q.type == "percentage":
            parts.append("％の数値（例: 45）で入力")
    elif q.type == "date":
        parts = ["日付（例: 2025-03-31 や 2025/3/31）"]
    elif q.type == "short_text":
        limit = f"、{q.max_length} 文字まで" if q.max_length else ""
        parts = [f"文章（改行なしの 1 行{limit}）"]
    else:
        limit = f"（{q.max_length} 文字まで）" if q.max_length else ""
        parts = [f"文章{limit}。セルの中の改行は Alt+Enter"]
    return required + "。".join(parts)


def _note(row: SheetRow) -> str:
    q = row.question
    if row.kind == DERIVED:
        formula = f"（{q.formula.source}）" if q.formula else ""
        return f"{DERIVED_NOTE}: ほかの回答から計算します{formula}。入力しても読み込みません。"
    if row.kind in (OPTION, GRID_ROW):
        return ""
    notes = [q.help] if q.help else []
    if q.show_when is not None:
        notes.append("※前の設問の回答によっては、答えなくてかまいません。")
    return "\n".join(notes)


# ---------------------------------------------------------------------------- values


def _label(q: Question, value: object) -> object:
    if isinstance(value, str):
        choice = q.choice(value)
        return choice.label if choice else value
    return value


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
        if isinstance(value, Mapping):
            return _label(q, value.get(row.part)) if value.get(row.part) else None
        return None
    if isinstance(value, bool):
        return YES if value else NO
    if q.type == "single_choice":
        return _label(q, value)
    if isinstance(value, int | float | dt.date | str):
        return value
    return str(value)


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


def _number_validation(q: Question) -> DataValidation | None:
    if q.min is None and q.max is None:
        return None
    unit = q.unit or ("%" if q.type == "percentage" else "")
    operator: Literal["between", "greaterThanOrEqual", "lessThanOrEqual"]
    if q.min is not None and q.max is not None:
        operator, f1, f2 = "between", fmt_number(q.min), fmt_number(q.max)
    elif q.min is not None:
        operator, f1, f2 = "greaterThanOrEqual", fmt_number(q.min), None
    else:
        operator, f1, f2 = "lessThanOrEqual", fmt_number(q.max or 0), None
    kind = "整数" if q.type == "integer" else "数値"
    return DataValidation(
        type="whole" if q.type == "integer" else "decimal",
        operator=operator,
        formula1=f1,
        formula2=f2,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="入力できない値です",
        error=f"{_bounds(q, unit)} の{kind}を入力してください。",
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
    for number, row in enumerate(rows, start=2):
        q = row.question
        text = q.text if row.kind in (ANSWER, DERIVED, HEADING) else f"　・{row.label}"
        fixed = (row.key, row.section, text, how_to_answer(row))
        for column, value in enumerate(fixed, start=1):
            cell = _put(ws, number, column, value)
            cell.fill = _FIXED_FILL
        answer = _put(ws, number, 5, cell_value(row, answers))
        _put(ws, number, 6, _note(row))
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
        if row.kind == OPTION or q.type == "yes_no":
            key = "yes_no"
            formula = lists.range_for((YES, NO))
        elif row.kind == GRID_ROW or q.type == "single_choice":
            key = q.id
            formula = lists.range_for(tuple(c.label for c in q.choices))
        elif q.type in ("integer", "decimal", "percentage"):
            if (dv := _number_validation(q)) is not None:
                ws.add_data_validation(dv)
                dv.add(coordinate)
            continue
        elif q.type == "date":
            answer.number_format = "yyyy-mm-dd"
            continue
        else:
            answer.number_format = "@"
            continue
        answer.number_format = "@"
        if key not in validations:
            validations[key] = _list_validation(formula)
            ws.add_data_validation(validations[key])
        validations[key].add(coordinate)


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
