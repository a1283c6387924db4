"""Closing a round asks for confirmation; a round's deadline can be moved and a closed round
reopened until a new date."""

from __future__ import annotations

import datetime as dt

import pytest

from dx_assess.core.vocabulary import today
from dx_assess.extensions import db
from dx_assess.models import SurveyRound, User
from dx_assess.services.rounds import round_state
from tests.support import Browser


@pytest.fixture
def prefecture(browser: Browser, people: dict[str, User]) -> Browser:
    browser.login(people["pref"].login)
    return browser


def state(survey_round: SurveyRound) -> str:
    db.session.expire_all()
    return round_state(survey_round).code


def test_closing_needs_the_confirmation_ticked(
    prefecture: Browser, survey_round: SurveyRound
) -> None:
    page = f"/rounds/{survey_round.id}"
    response = prefecture.post(f"{page}/close", {}, form_page=page)
    assert response.status_code == 422
    assert "締め切る前に、確認の欄にチェックを入れてください。" in response.get_data(as_text=True)
    assert state(survey_round) == "open"

    response = prefecture.post(f"{page}/close", {"confirm": "y"}, form_page=page)
    assert response.status_code == 302
    assert state(survey_round) == "closed"


def test_a_closed_round_reopens_until_a_new_date(
    prefecture: Browser, survey_round: SurveyRound
) -> None:
    page = f"/rounds/{survey_round.id}"
    prefecture.post(f"{page}/close", {"confirm": "y"}, form_page=page)
    assert state(survey_round) == "closed"
    assert "この日まで再開する" in prefecture.get(page).get_data(as_text=True)

    new_date = today() + dt.timedelta(days=14)
    response = prefecture.post(
        f"{page}/schedule", {"closes_on": new_date.isoformat()}, form_page=page
    )
    assert response.status_code == 302
    assert state(survey_round) == "open"
    assert survey_round.closes_on == new_date


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "締切日を入力してください。"),
        ("来週", "日付は 2025-06-30 の形で入力してください。"),
        ("2001-01-01", "締切日は今日以降の日付にしてください。"),
    ],
    ids=["empty", "words", "past"],
)
def test_a_bad_closing_date_is_refused_beside_the_field(
    prefecture: Browser, survey_round: SurveyRound, value: str, message: str
) -> None:
    page = f"/rounds/{survey_round.id}"
    before = survey_round.closes_on
    response = prefecture.post(f"{page}/schedule", {"closes_on": value}, form_page=page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    db.session.expire_all()
    assert survey_round.closes_on == before


def test_a_deadline_far_beyond_the_fiscal_year_is_refused_beside_the_field(
    prefecture: Browser, survey_round: SurveyRound
) -> None:
    """A round reopens at the latest until the end of the following fiscal year."""
    page = f"/rounds/{survey_round.id}"
    fy = survey_round.fiscal_year
    last = dt.date(fy + 2, 3, 31)
    response = prefecture.post(
        f"{page}/schedule",
        {"closes_on": (last + dt.timedelta(days=1)).isoformat()},
        form_page=page,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    reiwa_fy = fy - 2018
    expected = f"令和{reiwa_fy}年度の調査回の締切日は、令和{reiwa_fy + 2}年3月31日までの日付に"
    assert expected + "してください。" in html
    assert 'aria-invalid="true"' in html
