"""The round a page opens by default (issue 15): the open round, else the latest with
responses; never next year's round created but not yet open. A round not yet open shows its
opening day; 「回答する」 goes to the first page not finished.

Rounds of the world: 令和7年度 (2025.1) opened yesterday, 占冠村 has answered in it;
令和8年度 (2026.1) created to open on 5月7日 of next year (no responses: it cannot be answered).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from dx_assess.core.vocabulary import wareki
from dx_assess.extensions import db
from dx_assess.models import SurveyRound
from dx_assess.services.rounds import close_round, round_questionnaire
from tests.support import Browser
from tests.support.answers import (
    current_and_upcoming,
    open_test_round,
    respond,
    sample_value,
    support,
)
from tests.support.people import one_per_role

TOWN = "014630"  # 占冠村


@pytest.fixture
def rounds(
    registry: None, make_user: Callable[..., object], assign: Callable[[object, list[str]], None]
) -> tuple[SurveyRound, SurveyRound]:
    return current_and_upcoming(make_user, assign, TOWN)


def page(browser: Browser, path: str) -> str:
    response = browser.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def notice(day: dt.date) -> str:
    return f"この調査回は {wareki(day)} から回答できます。"


@pytest.mark.parametrize("closed", [False, True], ids=["current open", "current closed"])
def test_advisers_reports_and_regions_open_the_round_with_responses(
    browser: Browser, rounds: tuple[SurveyRound, SurveyRound], closed: bool
) -> None:
    current, upcoming = rounds
    if closed:
        close_round(db.session, current)
        db.session.commit()
    browser.login("adv")
    home = page(browser, "/")
    assert f"{current.title}の回答状況と結果を示します。" in home
    assert notice(upcoming.opens_on) not in home
    # the empty round stays reachable, and says when it opens
    chosen = page(browser, f"/?round={upcoming.id}")
    assert f"{upcoming.title}の回答状況と結果を示します。" in chosen
    assert notice(upcoming.opens_on) in chosen
    assert f"{upcoming.opens_on.month}月7日" in notice(upcoming.opens_on)

    reports = page(browser, "/reports")
    assert f"<h2>{current.title}</h2>" in reports
    later = page(browser, f"/reports?round={upcoming.id}")
    assert f"<h2>{upcoming.title}</h2>" in later
    assert notice(upcoming.opens_on) in later

    browser.post("/logout", form_page="/")
    browser.login("pref")
    regions = browser.get("/regions")
    assert regions.status_code == 302
    assert regions.headers["Location"] == f"/rounds/{current.id}/regions"
    assert notice(upcoming.opens_on) in page(browser, f"/rounds/{upcoming.id}/regions")


def test_an_open_round_without_responses_is_the_default(
    browser: Browser,
    registry: None,
    make_user: Callable[..., object],
    assign: Callable[[object, list[str]], None],
) -> None:
    one_per_role(make_user, assign, TOWN)
    support([TOWN])
    db.session.commit()
    last_year = open_test_round(2025, "2025.1")
    respond(last_year, TOWN, {"basic_department": "総務課"})
    close_round(db.session, last_year)
    db.session.commit()
    this_year = open_test_round(2026, "2026.1")  # open since yesterday
    browser.login("adv")
    assert f"{this_year.title}の回答状況と結果を示します。" in page(browser, "/")
    browser.post("/logout", form_page="/")
    browser.login("pref")
    assert browser.get("/regions").headers["Location"] == f"/rounds/{this_year.id}/regions"


def test_the_municipal_home_lists_the_coming_round_apart(
    browser: Browser, rounds: tuple[SurveyRound, SurveyRound]
) -> None:
    current, upcoming = rounds
    close_round(db.session, current)
    db.session.commit()
    browser.login("muni")
    home = page(browser, "/")
    coming = home[home.index('id="upcoming-heading"') :]
    coming = coming[: coming.index("</section>")]
    assert upcoming.title in coming
    assert notice(upcoming.opens_on) in coming
    past = home[home.index("これまでの調査") :]
    past = past[: past.index("</section>")]
    assert current.title in past
    assert upcoming.title not in past


def test_answer_goes_to_the_first_unfinished_page(
    browser: Browser, rounds: tuple[SurveyRound, SurveyRound]
) -> None:
    current, _upcoming = rounds
    q = round_questionnaire(current)
    first, second = q.sections[0], q.sections[1]
    base = f"/rounds/{current.id}/responses/{TOWN}/sections/"
    browser.login("muni")
    # only 担当部署 answered: the first page is not finished
    assert f'href="{base}{first.id}"' in page(browser, "/")
    # every question of the first page answered: the button leads to the second page
    respond(current, TOWN, {x.id: sample_value(x) for x in first.questions if not x.derived})
    assert f'href="{base}{second.id}"' in page(browser, "/")


def test_the_overview_of_a_round_not_yet_open_says_when_it_opens(
    browser: Browser, rounds: tuple[SurveyRound, SurveyRound]
) -> None:
    _current, upcoming = rounds
    browser.login("muni")
    overview = page(browser, f"/rounds/{upcoming.id}/responses/{TOWN}")
    assert notice(upcoming.opens_on) in overview
