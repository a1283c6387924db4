"""Text answers (issue 10, item 12): characters that can hide or spoof text are refused with
a Japanese message beside the field, the same rule for the form, Excel and every other path
(the question type's normaliser); characters the report font lacks are accepted with a warning
that the PDF prints them as 〓."""

from __future__ import annotations

import io

import openpyxl
import pytest

from dx_assess.core.excel.workbook import UploadError, WorkbookMeta, export_workbook, parse_workbook
from dx_assess.core.questionnaire import (
    AnswerError,
    Questionnaire,
    load_questionnaire,
    normalize_answer,
)
from dx_assess.extensions import db
from dx_assess.models import Channel, Response, User
from dx_assess.services.responses import current_answers
from dx_assess.services.saving import save_answers
from tests.support.paths import REPO

FY2025 = REPO / "questionnaires" / "dx-maturity" / "fy2025.yaml"
SHORT = "basic_department"  # short_text, at most 100 characters


@pytest.fixture(scope="module")
def q2025() -> Questionnaire:
    return load_questionnaire(FY2025)


def long_text_id(q: Questionnaire) -> str:
    return next(x.id for x in q.questions if x.type == "long_text" and x.show_when is None)


REFUSED = [
    ("総務課\x00情報係", 4, "U+0000"),  # NUL
    ("総務課\u202e係報情", 4, "U+202E"),  # right-to-left override
    ("総務課\u2067情報係", 4, "U+2067"),  # right-to-left isolate
    ("総務課\x1b[31m", 4, "U+001B"),  # escape (terminal colours)
    ("総務課\x85情報係", 4, "U+0085"),  # a C1 control (next line)
    ("総務課\u2028情報係", 4, "U+2028"),  # line separator
    ("総務課\ud800", 4, "U+D800"),  # an unpaired surrogate (possible from JSON)
]


@pytest.mark.parametrize(("text", "position", "code"), REFUSED)
def test_control_and_direction_characters_are_refused(
    q2025: Questionnaire, text: str, position: int, code: str
) -> None:
    for qid in (SHORT, long_text_id(q2025)):
        with pytest.raises(AnswerError) as caught:
            normalize_answer(q2025.question(qid), text)
        message = caught.value.message
        assert f"{position}文字目" in message, message
        assert code in message, message
        assert "入力できない文字" in message


@pytest.mark.parametrize(
    "text",
    [
        "総務課\t情報係",  # a tab pasted from a spreadsheet
        "😀 👨‍👩‍👧",  # emoji, with the zero-width joiner of a family
        "髙橋・﨑山（㈱ほっかいどう）",
        "עברית ومرحبا",  # right-to-left scripts themselves are fine
    ],
)
def test_ordinary_text_is_kept_as_typed(q2025: Questionnaire, text: str) -> None:
    assert normalize_answer(q2025.question(SHORT), text) == text


def test_line_breaks_in_long_text_are_kept_and_carriage_returns_normalised(
    q2025: Questionnaire,
) -> None:
    question = q2025.question(long_text_id(q2025))
    assert normalize_answer(question, "1行目\r\n2行目\r3行目\n") == "1行目\n2行目\n3行目"


def test_the_form_path_refuses_with_a_message_beside_the_field(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    result = save_answers(
        db.session,
        response,
        questionnaire,
        {SHORT: "総務課\u202e係報情", "basic_population": "1000"},
        base_version=response.version,
        user=people["yamada"],
        channel=Channel.FORM,
    )
    assert result.status == "invalid"
    assert "U+202E" in result.errors[SHORT]
    db.session.rollback()
    assert current_answers(response, questionnaire) == {}  # nothing saved, not even the rest


def test_the_excel_path_refuses_naming_the_cell(q2025: Questionnaire) -> None:
    meta = WorkbookMeta(q2025.key, q2025.version, 2025, "011002", "札幌市", 1)
    book = openpyxl.load_workbook(io.BytesIO(export_workbook(q2025, meta, {})))
    for row in book["回答"].iter_rows(min_row=2):
        if row[0].value == SHORT:
            row[4].value = "総務課\u202e係報情"
            number = row[0].row
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(UploadError) as caught:
        parse_workbook(out.getvalue(), q2025, municipality_code="011002")
    (problem,) = caught.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("回答", number, "E")
    assert "U+202E" in problem.message


def test_characters_the_report_font_lacks_are_saved_with_a_warning(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    result = save_answers(
        db.session,
        response,
        questionnaire,
        {SHORT: "𠮷野家😀支店 髙橋"},
        base_version=response.version,
        user=people["yamada"],
        channel=Channel.FORM,
    )
    assert result.status == "saved"
    db.session.commit()
    assert current_answers(response, questionnaire)[SHORT] == "𠮷野家😀支店 髙橋"  # kept as typed
    (warning,) = [w for w in result.warnings if w.question_id == SHORT]
    assert "〓" in warning.message
    assert "𠮷" in warning.message
    assert "😀" in warning.message
    assert "髙" not in warning.message  # in the font


def test_text_the_font_covers_gives_no_warning(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    result = save_answers(
        db.session,
        response,
        questionnaire,
        {SHORT: "総務課 情報政策係（髙橋）"},
        base_version=response.version,
        user=people["yamada"],
        channel=Channel.FORM,
    )
    assert result.status == "saved"
    assert [w for w in result.warnings if w.question_id == SHORT] == []


def test_a_text_stored_before_the_rule_still_shows(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    from dx_assess.models import Answer

    response.answers.append(Answer(question_id=SHORT, value="旧\u202eデータ"))
    db.session.commit()
    db.session.expire_all()
    assert current_answers(response, questionnaire) == {SHORT: "旧\u202eデータ"}


def test_the_precomputed_character_set_is_the_fonts_own() -> None:
    from dx_assess.core.reports.glyphs import font_charset
    from dx_assess.core.reports.text import covered

    assert font_charset() == covered()


def test_uploaded_file_names_in_the_audit_reason_are_cleaned() -> None:
    from dx_assess.services.staged import file_name

    assert file_name("C:\\Users\\x\\回答\u3000占冠村\u202eslx.xlsx", "upload.xlsx") == (
        "回答\u3000占冠村slx.xlsx"
    )
    assert file_name("\x00\x1b", "upload.xlsx") == "upload.xlsx"
    assert file_name("a/b/" + "長" * 300 + ".csv", "x.csv") == "長" * 200
