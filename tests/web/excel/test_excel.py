"""Excel round trip (issue 4 item 7): download, fill, upload, preview; broken uploads.

Pure tests: no Flask, no database. The workbook is read and edited with openpyxl the way a
person would edit it in Excel (values typed into column E, labels picked from the lists).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from dx_assess.core.excel import container as excel_container
from dx_assess.core.excel.export import GRID_ROW, OPTION, sheet_rows
from dx_assess.core.excel.workbook import (
    ParsedUpload,
    PreviewRow,
    UploadError,
    UploadProblem,
    WorkbookMeta,
    display_value,
    export_workbook,
    parse_workbook,
    preview_changes,
)
from dx_assess.core.questionnaire import (
    Question,
    Questionnaire,
    load_bytes,
    load_questionnaire,
    normalize_answer,
)
from dx_assess.core.questionnaire.model import AnswerValue
from tests.support.paths import REPO
from tests.support.purity import forbidden_loaded

DX_MATURITY = REPO / "questionnaires" / "dx-maturity"
NOW = dt.datetime(2025, 6, 2, 9, 30, tzinfo=dt.UTC)
CODE = "011002"
SHEET = "シート「回答」"
EXCEL_DATE = dt.datetime(2025, 6, 1)  # noqa: DTZ001 - Excel dates have no time zone
DOWNLOAD = "回答の画面からダウンロードした Excel ファイルを使ってください。"


# ---------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def q2025() -> Questionnaire:
    return load_questionnaire(DX_MATURITY / "fy2025.yaml")


@pytest.fixture(scope="module")
def q2024() -> Questionnaire:
    return load_questionnaire(DX_MATURITY / "fy2024.yaml")


def meta_for(questionnaire: Questionnaire, **changes: object) -> WorkbookMeta:
    values: dict[str, object] = {
        "questionnaire_key": questionnaire.key,
        "questionnaire_version": questionnaire.version,
        "fiscal_year": questionnaire.fiscal_year,
        "municipality_code": CODE,
        "municipality_name": "札幌市",
        "response_version": 7,
    }
    values.update(changes)
    return WorkbookMeta(**values)  # type: ignore[arg-type]


def sample_answer(q: Question, n: int) -> AnswerValue | None:
    """A valid answer for any question type (varied by ``n``); None for derived questions."""
    if q.derived:
        return None
    if q.type == "yes_no":
        return n % 2 == 0
    if q.type == "single_choice":
        return q.choices[n % len(q.choices)].value
    if q.type == "multiple_choice":
        return tuple(c.value for c in q.choices if not c.exclusive)[: 1 + n % 3]
    if q.type == "status_grid":
        return {r.id: q.choices[i % len(q.choices)].value for i, r in enumerate(q.rows)}
    if q.type == "integer":
        low = int(q.min or 0)
        return min(low + 3 + n, int(q.max)) if q.max is not None else low + 1000 + n
    if q.type in ("decimal", "percentage"):
        return 12.5 if q.decimals != 0 else 13.0
    if q.type == "date":
        return dt.date(2025, 6, 1)
    if q.type == "short_text":
        return f"総務課 情報政策係 {n}"
    if q.type == "long_text":
        return f"1行目の文章です（{n}）。\n2行目には「記号」や , ; = も入ります。"
    raise AssertionError(q.type)


def complete_answers(questionnaire: Questionnaire) -> dict[str, AnswerValue]:
    out: dict[str, AnswerValue] = {}
    for n, q in enumerate(questionnaire.questions):
        value = sample_answer(q, n)
        if value is not None:
            out[q.id] = value
    return out


def export(
    questionnaire: Questionnaire, answers: Mapping[str, AnswerValue] | None = None, **meta: object
) -> bytes:
    return export_workbook(questionnaire, meta_for(questionnaire, **meta), answers or {}, now=NOW)


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def save(wb: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def sheet(wb: openpyxl.Workbook, name: str = "回答") -> Worksheet:
    ws = wb[name]
    assert isinstance(ws, Worksheet)
    return ws


def row_of(ws: Worksheet, key: str) -> int:
    """The row whose column A holds ``key``."""
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == key:
            return row
    raise KeyError(key)


def fill(data: bytes, values: Mapping[str, Any]) -> bytes:
    """Type values into column E (key: the id in column A; (value, format) sets a format)."""
    wb = load(data)
    ws = sheet(wb)
    for key, value in values.items():
        cell = ws.cell(row=row_of(ws, key), column=5)
        if isinstance(value, tuple):
            cell.value, cell.number_format = value
        else:
            cell.value = value
    return save(wb)


def rows_of(data: bytes, *keys: str) -> list[int]:
    ws = sheet(load(data))
    return [row_of(ws, k) for k in keys]


def problems_of(data: bytes, questionnaire: Questionnaire, **kwargs: object) -> list[str]:
    """Parse must fail; the problems as text."""
    with pytest.raises(UploadError) as caught:
        parse_workbook(data, questionnaire, municipality_code=CODE, **kwargs)  # type: ignore[arg-type]
    assert caught.value.problems, "an UploadError always lists its problems"
    return [str(p) for p in caught.value.problems]


def normalized(questionnaire: Questionnaire, values: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for qid, raw in values.items():
        value = normalize_answer(questionnaire.question(qid), raw)
        out[qid] = dict(value) if isinstance(value, Mapping) else value
    return out


def rezip(
    data: bytes,
    *,
    add: Mapping[str, bytes] = {},
    replace: Mapping[str, bytes] = {},
    drop: tuple[str, ...] = (),
) -> bytes:
    """A copy of an .xlsx package with parts added, replaced or dropped."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name, body in add.items():
            dst.writestr(name, body)
    return out.getvalue()


# ---------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("version", ["fy2024", "fy2025"])
def test_round_trip_gives_back_the_same_answers(version: str) -> None:
    questionnaire = load_questionnaire(DX_MATURITY / f"{version}.yaml")
    answers = complete_answers(questionnaire)
    types = {questionnaire.question(qid).type for qid in answers}
    assert {"status_grid", "multiple_choice", "date", "decimal", "percentage"} <= types

    parsed = parse_workbook(export(questionnaire, answers), questionnaire, municipality_code=CODE)

    answerable = [q.id for q in questionnaire.questions if not q.derived]
    assert sorted(parsed.posted) == sorted(answerable)
    assert normalized(questionnaire, parsed.posted) == normalized(questionnaire, answers)
    assert parsed.meta == meta_for(questionnaire)


def test_round_trip_without_answers_gives_none_everywhere(q2025: Questionnaire) -> None:
    parsed = parse_workbook(export(q2025), q2025, municipality_code=CODE)
    assert parsed.posted == {q.id: None for q in q2025.questions if not q.derived}


def test_posted_values_are_plain_json_values_that_normalize_accepts(q2025: Questionnaire) -> None:
    parsed = parse_workbook(export(q2025, complete_answers(q2025)), q2025, municipality_code=CODE)
    posted = parsed.posted
    assert posted["basic_answer_date"] == "2025-06-01"
    assert isinstance(posted["std_vendor_agreed"], bool)
    assert isinstance(posted["mnc_uses"], list)
    assert isinstance(posted["std_status"], dict)
    assert isinstance(posted["basic_population"], int)


def test_text_that_looks_like_a_formula_stays_text(q2025: Questionnaire) -> None:
    answers: dict[str, AnswerValue] = {
        "basic_department": "=総務課",
        "std_issues": "=SUM(A1:A3) と書いた資料\n2行目",
    }
    data = export(q2025, answers)
    ws = sheet(load(data))
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    parsed = parse_workbook(data, q2025, municipality_code=CODE)
    assert parsed.posted["basic_department"] == "=総務課"
    assert parsed.posted["std_issues"] == "=SUM(A1:A3) と書いた資料\n2行目"


def test_long_labels_beyond_the_255_character_list_limit_work() -> None:
    labels = [f"選択肢{i} " + "とても長い説明の文章" * 10 for i in range(4)]
    choices = "\n".join(
        f"          - {{value: c{i}, label: {label}, score: {i / 4}}}"
        for i, label in enumerate(labels)
    )
    text = f"""\
format: 1
key: test-xlsx
version: "2025.1"
fiscal_year: 2025
title: テスト調査票
levels:
  - {{level: 1, min: 0, label: L1}}
  - {{level: 2, min: 20, label: L2}}
  - {{level: 3, min: 40, label: L3}}
  - {{level: 4, min: 60, label: L4}}
  - {{level: 5, min: 80, label: L5}}
pillars:
  - {{id: p1, title: 柱1, weight: 1}}
sections:
  - id: s1
    title: セクション1
    pillar: p1
    questions:
      - id: long_choice
        type: single_choice
        text: 長い選択肢の設問
        choices:
{choices}
        scoring: {{method: choice}}
"""
    questionnaire = load_bytes(text.encode(), "test.yaml")
    assert sum(len(label) for label in labels) > 255
    data = export(questionnaire, {"long_choice": "c2"})
    wb = load(data)
    ws = sheet(wb)
    (dv,) = [v for v in ws.data_validations.dataValidation if "E2" in v.sqref]
    assert dv.type == "list"
    assert len(dv.formula1) < 255
    assert ws["E2"].value == labels[2]
    assert [c.value for c in sheet(wb, "_lists")["A"]] == labels

    filled = fill(data, {"long_choice": labels[3]})
    parsed = parse_workbook(filled, questionnaire, municipality_code=CODE)
    assert parsed.posted == {"long_choice": "c3"}


# ---------------------------------------------------------------------------- filling in


def test_values_typed_like_a_person_are_read(q2025: Questionnaire) -> None:
    filled = fill(
        export(q2025),
        {
            "basic_department": 123,  # a number typed into a text cell
            "basic_answer_date": EXCEL_DATE,  # an Excel date
            "basic_population": 12345,  # an Excel number
            "basic_staff": "1,234人",  # text with a separator and the unit
            "basic_it_staff": "２．５",  # full-width digits
            "std_status:juki": "移行完了",  # a label from the drop-down
            "std_status:koseki": "on_schedule",  # the internal value is accepted too
            "std_status:inkan": " 未着手 ",
            "std_gov_cloud": "利用を始めている",
            "std_vendor_agreed": "はい",
            "std_cost_estimate": "いいえ",
            "std_issues": "1行目\r\n2行目",
            "mnc_cards_held": 7000.0,  # Excel stores every number as a float
            "mnc_holding_rate": 999,  # computed: ignored
            "mnc_uses:library": "はい",
            "mnc_uses:shelter": "はい",
            "mnc_uses:points": "いいえ",
            "onl_usage_rate": (0.455, "0.0%"),  # "45.5%" typed in Excel is stored as 0.455
            "gov_training_rate": "30",
        },
    )
    parsed = parse_workbook(filled, q2025, municipality_code=CODE)
    answered = {k: v for k, v in parsed.posted.items() if v is not None}
    assert answered == {
        "basic_department": "123",
        "basic_answer_date": "2025-06-01",
        "basic_population": 12345,
        "basic_staff": 1234,
        "basic_it_staff": 2.5,
        "std_status": {"juki": "completed", "koseki": "on_schedule", "inkan": "not_started"},
        "std_gov_cloud": "using",
        "std_vendor_agreed": True,
        "std_cost_estimate": False,
        "std_issues": "1行目\n2行目",
        "mnc_cards_held": 7000,
        "mnc_uses": ["library", "shelter"],
        "onl_usage_rate": 45.5,
        "gov_training_rate": 30.0,
    }
    assert "mnc_holding_rate" not in parsed.posted


@pytest.mark.parametrize(
    "typed",
    [EXCEL_DATE, "2025-06-01", "2025/6/1", "2025年6月1日", "２０２５／６／１"],
)
def test_dates_as_excel_dates_or_text(q2025: Questionnaire, typed: object) -> None:
    parsed = parse_workbook(
        fill(export(q2025), {"basic_answer_date": typed}), q2025, municipality_code=CODE
    )
    assert parsed.posted["basic_answer_date"] == "2025-06-01"


@pytest.mark.parametrize(
    ("marks", "expected"),
    [
        (("はい", "いいえ", None), ["window_id"]),
        (("○", "×", ""), ["window_id"]),
        ((True, False, None), ["window_id"]),
        (("yes", "はい", "ｙｅｓ"), ["window_id", "library", "shelter"]),
        (("いいえ", None, "いいえ"), None),
    ],
)
def test_multiple_choice_marks(
    q2025: Questionnaire, marks: tuple[object, ...], expected: list[str] | None
) -> None:
    keys = ("mnc_uses:window_id", "mnc_uses:library", "mnc_uses:shelter")
    filled = fill(export(q2025), dict(zip(keys, marks, strict=True)))
    parsed = parse_workbook(filled, q2025, municipality_code=CODE)
    assert parsed.posted["mnc_uses"] == expected


def test_clearing_cells_clears_answers(q2025: Questionnaire) -> None:
    data = export(q2025, complete_answers(q2025))
    keys = ["basic_population", "std_gov_cloud"]
    keys += [f"std_status:{r.id}" for r in q2025.question("std_status").rows]
    keys += [f"mnc_uses:{c.value}" for c in q2025.question("mnc_uses").choices]
    parsed = parse_workbook(fill(data, dict.fromkeys(keys)), q2025, municipality_code=CODE)
    for qid in ("basic_population", "std_gov_cloud", "std_status", "mnc_uses"):
        assert parsed.posted[qid] is None


def test_an_older_response_version_is_not_an_error(q2025: Questionnaire) -> None:
    parsed = parse_workbook(export(q2025, response_version=2), q2025, municipality_code=CODE)
    assert parsed.meta.response_version == 2  # the web layer passes it on as base_version


# ---------------------------------------------------------------------------- the workbook


def test_workbook_sheets_and_instructions(q2025: Questionnaire) -> None:
    wb = load(export(q2025, response_version=12))
    assert wb.sheetnames == ["説明", "回答", "_lists", "_meta"]
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible", "visible", "hidden", "hidden"]
    assert wb.active is not None
    assert wb.active.title == "説明"
    info = sheet(wb, "説明")
    text = "\n".join(str(v) for row in info.iter_rows(values_only=True) for v in row if v)
    for expected in (
        "札幌市（市町村コード 011002）",
        "ドロップダウンリスト",
        "A〜D列（灰色）",
        "数式（= で始まる式）は使えません",
        "「Excel ブック（*.xlsx）」",
        "std_status:juki",
        "mnc_uses:library",
        "2025-06-02 18:30（日本時間）",
    ):
        assert expected in text
    identity = {row[0]: row[1] for row in info.iter_rows(values_only=True) if row[0]}
    assert identity["調査票キー"] == "dx-maturity"
    assert identity["調査票の版"] == "2025.1"
    assert identity["市町村コード"] == "011002"
    assert identity["市町村名"] == "札幌市"
    assert identity["回答の版（ダウンロード時点）"] == "12"
    meta = {row[0]: row[1] for row in sheet(wb, "_meta").iter_rows(values_only=True)}
    assert meta["municipality_code"] == "011002"
    assert meta["response_version"] == "12"


def test_answer_sheet_layout(q2025: Questionnaire) -> None:
    wb = load(export(q2025, complete_answers(q2025)))
    ws = sheet(wb)
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["設問ID", "分野", "設問", "回答方法", "回答", "補足"]
    rows = sheet_rows(q2025)
    assert [ws.cell(row=n, column=1).value for n in range(2, len(rows) + 2)] == [
        r.key for r in rows
    ]
    assert ws.max_row == len(rows) + 1
    population = row_of(ws, "basic_population")
    assert ws.cell(row=population, column=2).value == "基本情報"
    assert ws.cell(row=population, column=4).value == "【必須】整数（単位: 人、1人 以上）"
    grey = {ws.cell(row=population, column=c).fill.fgColor.rgb for c in range(1, 5)}
    assert grey == {"00EDEDED"}
    assert ws.cell(row=population, column=5).fill.fgColor.rgb == "00FFFDE7"
    assert all((ws.column_dimensions[c].width or 0) >= 16 for c in "ABCDEF")
    derived = row_of(ws, "mnc_holding_rate")
    assert ws.cell(row=derived, column=5).fill.fgColor.rgb == "00BFBFBF"
    assert str(ws.cell(row=derived, column=6).value).startswith("自動計算")
    answers = complete_answers(q2025)
    rate = answers["mnc_cards_held"] / answers["basic_population"] * 100  # type: ignore[operator]
    assert ws.cell(row=derived, column=5).value == pytest.approx(round(rate, 1))
    assert ws.cell(row=row_of(ws, "std_status:juki"), column=3).value == "\u3000・住民基本台帳"


def test_choice_cells_have_drop_down_lists_of_labels(q2025: Questionnaire) -> None:
    wb = load(export(q2025))
    ws, lists = sheet(wb), sheet(wb, "_lists")

    def labels_for(coordinate: str) -> list[str]:
        (dv,) = [v for v in ws.data_validations.dataValidation if coordinate in v.sqref]
        assert dv.type == "list"
        assert dv.showErrorMessage
        target = dv.formula1.split("!")[1].replace("$", "")
        assert dv.formula1.startswith("'_lists'!")
        return [c.value for row in lists[target] for c in row]

    checked = 0
    for n, spec in enumerate(sheet_rows(q2025), start=2):
        q = spec.question
        if spec.kind == OPTION or (spec.kind == "answer" and q.type == "yes_no"):
            assert labels_for(f"E{n}") == ["はい", "いいえ"]
        elif spec.kind == GRID_ROW or (spec.kind == "answer" and q.type == "single_choice"):
            assert labels_for(f"E{n}") == [c.label for c in q.choices]
        else:
            continue
        checked += 1
    assert checked > 100
    limits = [v for v in ws.data_validations.dataValidation if v.type == "whole"]
    childcare = f"E{row_of(ws, 'onl_childcare_count')}"
    (dv,) = [v for v in limits if childcare in v.sqref]
    assert (dv.operator, dv.formula1, dv.formula2) == ("between", "0", "26")


# ---------------------------------------------------------------------------- preview


def test_preview_lists_exactly_the_changed_questions(q2025: Questionnaire) -> None:
    current: dict[str, AnswerValue] = {
        "basic_population": 1000,
        "basic_answer_date": dt.date(2025, 4, 1),
        "std_status": {"juki": "completed", "koseki": "not_started"},
        "mnc_uses": ("library",),
        "std_vendor_agreed": True,
        "gov_cio": "mayor",
        "basic_it_staff": 2.5,
    }
    data = export(q2025, current)
    filled = fill(
        data,
        {
            "basic_population": "1,200",  # changed
            "basic_answer_date": "2025-04-01",  # the same date typed as text: unchanged
            "std_status:koseki": "移行完了",  # changed
            "mnc_uses:shelter": "はい",  # changed
            "std_vendor_agreed": "いいえ",  # changed
            "gov_cio": None,  # cleared
            "gov_plan": "作っていない",  # new
            "basic_it_staff": 2.50,  # unchanged
        },
    )
    rows = preview_changes(q2025, current, parse_workbook(filled, q2025, municipality_code=CODE))
    assert rows == [
        PreviewRow("basic_population", "住民基本台帳人口を教えてください。", "1,000人", "1,200人"),
        PreviewRow(
            "std_status",
            q2025.question("std_status").text,
            "住民基本台帳: 移行完了\n戸籍: 未着手",
            "住民基本台帳: 移行完了\n戸籍: 移行完了",
        ),
        PreviewRow("std_vendor_agreed", q2025.question("std_vendor_agreed").text, "はい", "いいえ"),
        PreviewRow(
            "mnc_uses",
            q2025.question("mnc_uses").text,
            "図書館の利用カード",
            "図書館の利用カード、避難所の受付",
        ),
        PreviewRow(
            "gov_cio", q2025.question("gov_cio").text, "首長が責任者になっている", "（未回答）"
        ),
        PreviewRow("gov_plan", q2025.question("gov_plan").text, "（未回答）", "作っていない"),
    ]


def test_preview_of_an_unchanged_file_is_empty(q2025: Questionnaire) -> None:
    answers = complete_answers(q2025)
    parsed = parse_workbook(export(q2025, answers), q2025, municipality_code=CODE)
    assert preview_changes(q2025, answers, parsed) == []


def test_display_value(q2025: Questionnaire) -> None:
    q = q2025.question
    assert display_value(q("basic_population"), None) == "（未回答）"
    assert display_value(q("std_vendor_agreed"), True) == "はい"
    assert display_value(q("std_vendor_agreed"), False) == "いいえ"
    assert display_value(q("gov_cio"), "deputy") == "副市町村長が責任者になっている"
    assert (
        display_value(q("mnc_uses"), ("library", "none"))
        == "図書館の利用カード、どれも行っていない"
    )
    assert display_value(q("basic_population"), 1234567) == "1,234,567人"
    assert display_value(q("basic_it_staff"), 2.5) == "2.5人"
    assert display_value(q("onl_usage_rate"), 45.5) == "45.5%"
    assert display_value(q("basic_answer_date"), dt.date(2025, 6, 1)) == "2025年6月1日"
    assert display_value(q("basic_department"), "総務課") == "総務課"
    grid = {"koseki": "delayed", "juki": "completed"}
    assert display_value(q("std_status"), grid) == (
        "住民基本台帳: 移行完了\n戸籍: 移行作業中（遅延・期限後にずれ込む見込み）"
    )


# ---------------------------------------------------------------------------- problems


def test_problem_text_and_error_summary() -> None:
    problem = UploadProblem(
        "回答", 12, "E", "basic_population", "数値を入力してください（入力: たくさん）。"
    )
    assert str(problem) == (
        "シート「回答」 12行目 E列 [basic_population]: 数値を入力してください（入力: たくさん）。"
    )
    assert str(UploadProblem(None, None, None, None, "ファイルが空です。")) == "ファイルが空です。"
    error = UploadError([problem])
    assert isinstance(error, ValueError)
    assert str(error).splitlines() == [
        "アップロードしたファイルに 1 件の問題があります。何も反映していません。",
        str(problem),
    ]


# The broken uploads. Each must raise (parse never returns a partial result) with a clear
# message; nothing can be applied because there is nothing to pass to save_answers.


def test_broken_not_an_excel_file(q2025: Questionnaire) -> None:
    assert problems_of(bytes(range(256)) * 8, q2025) == [
        "Excel ファイル（.xlsx）ではありません。" + DOWNLOAD
    ]


def test_broken_csv_file(q2025: Questionnaire) -> None:
    csv = "設問ID,回答\nbasic_population,1000\n".encode("cp932")
    assert problems_of(csv, q2025) == [
        "Excel ファイル（.xlsx）ではありません（CSV などの文字だけのファイルのようです）。"
        + DOWNLOAD
    ]


def test_broken_old_xls_or_encrypted_file(q2025: Questionnaire) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert problems_of(ole, q2025) == [
        "古い形式の Excel ファイル（.xls）か、パスワードで保護されたファイルは読み込めません。"
        "パスワードを外し、「Excel ブック（*.xlsx）」の形式で保存し直してください。"
    ]


def test_broken_zip_that_is_not_a_workbook(q2025: Questionnaire) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert problems_of(buffer.getvalue(), q2025) == [
        "Excel ファイル（.xlsx）ではありません。" + DOWNLOAD
    ]


def test_broken_workbook_parts(q2025: Questionnaire) -> None:
    data = rezip(export(q2025), replace={"xl/workbook.xml": b"<not really xml"})
    assert problems_of(data, q2025) == [
        "ファイルが壊れているため読み込めません（Excel ファイル .xlsx として開けません）。"
    ]


def test_broken_empty_file(q2025: Questionnaire) -> None:
    assert problems_of(b"", q2025) == ["ファイルが空です（0 バイト）。" + DOWNLOAD]


def test_broken_oversized_file(q2025: Questionnaire) -> None:
    data = export(q2025)
    size = -(-len(data) // 1024)
    assert problems_of(data, q2025, max_bytes=10_000) == [
        f"ファイルが大きすぎます（{size} KB）。10 KB 以下のファイルにしてください。"
    ]
    assert problems_of(b"x" * (6 * 1024 * 1024), q2025) == [
        "ファイルが大きすぎます（6.0 MB）。5.0 MB 以下のファイルにしてください。"
    ]


def test_broken_file_that_unpacks_too_large(
    q2025: Questionnaire, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(excel_container, "MAX_UNCOMPRESSED", 10_000)
    assert problems_of(export(q2025), q2025) == ["ファイルの中身が大きすぎます。" + DOWNLOAD]


def test_broken_xml_with_a_doctype(q2025: Questionnaire) -> None:
    data = export(q2025)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read("xl/worksheets/sheet2.xml")
    evil = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + body
    assert not body.startswith(b"<?xml")
    assert problems_of(rezip(data, replace={"xl/worksheets/sheet2.xml": evil}), q2025) == [
        "ファイルの中に読み込めない部分があります。" + DOWNLOAD
    ]


@pytest.mark.parametrize("how", ["vba_project", "content_type"])
def test_broken_macro_enabled_file(q2025: Questionnaire, how: str) -> None:
    data = export(q2025)
    if how == "vba_project":
        data = rezip(data, add={"xl/vbaProject.bin": b"\x00VBA"})
    else:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            types = archive.read("[Content_Types].xml")
        macro = types.replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
        assert macro != types
        data = rezip(data, replace={"[Content_Types].xml": macro})
    assert problems_of(data, q2025) == [
        "マクロを含むファイル（マクロ有効ブック .xlsm）は受け付けていません。"
        "「Excel ブック（*.xlsx）」の形式で保存し直してください。"
    ]


def test_broken_wrong_sheet(q2025: Questionnaire) -> None:
    wb = load(export(q2025))
    sheet(wb).title = "Sheet1"
    assert problems_of(save(wb), q2025) == [
        "シート「回答」: シート「回答」がありません（あるシート: 「説明」、「Sheet1」）。"
        "シートの名前を変えたり消したりしないでください。" + DOWNLOAD
    ]


def test_broken_identity_sheet_missing(q2025: Questionnaire) -> None:
    wb = load(export(q2025))
    del wb["_meta"]
    assert problems_of(save(wb), q2025) == [
        "シート「_meta」: ファイルの識別情報（非表示のシート「_meta」）がないか、壊れています。"
        "この調査票の回答用ファイルではないようです。" + DOWNLOAD
    ]


def test_broken_someone_elses_workbook(q2025: Questionnaire) -> None:
    wb = openpyxl.Workbook()
    sheet_one = wb.worksheets[0]
    sheet_one.title = "回答"
    sheet_one["A1"] = "設問ID"
    (problem,) = problems_of(save(wb), q2025)
    assert problem.startswith("シート「_meta」: ファイルの識別情報")


def test_broken_file_for_another_questionnaire_version(
    q2024: Questionnaire, q2025: Questionnaire
) -> None:
    assert problems_of(export(q2024), q2025) == [
        "このファイルは別の版の調査票（2024.1版）の回答用です。"
        f"いまの調査票（{q2025.title}、2025.1版）の回答の画面からダウンロードし直してください。"
    ]


def test_broken_file_of_another_municipality(q2025: Questionnaire) -> None:
    data = export(q2025, municipality_code="012041", municipality_name="旭川市")
    assert problems_of(data, q2025) == [
        "このファイルは別の市町村（旭川市、市町村コード 012041）の回答用です。"
        "この市町村（市町村コード 011002）の回答の画面から"
        "ダウンロードしたファイルを使ってください。"
    ]


def test_broken_file_of_another_fiscal_year(q2025: Questionnaire) -> None:
    assert problems_of(export(q2025, fiscal_year=2026), q2025, fiscal_year=2025) == [
        "このファイルは令和8年度（2026年度）の調査の回答用です。"
        "令和7年度の回答の画面からダウンロードし直してください。"
    ]


def test_broken_unknown_question_id(q2025: Questionnaire) -> None:
    wb = load(export(q2025))
    ws = sheet(wb)
    row = row_of(ws, "basic_staff")
    ws.cell(row=row, column=1).value = "basic_staff_total"
    assert problems_of(save(wb), q2025) == [
        f"{SHEET} {row}行目 A列: 調査票にない設問IDです（basic_staff_total）。"
        "A列の設問IDは変えないでください。"
    ]


def test_broken_duplicated_question_rows(q2025: Questionnaire) -> None:
    wb = load(export(q2025))
    ws = sheet(wb)
    first = row_of(ws, "basic_population")
    ws.append(["basic_population", "基本情報", "住民基本台帳人口", "", 5000, ""])
    assert problems_of(save(wb), q2025) == [
        f"{SHEET} {ws.max_row}行目 A列 [basic_population]: 設問ID「basic_population」の行が"
        f"重複しています（{first}行目と同じ）。どちらかの行を消してください。"
    ]


def test_broken_changed_header_row(q2025: Questionnaire) -> None:
    wb = load(export(q2025))
    sheet(wb).insert_cols(2)
    problems = problems_of(save(wb), q2025)
    assert problems[0] == (
        f"{SHEET} 1行目 B列: 見出しが「分野」ではありません（いまは「」）。"
        "列を追加・削除・入れ替えしないでください。"
    )
    assert len(problems) == 5


@pytest.mark.parametrize(
    ("key", "typed", "message"),
    [
        ("onl_childcare_count", 30, "26手続以下の値を入力してください（入力: 30）。"),
        ("basic_population", 0, "1人以上の値を入力してください（入力: 0）。"),
        ("onl_usage_rate", "120%", "100%以下の値を入力してください（入力: 120%）。"),
        ("basic_population", "たくさん", "数値を入力してください（入力: たくさん）。"),
        ("basic_population", 12.5, "整数を入力してください（入力: 12.5）。"),
        ("basic_it_staff", True, "数値を入力してください（入力: はい）。"),
        (
            "basic_answer_date",
            "2025-02-30",
            "日付は 2025-03-31 の形で入力してください（入力: 2025-02-30）。",
        ),
        ("basic_answer_date", "来月", "日付は 2025-03-31 の形で入力してください（入力: 来月）。"),
        ("gov_cio", "市長", "「市長」は選択肢にありません。▼ の一覧から選んでください。"),
        (
            "std_vendor_agreed",
            "たぶん",
            "「はい」か「いいえ」を選んでください（入力: たぶん）。▼ の一覧から選んでください。",
        ),
        (
            "std_status:juki",
            "完了",
            "「住民基本台帳」の状況「完了」は選択肢にありません。▼ の一覧から選んでください。",
        ),
        (
            "mnc_uses:library",
            "たぶん",
            "「図書館の利用カード」は「はい」か「いいえ」を選ぶか、"
            "空欄にしてください（入力: たぶん）。",
        ),
        ("basic_department", "あ" * 101, "100 文字以内で入力してください（いまは 101 文字）。"),
        ("basic_department", "1行目\n2行目", "改行を入れずに 1 行で入力してください。"),
        (
            "basic_population",
            "=1000+1",
            "数式は使えません（数式: =1000+1）。"
            "数式を消して値を入力するか、「値の貼り付け」で値だけを貼り付けてください。",
        ),
        (
            "std_status:juki",
            "=_lists!A1",
            "数式は使えません（数式: =_lists!A1）。"
            "数式を消して値を入力するか、「値の貼り付け」で値だけを貼り付けてください。",
        ),
        (
            "basic_population",
            "#N/A",
            "エラー値が入っています（入力: #N/A）。正しい値を入力してください。",
        ),
        (
            "std_status",
            "移行完了",
            "この行（設問の見出し）には入力しません。下の行ごとに入力してください。",
        ),
    ],
)
def test_broken_cell_values(q2025: Questionnaire, key: str, typed: object, message: str) -> None:
    data = fill(export(q2025, complete_answers(q2025)), {key: typed})
    (row,) = rows_of(data, key)
    qid = key.split(":")[0]
    assert problems_of(data, q2025) == [f"{SHEET} {row}行目 E列 [{qid}]: {message}"]


def test_broken_formula_cells_are_refused_even_when_they_compute_a_valid_value(
    q2025: Questionnaire,
) -> None:
    data = fill(
        export(q2025), {"basic_population": "=SUM(1000)", "gov_cio": '="首長が責任者になっている"'}
    )
    population, cio = rows_of(data, "basic_population", "gov_cio")
    problems = problems_of(data, q2025)
    assert [p.split(":")[0] for p in problems] == [
        f"{SHEET} {population}行目 E列 [basic_population]",
        f"{SHEET} {cio}行目 E列 [gov_cio]",
    ]
    assert all("数式は使えません" in p for p in problems)


def test_broken_exclusive_option_with_others(q2025: Questionnaire) -> None:
    data = fill(export(q2025), {"mnc_uses:library": "はい", "mnc_uses:none": "はい"})
    (row,) = rows_of(data, "mnc_uses:none")
    assert problems_of(data, q2025) == [
        f"{SHEET} {row}行目 E列 [mnc_uses]: "
        "「どれも行っていない」はほかの選択肢と一緒に選べません。"
    ]


def test_broken_deleted_grid_and_option_rows(q2025: Questionnaire) -> None:
    wb = load(export(q2025))
    ws = sheet(wb)
    ws.delete_rows(row_of(ws, "std_status:koseki"))
    ws.delete_rows(row_of(ws, "mnc_uses:shelter"))
    grid, uses = row_of(ws, "std_status"), row_of(ws, "mnc_uses")
    assert problems_of(save(wb), q2025) == [
        f"{SHEET} {grid}行目 A列 [std_status]: この設問の行が足りません（戸籍）。"
        "行を消さずに、ダウンロードしたときのままにしてください。",
        f"{SHEET} {uses}行目 A列 [mnc_uses]: この設問の行が足りません（避難所の受付）。"
        "行を消さずに、ダウンロードしたときのままにしてください。",
    ]


def test_broken_answer_in_a_row_without_id(q2025: Questionnaire) -> None:
    wb = load(export(q2025))
    ws = sheet(wb)
    ws.cell(row=ws.max_row + 2, column=5).value = "はい"
    row = ws.max_row
    assert problems_of(save(wb), q2025) == [
        f"{SHEET} {row}行目 A列: 設問IDが空欄の行に回答があります。"
        "行を追加せず、設問IDのある行に入力してください。"
    ]


def test_broken_answer_sheet_without_question_rows(q2025: Questionnaire) -> None:
    wb = load(export(q2025))
    ws = sheet(wb)
    ws.delete_rows(2, ws.max_row)
    assert problems_of(save(wb), q2025) == [
        f"{SHEET}: シート「回答」に設問の行がありません。" + DOWNLOAD
    ]


def test_deleting_a_whole_question_leaves_it_out(q2025: Questionnaire) -> None:
    wb = load(export(q2025))
    ws = sheet(wb)
    ws.delete_rows(row_of(ws, "basic_staff"))
    parsed = parse_workbook(save(wb), q2025, municipality_code=CODE)
    assert "basic_staff" not in parsed.posted
    assert "basic_population" in parsed.posted


def test_several_problems_are_all_reported_in_sheet_order(q2025: Questionnaire) -> None:
    wb = load(export(q2025, complete_answers(q2025)))
    ws = sheet(wb)
    population, cio, date = (
        row_of(ws, k) for k in ("basic_population", "gov_cio", "basic_answer_date")
    )
    ws.cell(row=population, column=5).value = "たくさん"
    ws.cell(row=cio, column=5).value = "=A1"
    ws.cell(row=date, column=5).value = "2025-13-01"
    unknown = row_of(ws, "mnc_konbini")
    ws.cell(row=unknown, column=1).value = "mnc_conbini"
    with pytest.raises(UploadError) as caught:
        parse_workbook(save(wb), q2025, municipality_code=CODE)
    problems = caught.value.problems
    assert [(p.row, p.column, p.question_id) for p in problems] == [
        (date, "E", "basic_answer_date"),
        (population, "E", "basic_population"),
        (unknown, "A", None),
        (cio, "E", "gov_cio"),
    ]
    assert all(p.sheet == "回答" for p in problems)
    assert str(caught.value).startswith("アップロードしたファイルに 4 件の問題があります。")


def test_parse_result_type(q2025: Questionnaire) -> None:
    parsed = parse_workbook(export(q2025), q2025, municipality_code=CODE)
    assert isinstance(parsed, ParsedUpload)


def test_module_is_pure() -> None:
    assert forbidden_loaded("import dx_assess.core.excel.workbook") == []


def test_question_texts_carry_their_question_numbers(q2025: Questionnaire) -> None:
    """Column C starts with the 問番号 of the web pages: 住民基本台帳人口 is the third question
    of the first section (問1-3); options and grid rows keep their 「・」 label."""
    ws = sheet(load(export(q2025)))
    texts = {row[0]: row[2] for row in ws.iter_rows(min_row=2, values_only=True) if row[0]}
    assert str(texts["basic_population"]).startswith("問1-3 住民基本台帳人口")
    assert str(texts["mnc_holding_rate"]).startswith("問3-2 マイナンバーカード保有率")
    assert str(texts["std_status"]).startswith("問2-1 ")
    assert str(texts["std_status:juki"]).startswith("　・")
