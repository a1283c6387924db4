"""A database busy with another write (issue 10, item 8), with real lock contention: a second
connection holds a write lock on the response while the page is saved. A lock longer than the
lock timeout gives the Japanese "busy" page with the typed input shown again (nothing saved)
well before gunicorn would kill the worker; a short one is waited out. Error pages render
without the database."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from dx_assess import create_app
from dx_assess.config import DEFAULT_LOCK_TIMEOUT_MS
from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import SurveyRound, User
from dx_assess.models.base import is_busy
from tests.support import Browser
from tests.support.answering import stored, url
from tests.web.answering.page_form import form_fields, with_typed

LOCK_TIMEOUT_MS = 400


def locked() -> OperationalError:
    return OperationalError("UPDATE response", {}, sqlite3.OperationalError("database is locked"))


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_busy_errors_are_recognised() -> None:
    assert is_busy(locked())
    for state in ("40001", "40P01", "55P03", "57014"):  # … lock_timeout, statement_timeout
        assert is_busy(OperationalError("UPDATE", {}, _PgError(state)))
    assert not is_busy(OperationalError("SELECT", {}, _PgError("42P01")))
    assert not is_busy(OperationalError("SELECT", {}, sqlite3.OperationalError("no such table")))
    assert not is_busy(ValueError("database is locked"))


def test_timeouts_are_set_below_the_workers_timeout(app: Flask) -> None:
    """gunicorn kills a sync worker after 30 s: three lock waits must end well before."""
    assert DEFAULT_LOCK_TIMEOUT_MS * 3 < 30_000 * 0.6
    with app.app_context(), db.engine.connect() as conn:
        if db.engine.dialect.name == "postgresql":
            assert conn.execute(text("SHOW lock_timeout")).scalar_one() == "5s"
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "20s"
        else:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 5000


@pytest.fixture
def quick_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """The same database, served with a short lock timeout (the session app keeps 5 s)."""
    quick = create_app(
        {
            "DX_ENV": "testing",
            "DATABASE_URL": database_url,
            "DX_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "DX_DB_LOCK_TIMEOUT_MS": LOCK_TIMEOUT_MS,
        }
    )
    yield quick
    with quick.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def write_lock_on_the_responses(release_after: float) -> Iterator[None]:
    """Another connection writes to the response rows and keeps its transaction open (on
    SQLite that holds the database's write lock, on PostgreSQL the rows' locks) until
    ``release_after`` seconds have passed or the block ends."""
    conn = db.engine.connect()
    conn.execute(text("UPDATE response SET version = version"))
    done = threading.Lock()

    def release() -> None:
        with done:
            if not conn.closed:
                conn.rollback()
                conn.close()

    timer = threading.Timer(release_after, release)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        release()


@pytest.fixture
def page_after_a_first_save(
    quick_app: Flask, survey_round: SurveyRound, people: dict[str, User]
) -> tuple[Browser, str]:
    browser = Browser(quick_app)
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    first = form_fields(browser.get(page).get_data(as_text=True))
    assert browser.post(page, with_typed(first, basic_staff="3")).status_code == 302
    return browser, page


def test_a_lock_longer_than_the_timeout_gives_the_busy_page_with_the_typed_input(
    page_after_a_first_save: tuple[Browser, str], questionnaire: Questionnaire
) -> None:
    browser, page = page_after_a_first_save
    typed = with_typed(form_fields(browser.get(page).get_data(as_text=True)), basic_staff="4")
    typed = with_typed(typed, basic_department="企画課 情報係")
    started = time.monotonic()
    with write_lock_on_the_responses(release_after=8):
        response = browser.post(page, typed)
        elapsed = time.monotonic() - started
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert elapsed < 5, elapsed  # three waits of 0.4 s, not the lock's 8 s
    assert "データベースが混み合っているため、まだ保存していません" in html
    assert 'value="企画課 情報係"' in html  # the typed input is on the page again
    assert 'value="4"' in html
    assert stored(questionnaire) == {"basic_staff": 3}
    # the page shown again saves what was typed once the lock is gone
    again = browser.post(page, form_fields(html))
    assert again.status_code == 302
    assert stored(questionnaire) == {"basic_staff": 4, "basic_department": "企画課 情報係"}


def test_a_lock_shorter_than_the_timeout_is_waited_out(
    app: Flask, survey_round: SurveyRound, people: dict[str, User], questionnaire: Questionnaire
) -> None:
    browser = Browser(app)  # the normal 5 s lock timeout
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    first = form_fields(browser.get(page).get_data(as_text=True))
    assert browser.post(page, with_typed(first, basic_staff="3")).status_code == 302
    typed = with_typed(form_fields(browser.get(page).get_data(as_text=True)), basic_staff="5")
    with write_lock_on_the_responses(release_after=0.5):
        response = browser.post(page, typed)
    assert response.status_code == 302
    assert stored(questionnaire) == {"basic_staff": 5}


@pytest.mark.parametrize(
    "unreachable",
    ["sqlite:////nonexistent-folder/dx.sqlite3", "postgresql://postgres@127.0.0.1:1/none"],
)
def test_an_error_page_renders_without_the_database(unreachable: str, app: Flask) -> None:
    broken = create_app({"DX_ENV": "testing", "DATABASE_URL": unreachable})
    broken.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page answers
    client = broken.test_client()
    with client.session_transaction() as session:  # a signed-in user: the header needs them
        session["_user_id"] = "1:0"
        session["_fresh"] = True
    response: Any = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "システムエラーが発生しました" in html
    assert "Internal Server Error" not in html
    with broken.app_context():
        db.engine.dispose()


def test_the_timeouts_are_settings(tmp_path: Any) -> None:
    from dx_assess.config import ConfigError, build_config

    def engine_options(**values: object) -> dict[str, Any]:
        config = build_config(tmp_path, {}, {}, {"DX_ENV": "testing", **values})
        return dict(config["SQLALCHEMY_ENGINE_OPTIONS"])

    pg = engine_options(
        DATABASE_URL="postgresql://dx@db/dx",
        DX_DB_LOCK_TIMEOUT_MS="2500",
        DX_DB_STATEMENT_TIMEOUT_MS=15000,
    )
    assert pg["connect_args"] == {"options": "-c lock_timeout=2500 -c statement_timeout=15000"}
    assert pg["pool_pre_ping"] is True
    assert engine_options()["connect_args"] == {"timeout": 5.0}  # SQLite, seconds
    with pytest.raises(ConfigError, match="DX_DB_LOCK_TIMEOUT_MS"):
        engine_options(DX_DB_LOCK_TIMEOUT_MS="soon")
