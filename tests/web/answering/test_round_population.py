"""Who answers a round: every municipality (the default when opening one) or the programme."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import Municipality, SurveyRound, User
from dx_assess.services.rounds import RoundError, open_round, population_label, today
from dx_assess.services.versions import DEFAULT_ROOT
from tests.support import Browser
from tests.support.answers import open_test_round
from tests.web.answering.survey_fixtures import OTHER_TOWN


def test_opening_defaults_to_every_municipality(browser: Browser, people: dict[str, User]) -> None:
    browser.login(people["pref"].login)
    page = browser.get("/rounds").get_data(as_text=True)
    assert '<option selected value="all">全道の全市町村（179市町村）</option>' in page
    start = today().isoformat()
    response = browser.post(
        "/rounds",
        {
            "fiscal_year": "2026",
            "questionnaire": "dx-maturity:2026.1",
            "population": "all",
            "opens_on": start,
            "closes_on": start,
        },
        form_page="/rounds",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    created = db.session.scalar(select(SurveyRound).where(SurveyRound.fiscal_year == 2026))
    assert created is not None
    assert created.population == "all"
    assert population_label(created) == "全道の全市町村（179市町村）"


def test_an_unknown_population_is_refused(people: dict[str, User]) -> None:
    with pytest.raises(RoundError, match="回答する市町村の範囲"):
        open_round(
            db.session,
            DEFAULT_ROOT,
            fiscal_year=2026,
            key="dx-maturity",
            version="2026.1",
            opens_on=today(),
            closes_on=today(),
            actor=None,
            population="some",
        )


@pytest.mark.parametrize(("population", "status"), [("all", 200), ("programme", 404)])
def test_a_town_outside_the_programme_answers_only_a_round_for_all(
    browser: Browser,
    people: dict[str, User],
    make_user: Callable[..., User],
    population: str,
    status: int,
) -> None:
    town = db.session.scalar(select(Municipality).where(Municipality.code == OTHER_TOWN))
    assert town is not None
    assert not town.supported
    make_user("municipal", OTHER_TOWN, login="hakodate")
    survey_round = open_test_round(2025, "2025.1", population=population)
    browser.login("hakodate")
    response = browser.get(f"/rounds/{survey_round.id}/responses/{OTHER_TOWN}")
    assert response.status_code == status


def test_dates_must_lie_in_the_fiscal_year(browser: Browser, people: dict[str, User]) -> None:
    browser.login(people["pref"].login)
    response = browser.post(
        "/rounds",
        {
            "fiscal_year": "2025",
            "questionnaire": "dx-maturity:2025.1",
            "population": "all",
            "opens_on": "2026-04-01",
            "closes_on": "2026-05-31",
        },
        form_page="/rounds",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "開始日は令和7年度（令和7年4月1日〜令和8年3月31日）の中の日付にしてください。" in page
    assert db.session.scalar(select(SurveyRound).where(SurveyRound.fiscal_year == 2025)) is None


def test_wareki() -> None:
    import datetime as dt

    from dx_assess.core.vocabulary import wareki

    assert wareki(dt.date(2026, 12, 1)) == "令和8年12月1日"
    assert wareki(dt.date(2019, 5, 1)) == "令和元年5月1日"


def test_pages_show_round_dates_in_wareki(browser: Browser, people: dict[str, User]) -> None:
    """The rounds list and a round's page show 和暦 (令和8年12月1日), not ISO dates."""
    import datetime as dt

    survey_round = open_test_round(2026, "2026.1", population="all")
    browser.login(people["pref"].login)
    listing = browser.get("/rounds").get_data(as_text=True)
    first, last = survey_round.opens_on, survey_round.closes_on

    def reiwa(d: dt.date) -> str:
        return f"令和{d.year - 2018}年{d.month}月{d.day}日"

    assert f"{reiwa(first)} 〜 {reiwa(last)}" in listing
    assert f"{first.isoformat()} 〜" not in listing
    page = browser.get(f"/rounds/{survey_round.id}").get_data(as_text=True)
    assert f"締切日: {reiwa(last)}" in page
