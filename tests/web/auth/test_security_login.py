"""Log-in throttling, log-out that ends the session on the server, and the security log
(issue 11, security)."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import SecurityEvent, SecurityEventKind, User
from tests.support import Browser
from tests.support.people import account_form

THROTTLED = "しばらくログインできません"


def kinds(login: str | None = None) -> list[str]:
    query = select(SecurityEvent.kind).order_by(SecurityEvent.id)
    if login is not None:
        query = query.where(SecurityEvent.login == login)
    db.session.expire_all()
    return [k.value for k in db.session.scalars(query)]


# ---------------------------------------------------------------------------- throttling


def test_fifty_wrong_passwords_lock_the_account_even_for_the_right_one(
    browser: Browser, make_user: Callable[..., object], caplog: pytest.LogCaptureFixture
) -> None:
    """Defaults: 10 failed log-ins per account in 15 minutes."""
    make_user("prefecture", login="pref")
    token = browser.csrf_token()
    statuses = [
        browser.request(
            "POST", "/login", data={"login": "pref", "password": f"wrong-{i}", "csrf_token": token}
        ).status_code
        for i in range(50)
    ]
    assert statuses == [401] * 10 + [429] * 40
    with caplog.at_level(logging.WARNING, logger="dx_assess.security"):
        response = browser.login("pref")  # the right password: refused as well
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert THROTTLED in html
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 15 * 60
    # the page says the same wait in whole minutes (15 right after the tenth failure)
    assert f"約{math.ceil(wait / 60)}分たってから" in html
    assert "正しいパスワードでもログインできません" in html
    assert any("log-in throttled" in r.getMessage() for r in caplog.records)
    assert browser.get("/").status_code == 302  # not logged in
    assert kinds("pref").count("login_failed") == 10
    assert kinds("pref").count("throttled") == 41


def test_the_same_login_typed_differently_counts_as_one_account(
    app: Flask, browser: Browser, make_user: Callable[..., object]
) -> None:
    make_user("prefecture", login="pref")
    app.config["DX_LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    try:
        for typed in ("pref", " PREF", "Pref "):
            assert browser.login(typed, "wrong-password").status_code == 401
        assert browser.login("pref").status_code == 429
    finally:
        del app.config["DX_LOGIN_LIMIT_PER_ACCOUNT"]


def test_one_address_trying_many_accounts_is_limited_and_others_are_not(
    app: Flask, browser: Browser, make_user: Callable[..., object]
) -> None:
    make_user("prefecture", login="pref")
    app.config["DX_LOGIN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"
    try:
        token = browser.csrf_token()
        statuses = [
            browser.request(
                "POST",
                "/login",
                data={"login": f"guess{i}", "password": "x-password-1", "csrf_token": token},
            ).status_code
            for i in range(7)
        ]
        assert statuses == [401] * 5 + [429] * 2
        assert browser.login("pref").status_code == 429  # this address is held back
        other = Browser(app)
        other.client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
        assert other.login("pref").status_code == 302  # the account itself is not locked
    finally:
        del app.config["DX_LOGIN_LIMIT_PER_ADDRESS"]


def test_successful_log_ins_are_not_counted(
    app: Flask, browser: Browser, make_user: Callable[..., object]
) -> None:
    make_user("prefecture", login="pref")
    app.config["DX_LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    try:
        for _ in range(5):
            assert browser.login("pref").status_code == 302
            browser.post("/logout", form_page="/")
    finally:
        del app.config["DX_LOGIN_LIMIT_PER_ACCOUNT"]


REDIS_URL = os.environ.get("DX_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture
def redis_instances(app: Flask, database_url: str, db_session: object) -> Iterator[list[Flask]]:
    """Two app instances (like two servers) on the same database and the same Redis."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    from dx_assess import create_app
    from dx_assess.web.auth.throttle import limiter_of

    settings = {
        "DX_ENV": "testing",
        "DATABASE_URL": database_url,
        "DX_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "DX_RATELIMIT_STORAGE_URL": REDIS_URL,
        "DX_LOGIN_LIMIT_PER_ACCOUNT": "4 per 15 minutes",
        "RATELIMIT_KEY_PREFIX": "dx_assess_test",
    }
    instances = [create_app(settings), create_app(settings)]
    limiter_of(instances[0]).reset()
    yield instances
    limiter_of(instances[0]).reset()
    for instance in instances:
        with instance.app_context():
            db.engine.dispose()


def test_instances_share_the_counters_in_redis(
    redis_instances: list[Flask], make_user: Callable[..., object]
) -> None:
    make_user("prefecture", login="pref")
    first, second = (Browser(instance) for instance in redis_instances)
    assert first.login("pref", "wrong-password-1").status_code == 401
    assert second.login("pref", "wrong-password-2").status_code == 401
    assert first.login("pref", "wrong-password-3").status_code == 401
    assert second.login("pref", "wrong-password-4").status_code == 401
    assert first.login("pref").status_code == 429
    assert second.login("pref").status_code == 429


def test_unreachable_redis_still_limits_in_the_process(
    app: Flask, database_url: str, db_session: object, make_user: Callable[..., object]
) -> None:
    """Redis down: log-ins keep working and keep being limited (each process on its own)."""
    from dx_assess import create_app

    make_user("prefecture", login="pref")
    instance = create_app(
        {
            "DX_ENV": "testing",
            "DATABASE_URL": database_url,
            "DX_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "DX_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:1/0",  # nothing listens there
            "DX_LOGIN_LIMIT_PER_ACCOUNT": "2 per 15 minutes",
        }
    )
    try:
        browser = Browser(instance)
        assert browser.login("pref").status_code == 302
        browser.post("/logout", form_page="/")
        assert browser.login("pref", "wrong-password-1").status_code == 401
        assert browser.login("pref", "wrong-password-2").status_code == 401
        assert browser.login("pref").status_code == 429
    finally:
        with instance.app_context():
            db.engine.dispose()


# ---------------------------------------------------------------------------- log-out


def test_a_session_cookie_copied_before_logout_no_longer_works(
    app: Flask, browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("prefecture", login="pref")
    browser.login("pref")
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    thief = Browser(app)  # another client with a copy of the cookie
    thief.client.set_cookie("session", cookie.value)
    assert thief.get("/municipalities").status_code == 200
    assert browser.post("/logout", form_page="/").status_code == 302
    response = thief.get("/municipalities")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    # logging in again works, with a new session
    assert browser.login("pref").status_code == 302
    assert browser.get("/municipalities").status_code == 200
    assert thief.get("/municipalities").status_code == 302


def test_role_change_ends_open_sessions(
    app: Flask, browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    from dx_assess.models import Role
    from dx_assess.services.accounts import UserData, update_user

    user = make_user("prefecture", login="pref")
    browser.login("pref")
    assert browser.get("/rounds").status_code == 200
    update_user(
        db.session,
        user,  # type: ignore[arg-type]
        UserData("pref", "pref さん", Role.ADVISER, None),
        acting_user_id=None,
    )
    db.session.commit()
    assert browser.get("/").status_code == 302


# ---------------------------------------------------------------------------- security log


def test_log_in_failure_and_log_out_are_recorded(
    browser: Browser, make_user: Callable[..., object]
) -> None:
    make_user("prefecture", login="pref")
    browser.login("pref", "wrong-password")
    browser.login("nobody-here", "wrong-password")
    browser.login("pref")
    browser.post("/logout", form_page="/")
    assert kinds("pref") == ["account_created", "login_failed", "login", "logout"]
    unknown = db.session.scalars(
        select(SecurityEvent).where(
            SecurityEvent.kind == SecurityEventKind.LOGIN_FAILED, SecurityEvent.user_id.is_(None)
        )
    ).one()
    assert unknown.login is None  # what was typed is not kept (it may be a password)
    assert unknown.detail == "登録されていないログインID"
    assert unknown.address == "127.0.0.1"


def test_account_changes_are_recorded_with_who_did_them(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    target = make_user("municipal", "014630", login="muni")
    browser.login("root")
    form = account_form("muni", "占冠村 山田", "adviser", password="a-new-password-9")
    assert browser.post(f"/admin/users/{target.id}", form).status_code == 302  # type: ignore[attr-defined]
    form = {k: v for k, v in form.items() if k not in ("active", "password")}  # deactivate
    assert browser.post(f"/admin/users/{target.id}", form).status_code == 302  # type: ignore[attr-defined]
    events = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.login == "muni").order_by(SecurityEvent.id)
    ).all()
    assert [e.kind.value for e in events] == [
        "account_created",
        "role_changed",
        "password_changed",
        "deactivated",
    ]
    root = db.session.scalar(select(User).where(User.login == "root"))
    assert root is not None
    assert [e.actor_id for e in events[1:]] == [root.id] * 3
    assert events[1].detail == "市町村職員（占冠村） → アドバイザー"


def test_the_security_log_cannot_be_edited(make_user: Callable[..., object]) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    make_user("admin", login="root")
    with pytest.raises(DatabaseError):
        db.session.execute(text("UPDATE security_event SET detail = 'forged'"))
    db.session.rollback()
