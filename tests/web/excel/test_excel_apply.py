"""Applying an uploaded Excel file: only what the server staged, against the current answers
(issue 10, item 4). Driven through the pages like a browser without JavaScript."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import select

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import AnswerChange, Channel, SurveyRound, User
from tests.support import Browser
from tests.support.uploads import answers_of, hidden_fields, town_saves
from tests.web.answering.survey_fixtures import TOWN


def url(survey_round: SurveyRound, rest: str = "") -> str:
    return f"/rounds/{survey_round.id}/responses/{TOWN}{rest}"


def filled(browser: Browser, survey_round: SurveyRound, answers: dict[str, object]) -> bytes:
    """Download the response's workbook and type ``answers`` into column E."""
    download = browser.get(url(survey_round, "/export.xlsx"))
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(download.data))
    for row in book["回答"].iter_rows(min_row=2):
        if row[0].value in answers:
            row[4].value = answers[row[0].value]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def preview(browser: Browser, survey_round: SurveyRound, data: bytes) -> tuple[str, dict[str, str]]:
    response = browser.post(
        url(survey_round, "/import"),
        {"file": (io.BytesIO(data), "filled.xlsx")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:1000]
    return html, hidden_fields(html, url(survey_round, "/import/apply"))


def apply(browser: Browser, survey_round: SurveyRound, fields: dict[str, str], **extra: str):  # type: ignore[no-untyped-def]
    return browser.post(
        url(survey_round, "/import/apply"),
        {**fields, "confirm": "y", **extra},
        form_page=url(survey_round, "/import"),
    )


def excel_changes() -> list[AnswerChange]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(AnswerChange).where(AnswerChange.channel == Channel.EXCEL))
    )


@pytest.fixture
def yamada(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> Browser:
    town_saves(survey_round, TOWN, questionnaire, people["yamada"], {"basic_population": "1000"})
    browser.login("yamada")
    return browser


def test_apply_writes_what_the_preview_showed(
    yamada: Browser, survey_round: SurveyRound, questionnaire: Questionnaire
) -> None:
    _html, fields = preview(yamada, survey_round, filled(yamada, survey_round, {"basic_staff": 25}))
    assert apply(yamada, survey_round, fields).status_code == 302
    assert answers_of(survey_round, TOWN, questionnaire) == {
        "basic_population": 1000,
        "basic_staff": 25,
    }
    (change,) = excel_changes()
    assert change.reason is not None
    assert change.reason.startswith("Excelファイル「filled.xlsx」から")


def test_an_answer_saved_after_the_preview_is_shown_and_kept(
    yamada: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    data = filled(yamada, survey_round, {"basic_staff": 25})
    _html, fields = preview(yamada, survey_round, data)
    town_saves(survey_round, TOWN, questionnaire, people["sato"], {"basic_population": "1300"})

    result = apply(yamada, survey_round, fields)
    text = result.get_data(as_text=True)
    assert result.status_code == 409, text[:500]
    assert "確認の画面を表示した後に変更された回答があります" in text
    assert answers_of(survey_round, TOWN, questionnaire) == {"basic_population": 1300}
    assert excel_changes() == []
    # The page shown is the new preview: the colleague's 1,300 stays, the file's staff applies.
    assert "画面の回答をそのまま残します" in text
    again = apply(yamada, survey_round, hidden_fields(text, url(survey_round, "/import/apply")))
    assert again.status_code == 302
    assert answers_of(survey_round, TOWN, questionnaire) == {
        "basic_population": 1300,
        "basic_staff": 25,
    }


def test_a_crafted_post_cannot_choose_the_answers_or_the_reason(
    yamada: Browser, survey_round: SurveyRound, questionnaire: Questionnaire
) -> None:
    _html, fields = preview(yamada, survey_round, filled(yamada, survey_round, {"basic_staff": 25}))
    forged = {
        "posted": '{"basic_population": 99999, "basic_staff": 25}',
        "base_version": "99",
        "source_name": "forged.xlsx",
    }
    assert apply(yamada, survey_round, {**fields, **forged}).status_code == 302
    assert answers_of(survey_round, TOWN, questionnaire) == {
        "basic_population": 1000,
        "basic_staff": 25,
    }
    assert all("forged" not in (c.reason or "") for c in excel_changes())


def test_answers_without_a_staged_upload_are_refused(
    yamada: Browser, survey_round: SurveyRound, questionnaire: Questionnaire
) -> None:
    forged = {"posted": '{"basic_population": 99999}', "base_version": "1", "source_name": "x"}
    result = apply(yamada, survey_round, forged)
    assert result.status_code == 302
    assert answers_of(survey_round, TOWN, questionnaire) == {"basic_population": 1000}
    assert "もう一度アップロードしてください" in yamada.get(result.headers["Location"]).get_data(
        as_text=True
    )


def test_a_staged_upload_is_applied_at_most_once(
    yamada: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    _html, fields = preview(yamada, survey_round, filled(yamada, survey_round, {"basic_staff": 25}))
    assert apply(yamada, survey_round, fields).status_code == 302
    town_saves(survey_round, TOWN, questionnaire, people["sato"], {"basic_staff": "30"})
    again = apply(yamada, survey_round, fields)
    assert again.status_code == 302
    assert "すでに反映しました" in yamada.get(again.headers["Location"]).get_data(as_text=True)
    assert answers_of(survey_round, TOWN, questionnaire)["basic_staff"] == 30
    assert len(excel_changes()) == 1


def test_without_the_confirmation_the_preview_stays(
    yamada: Browser, survey_round: SurveyRound, questionnaire: Questionnaire
) -> None:
    """Issue 16: clicking 反映する without ticking the box used to throw the preview away."""
    _html, fields = preview(yamada, survey_round, filled(yamada, survey_round, {"basic_staff": 25}))
    result = yamada.post(
        url(survey_round, "/import/apply"), fields, form_page=url(survey_round, "/import")
    )
    text = result.get_data(as_text=True)
    assert result.status_code == 422
    assert "変わる回答（1問）" in text
    assert "確認の欄にチェックを入れてください" in text
    assert answers_of(survey_round, TOWN, questionnaire) == {"basic_population": 1000}
    again = apply(yamada, survey_round, hidden_fields(text, url(survey_round, "/import/apply")))
    assert again.status_code == 302
    assert answers_of(survey_round, TOWN, questionnaire)["basic_staff"] == 25


def test_both_changed_since_the_download_is_a_conflict_shown_before_applying(
    yamada: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    data = filled(yamada, survey_round, {"basic_population": 1500})
    town_saves(survey_round, TOWN, questionnaire, people["sato"], {"basic_population": "1300"})
    response = yamada.post(
        url(survey_round, "/import"),
        {"file": (io.BytesIO(data), "filled.xlsx")},
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert "ダウンロードした後に画面でも変更されています" in text
    assert url(survey_round, "/import/apply") not in text  # nothing to apply
    assert answers_of(survey_round, TOWN, questionnaire) == {"basic_population": 1300}
