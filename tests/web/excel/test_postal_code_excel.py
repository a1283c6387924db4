"""The postal_code type in the Excel round trip: a text cell with a length validation, read
back in the forms people type (or paste as a number), refused with its row otherwise."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from dx_assess.core.excel.workbook import UploadError, WorkbookMeta, export_workbook, parse_workbook
from dx_assess.core.questionnaire import Questionnaire, load_questionnaire
from tests.support.fixture_files import POSTAL_TEST

CODE = "011002"
NOW = dt.datetime(2025, 6, 2, 9, 30, tzinfo=dt.UTC)
KEY = "office_postal_code"


@pytest.fixture(scope="module")
def postal() -> Questionnaire:
    return load_questionnaire(POSTAL_TEST)


def export(q: Questionnaire, answers: dict[str, object]) -> bytes:
    meta = WorkbookMeta(q.key, q.version, q.fiscal_year, CODE, "札幌市", 3)
    return export_workbook(q, meta, answers, now=NOW)  # type: ignore[arg-type]


def answer_sheet(data: bytes) -> tuple[openpyxl.Workbook, Worksheet, int]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["回答"]
    assert isinstance(ws, Worksheet)
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == KEY)
    return wb, ws, row


def typed(data: bytes, value: object) -> bytes:
    wb, ws, row = answer_sheet(data)
    ws.cell(row=row, column=5).value = value
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_cell_is_text_with_a_length_validation(postal: Questionnaire) -> None:
    _wb, ws, row = answer_sheet(export(postal, {KEY: "060-8588"}))
    cell = ws.cell(row=row, column=5)
    assert (cell.value, cell.data_type, cell.number_format) == ("060-8588", "s", "@")
    assert ws.cell(row=row, column=4).value == "郵便番号（7 桁の数字。例: 060-8588 や 0608588）"
    rules = [dv for dv in ws.data_validations.dataValidation if f"E{row}" in str(dv.sqref)]
    assert [(dv.type, dv.operator, dv.formula1, dv.formula2) for dv in rules] == [
        ("textLength", "between", "7", "8")
    ]
    assert rules[0].error == "郵便番号は 7 桁の数字で、060-8588 か 0608588 の形で入力してください。"


@pytest.mark.parametrize(
    "value",
    [
        "060-8588",
        "0608588",
        "０６０－８５８８",
        608588,  # pasted as a number: Excel dropped the leading zero
        608588.0,
    ],
)
def test_typed_forms_come_back_normalised(postal: Questionnaire, value: object) -> None:
    data = typed(export(postal, {}), value)
    upload = parse_workbook(data, postal, municipality_code=CODE)
    assert upload.posted[KEY] == "060-8588"


def test_the_round_trip_keeps_the_answer(postal: Questionnaire) -> None:
    upload = parse_workbook(export(postal, {KEY: "060-8588"}), postal, municipality_code=CODE)
    assert upload.posted == {KEY: "060-8588", "office_department": None, "office_has_plan": None}


def test_a_wrong_postal_code_is_refused_with_its_row(postal: Questionnaire) -> None:
    data = typed(export(postal, {}), "060-85")
    row = answer_sheet(data)[2]
    with pytest.raises(UploadError) as caught:
        parse_workbook(data, postal, municipality_code=CODE)
    assert [str(p) for p in caught.value.problems] == [
        f"シート「回答」 {row}行目 E列 [{KEY}]: "
        "郵便番号は 7 桁の数字で、060-8588 か 0608588 の形で入力してください（入力: 060-85）。"
    ]
