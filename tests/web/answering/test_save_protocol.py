"""The save protocol (issue 10, items 1, 3 and 5): a page says, per answer, the value it showed;
the server writes an answer only when the user changed it, and decides conflicts from what it
holds, never from the version number the page last heard of."""

from __future__ import annotations

import json
import threading

from sqlalchemy import event, select, text

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import AnswerChange, EventKind, Response, ResponseEvent, SurveyRound, User
from tests.support import Browser
from tests.support.answering import stored, two_colleagues, url
from tests.web.answering.page_form import form_fields, with_typed

FETCH = {"X-Requested-With": "fetch"}


def open_page(browser: Browser, page: str) -> dict[str, list[str]]:
    response = browser.get(page)
    assert response.status_code == 200
    return form_fields(response.get_data(as_text=True))


def test_an_autosave_after_a_merge_never_writes_back_the_value_the_page_showed(
    app: object, survey_round: SurveyRound, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    """The issue's example: B saves 職員数 = 55 while A's page shows 40; A types in another
    field and autosaves twice. The page's script once posted the whole form with the newest
    version number, so the second autosave stored 40 again without a conflict."""
    a, b = two_colleagues(app)
    page = url(survey_round, "/sections/basic")
    first = open_page(a, page)
    assert a.post(page, with_typed(first, basic_staff="40")).status_code == 302
    a_page = open_page(a, page)  # A's page shows 40
    assert a_page["q_basic_staff"] == ["40"]
    assert b.post(page, with_typed(open_page(b, page), basic_staff="55")).status_code == 302

    typed = with_typed(a_page, basic_department="総務課")
    reply = a.post(page, typed, headers=FETCH)
    assert reply.status_code == 200
    assert reply.get_json()["status"] == "saved"
    assert stored(questionnaire)["basic_staff"] == 55
    # A script that takes the new version and knows what it saved itself, but keeps the
    # other fields as loaded (職員数 still shows 40), must not overwrite B's answer either.
    typed = with_typed(
        {
            **a_page,
            "base_version": [str(reply.get_json()["version"])],
            "shown-q_basic_department": [json.dumps("総務課")],
        },
        basic_department="総務課 情報係",
    )
    reply = a.post(page, typed, headers=FETCH)
    assert reply.get_json()["status"] == "saved"
    assert stored(questionnaire) == {"basic_staff": 55, "basic_department": "総務課 情報係"}
    staff_rows = db.session.scalars(
        select(AnswerChange.new_value)
        .where(AnswerChange.question_id == "basic_staff")
        .order_by(AnswerChange.id)
    )
    assert list(staff_rows) == [40, 55]


def test_the_reply_reports_the_answers_now_stored_so_the_page_can_update(
    app: object, survey_round: SurveyRound, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    a, b = two_colleagues(app)
    page = url(survey_round, "/sections/basic")
    a_page = open_page(a, page)
    assert b.post(page, with_typed(open_page(b, page), basic_staff="55")).status_code == 302
    reply = a.post(page, with_typed(a_page, basic_department="総務課"), headers=FETCH)
    answers = reply.get_json()["answers"]
    assert answers["basic_staff"] == {"shown": "55", "fields": {"q_basic_staff": ["55"]}}
    assert json.loads(answers["basic_department"]["shown"]) == "総務課"
    assert answers["basic_population"] == {"shown": "null", "fields": {"q_basic_population": []}}


def test_a_changed_answer_whose_shown_value_is_no_longer_stored_is_a_conflict(
    app: object, survey_round: SurveyRound, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    a, b = two_colleagues(app)
    page = url(survey_round, "/sections/basic")
    assert a.post(page, with_typed(open_page(a, page), basic_population="1000")).status_code == 302
    a_page = open_page(a, page)
    assert b.post(page, with_typed(open_page(b, page), basic_population="1100")).status_code == 302
    # however new the version the page names, the population it showed (1,000) is stale
    posted = with_typed(
        {**a_page, "base_version": ["2"]}, basic_population="1200", basic_staff="30"
    )
    reply = a.post(page, posted, headers=FETCH)
    assert reply.status_code == 409
    assert reply.get_json()["conflicts"] == ["basic_population"]
    assert stored(questionnaire) == {"basic_population": 1100}
    html = a.post(page, posted).get_data(as_text=True)  # the same without JavaScript
    assert "同時に編集された回答があります" in html
    assert stored(questionnaire) == {"basic_population": 1100}


def test_a_shown_value_sent_back_is_compared_never_stored(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    fields = open_page(browser, page)
    assert browser.post(page, with_typed(fields, basic_population="1000")).status_code == 302
    forged = {**open_page(browser, page), "shown-q_basic_staff": ["9999"]}
    assert browser.post(page, forged).status_code == 302
    assert stored(questionnaire) == {"basic_population": 1000}


def test_a_shown_value_nested_too_deep_to_read_is_judged_by_the_version(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    """A shown value the server cannot read (JSON nested thousands deep) is no 500: the save
    is judged by the version the page showed, as for any other unreadable shown value."""
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    forged = {**open_page(browser, page), "shown-q_basic_staff": ["[" * 3000]}
    assert browser.post(page, with_typed(forged, basic_staff="30")).status_code == 302
    assert stored(questionnaire) == {"basic_staff": 30}


def test_a_save_that_keeps_losing_the_race_shows_the_typed_page_again(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    """Another writer bumps the response between this request's read and its write, every
    time (a real second connection, not a mock): the page comes back with what was typed."""
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    assert (
        browser.post(page, with_typed(open_page(browser, page), basic_staff="3")).status_code == 302
    )
    typed = with_typed(open_page(browser, page), basic_staff="4", basic_department="企画課")

    busy = threading.Lock()

    def interfere(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("UPDATE RESPONSE SET VERSION") and busy.acquire(
            blocking=False
        ):
            with db.engine.connect() as other:
                other.execute(text("UPDATE response SET version = version + 1"))
                other.commit()
            busy.release()

    event.listen(db.engine, "before_cursor_execute", interfere)
    try:
        response = browser.post(page, typed)
    finally:
        event.remove(db.engine, "before_cursor_execute", interfere)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'value="企画課"' in html  # what was typed is still on the page
    assert 'value="4"' in html
    assert "まだ保存していません" in html
    assert stored(questionnaire) == {"basic_staff": 3}


def prefilled(
    browser: Browser, people: dict[str, User], survey_round: SurveyRound
) -> tuple[Questionnaire, str]:
    from dx_assess.services.rounds import round_questionnaire
    from tests.support.answers import respond
    from tests.web.answering.survey_fixtures import make_round

    earlier = make_round(2024, "2024.1", people["pref"])
    respond(
        earlier,
        "014630",
        {"basic_department": "総務課", "basic_staff": "40", "basic_it_staff": "2"},
    )
    browser.login("yamada")
    overview = url(survey_round)
    assert browser.post(url(survey_round, "/prefill"), form_page=overview).status_code == 302
    return round_questionnaire(survey_round), url(survey_round, "/sections/basic")


def carried() -> set[str]:
    db.session.expire_all()
    response = db.session.scalar(
        select(Response).where(Response.round_id.isnot(None)).order_by(Response.id.desc())
    )
    assert response is not None
    return {a.question_id for a in response.answers if a.carried_over}


def confirmations() -> list[str | None]:
    return list(
        db.session.scalars(
            select(ResponseEvent.reason).where(ResponseEvent.kind == EventKind.CONFIRMED)
        )
    )


def test_saving_one_answer_does_not_confirm_the_carried_over_ones(
    browser: Browser, survey_round: SurveyRound, people: dict[str, User]
) -> None:
    _questionnaire, page = prefilled(browser, people, survey_round)
    assert carried() == {"basic_department", "basic_staff", "basic_it_staff"}
    fields = open_page(browser, page)
    assert browser.post(page, with_typed(fields, basic_population="1229")).status_code == 302
    assert carried() == {"basic_department", "basic_staff", "basic_it_staff"}
    assert confirmations() == []
    reply = browser.post(
        page, with_typed(open_page(browser, page), basic_answer_date="2025-06-01"), headers=FETCH
    )
    assert reply.get_json()["status"] == "saved"
    assert carried() == {"basic_department", "basic_staff", "basic_it_staff"}
    assert confirmations() == []


def test_carried_over_answers_are_confirmed_by_an_explicit_act(
    browser: Browser, survey_round: SurveyRound, people: dict[str, User]
) -> None:
    _questionnaire, page = prefilled(browser, people, survey_round)
    html = browser.get(page).get_data(as_text=True)
    assert "この内容で確認しました" in html
    # changing a carried-over answer is confirming it
    assert browser.post(page, with_typed(form_fields(html), basic_staff="42")).status_code == 302
    assert carried() == {"basic_department", "basic_it_staff"}
    fields = {**open_page(browser, page), "action": ["confirm"]}
    assert browser.post(page, fields).status_code == 302
    assert carried() == set()
    assert confirmations() == ["basic_department、basic_it_staff"]
