"""Two first saves at once (issue 10, item 2): both create the municipality's response, with real
threads on the test database; neither may fail and neither input may be lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from flask import Flask
from sqlalchemy import event, func, select

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import Response, SurveyRound, User
from tests.support import Browser
from tests.support.answering import stored, url
from tests.web.answering.page_form import form_fields, with_typed


@contextmanager
def meet_before_creating_the_response(parties: int) -> Iterator[threading.Barrier]:
    """Hold every thread that is about to insert the response until all of them are there,
    so that each has already looked for the response and found none."""
    barrier = threading.Barrier(parties, timeout=10)

    def hold(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO RESPONSE "):
            # a thread that comes alone (after a retry) has nothing to meet
            with suppress(threading.BrokenBarrierError):
                barrier.wait()

    event.listen(db.engine, "before_cursor_execute", hold)
    try:
        yield barrier
    finally:
        event.remove(db.engine, "before_cursor_execute", hold)


def test_two_first_saves_at_once_both_succeed(
    app: Flask, survey_round: SurveyRound, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    page = url(survey_round, "/sections/basic")
    colleagues = []
    for login, typed in (("yamada", {"basic_staff": "40"}), ("sato", {"basic_population": "1229"})):
        browser = Browser(app)
        browser.login(login)
        colleagues.append(
            (browser, with_typed(form_fields(browser.get(page).get_data(as_text=True)), **typed))
        )
    statuses: list[int] = []

    def first_save(browser: Browser, data: dict[str, list[str]]) -> None:
        statuses.append(browser.post(page, data).status_code)

    with meet_before_creating_the_response(2):
        threads = [threading.Thread(target=first_save, args=c) for c in colleagues]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert statuses == [302, 302]
    assert stored(questionnaire) == {"basic_staff": 40, "basic_population": 1229}
    assert db.session.scalar(select(func.count(Response.id))) == 1
