"""A database busy with another write (SQLite's "database is locked") is retried, and if it
stays busy the user gets a plain Japanese page, never a 500 and never half an answer."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from support import Browser
from test_pages import form_data, stored, url

from dx_assess.models import SurveyRound, User
from dx_assess.models.base import is_busy
from dx_assess.questionnaire import Questionnaire
from dx_assess.survey import views


def locked() -> OperationalError:
    return OperationalError("UPDATE response", {}, sqlite3.OperationalError("database is locked"))


class _PgError(Exception):
    sqlstate = "40001"


def test_busy_errors_are_recognised() -> None:
    assert is_busy(locked())
    assert is_busy(OperationalError("UPDATE", {}, _PgError("could not serialize access")))
    assert not is_busy(OperationalError("SELECT", {}, sqlite3.OperationalError("no such table")))
    assert not is_busy(ValueError("database is locked"))


@pytest.fixture
def saved_once(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> str:
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    first = browser.post(page, {"base_version": "0", **form_data({"basic_staff": "3"})})
    assert first.status_code == 302
    return page


def test_a_save_that_meets_a_busy_database_is_tried_again(
    browser: Browser,
    saved_once: str,
    questionnaire: Questionnaire,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = views.save_answers
    calls: list[int] = []

    def busy_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise locked()
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "save_answers", busy_once)
    response = browser.post(saved_once, {"base_version": "1", **form_data({"basic_staff": "4"})})
    assert response.status_code == 302
    assert len(calls) == 2
    assert stored(questionnaire) == {"basic_staff": 4}


def test_a_database_that_stays_busy_gives_a_plain_page_and_saves_nothing(
    browser: Browser,
    saved_once: str,
    questionnaire: Questionnaire,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def always_busy(*args: Any, **kwargs: Any) -> Any:
        raise locked()

    monkeypatch.setattr(views, "save_answers", always_busy)
    response = browser.post(saved_once, {"base_version": "1", **form_data({"basic_staff": "4"})})
    assert response.status_code == 503
    assert "混み合っているため保存できませんでした" in response.get_data(as_text=True)
    assert stored(questionnaire) == {"basic_staff": 3}
