"""Log-in, log-out, CSRF and sessions."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import User
from tests.support import TEST_PASSWORD, Browser


def test_login_with_the_right_password(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("prefecture", login="pref")
    response = browser.login("pref")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    html = browser.get("/").get_data(as_text=True)
    assert "道庁 DX推進課のページ" in html
    user = db.session.scalar(select(User).where(User.login == "pref"))
    assert user is not None
    assert user.last_login_at is not None


def test_wrong_password_and_unknown_login_get_the_same_answer(
    browser: Browser, make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    for login, password in (("root", "wrong-password-1"), ("nobody", TEST_PASSWORD)):
        response = browser.login(login, password)
        assert response.status_code == 401
        assert "ログインIDまたはパスワードが正しくありません" in response.get_data(as_text=True)
    assert browser.get("/").status_code == 302


def test_empty_fields_get_messages_beside_them(browser: Browser) -> None:
    token = browser.csrf_token()
    html = browser.request("POST", "/login", data={"csrf_token": token}).get_data(as_text=True)
    assert "ログインIDを入力してください。" in html
    assert "パスワードを入力してください。" in html
    assert 'aria-invalid="true"' in html


def test_inactive_user_cannot_log_in(browser: Browser, make_user: Callable[..., object]) -> None:
    make_user("admin", login="gone", active=False)
    assert browser.login("gone").status_code == 401


def test_password_is_stored_hashed(make_user: Callable[..., object]) -> None:
    user = make_user("admin", login="root")
    assert TEST_PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_logout(browser: Browser, make_user: Callable[..., object]) -> None:
    make_user("admin", login="root")
    browser.login("root")
    response = browser.post("/logout", form_page="/")
    assert response.status_code == 302
    assert browser.get("/").status_code == 302


def test_logout_by_get_is_not_allowed(browser: Browser, make_user: Callable[..., object]) -> None:
    make_user("admin", login="root")
    browser.login("root")
    assert browser.get("/logout").status_code == 405
    assert browser.get("/").status_code == 200


def test_post_without_csrf_token_is_rejected(
    browser: Browser, make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    response = browser.request("POST", "/login", data={"login": "root", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "安全のため受け付けませんでした" in response.get_data(as_text=True)
    assert browser.get("/").status_code == 302  # not logged in


def test_logged_in_post_with_a_forged_token_changes_nothing(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    browser.login("root")
    response = browser.request(
        "POST",
        "/admin/users/new",
        data={
            "csrf_token": "forged",
            "login": "evil",
            "display_name": "x",
            "role": "admin",
            "password": "evil-password-1",
        },
    )
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.login == "evil")) is None


def test_next_only_follows_local_paths(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("prefecture", login="pref")
    token = browser.csrf_token()
    form = {"login": "pref", "password": TEST_PASSWORD, "csrf_token": token}
    response = browser.request("POST", "/login?next=https://evil.example/", data=form)
    assert response.headers["Location"] == "/"
    browser.post("/logout", form_page="/")
    token = browser.csrf_token()
    form["csrf_token"] = token
    response = browser.request("POST", "/login?next=/municipalities", data=form)
    assert response.headers["Location"] == "/municipalities"


def test_password_change_ends_other_sessions(
    app: object, browser: Browser, make_user: Callable[..., object]
) -> None:
    from dx_assess.services.accounts import set_password

    user = make_user("admin", login="root")
    browser.login("root")
    assert browser.get("/").status_code == 200
    set_password(db.session, user, "another-password-2")  # type: ignore[arg-type]
    db.session.commit()
    assert browser.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(
    browser: Browser, make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    response = browser.login("root")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
