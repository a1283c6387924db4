"""The postal_code type in the exports: as text everywhere (the leading zero kept), with its
Japanese type name; no number."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from dx_assess.core.dashboards import export_columns, export_frames, export_wide, exports
from dx_assess.core.questionnaire import check_answers, load_questionnaire
from dx_assess.core.results import ResponseInput, RoundResults
from dx_assess.core.scoring import score_response
from tests.support.fixture_files import POSTAL_TEST
from tests.support.rounds import round_of


@pytest.fixture(scope="module")
def results() -> RoundResults:
    q = load_questionnaire(POSTAL_TEST)
    answers, issues = check_answers(
        q, {"office_postal_code": "０６０８５８８", "office_has_plan": "yes"}
    )
    assert issues == []
    when = dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC)
    responses = {"900001": ResponseInput("submitted", 1, answers, when)}
    return round_of(q, responses, {"900001": score_response(q, answers)})


def test_the_answers_frame_holds_the_code_as_text(results: RoundResults) -> None:
    frame = export_frames.answers_frame(results)
    row = frame[frame["question_id"] == "office_postal_code"]
    assert row["value"].item() == "060-8588"
    assert row["value_code"].item() == "060-8588"
    assert row["value_number"].isna().item()
    assert export_columns.present(row)["回答方法"].item() == "郵便番号"


def test_the_csv_keeps_the_leading_zero(results: RoundResults) -> None:
    text = exports.to_csv(export_frames.answers_frame(results)).decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text)))
    postal = next(r for r in records if r["設問ID"] == "office_postal_code")
    assert postal["回答"] == "060-8588"
    wide = exports.to_csv(export_wide.wide_frame(results)).decode("utf-8-sig")
    header, line = list(csv.reader(io.StringIO(wide)))[:2]
    assert line[header.index("問1-1 担当部署の郵便番号")] == "060-8588"


def test_the_workbook_cell_is_text(results: RoundResults) -> None:
    data = exports.to_xlsx({exports.SHEET_NAMES["wide"]: export_wide.wide_frame(results)}, [])
    ws = openpyxl.load_workbook(io.BytesIO(data))[exports.SHEET_NAMES["wide"]]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("問1-1 担当部署の郵便番号") + 1)
    assert (cell.value, cell.data_type) == ("060-8588", "s")
