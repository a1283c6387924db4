"""Password reset by a single-use, time-limited link; a stopped account told so only with the
right password; the contact on the log-in page; the admin sets an account's e-mail."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import MailKind, OutgoingMail, SecurityEvent, SecurityEventKind, User
from dx_assess.services.password_reset import make_token
from tests.support import TEST_PASSWORD, Browser
from tests.support.people import account_form, user_by_login

NEW_PASSWORD = "atarashii-pass-7"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="[^"]+"')


def user(login: str) -> User:
    found = user_by_login(login)
    assert found is not None
    return found


@pytest.fixture
def accounts(make_user: Callable[..., User]) -> None:
    make_user("prefecture", login="pref")
    with_mail = make_user("prefecture", login="suzuki")
    stopped = make_user("prefecture", login="stopped", active=False)
    with_mail.email = "suzuki@pref.example.jp"
    stopped.email = "stopped@pref.example.jp"
    db.session.commit()


def reset_mails() -> list[OutgoingMail]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(OutgoingMail).where(OutgoingMail.kind == MailKind.PASSWORD_RESET))
    )


def link_of(mail: OutgoingMail) -> str:
    match = re.search(r"http://localhost(/password/reset/\S+)", mail.text)
    assert match, mail.text
    return match.group(1)


def test_the_answer_is_the_same_for_every_account(browser: Browser, accounts: None) -> None:
    pages = []
    for typed in ("suzuki", "SUZUKI@pref.example.jp", "nobody", "pref", "stopped"):
        answer = browser.post("/password/forgot", {"login_or_email": typed})
        assert answer.status_code == 200
        pages.append(CSRF.sub("", answer.get_data(as_text=True)))
    assert len(set(pages)) == 1
    assert "メールアドレスが登録されていれば、パスワード再設定のメールを送りました" in pages[0]
    # only the active account with an address got mail: typed as login, then as address
    assert [m.recipient_list() for m in reset_mails()] == [["suzuki@pref.example.jp"]] * 2


def test_the_login_page_links_to_the_form(browser: Browser) -> None:
    html = browser.get("/login").get_data(as_text=True)
    assert '<a href="/password/forgot">パスワードを忘れた場合</a>' in html
    form = browser.get("/password/forgot").get_data(as_text=True)
    assert "ログインIDまたはメールアドレス" in form
    empty = browser.post("/password/forgot", {"login_or_email": ""})
    assert empty.status_code == 422
    assert "ログインIDまたはメールアドレスを入力してください。" in empty.get_data(as_text=True)


def test_reset_once_with_the_link_and_sessions_end(browser: Browser, accounts: None) -> None:
    elsewhere = Browser(browser.app)  # the account is logged in on another computer
    assert elsewhere.login("suzuki").status_code == 302
    browser.post("/password/forgot", {"login_or_email": "suzuki"})
    (mail,) = reset_mails()
    link = link_of(mail)
    page = browser.get(link)
    assert page.status_code == 200
    assert "ログインID「suzuki」の新しいパスワード" in page.get_data(as_text=True)

    weak = browser.post(link, {"password": "short1", "confirm": "short1"})
    assert weak.status_code == 422
    assert "パスワードは10文字以上にしてください。" in weak.get_data(as_text=True)
    other = browser.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert other.status_code == 422
    assert "確認の入力が新しいパスワードと一致しません。" in other.get_data(as_text=True)

    done = browser.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"] == "/login"
    assert elsewhere.get("/").status_code == 302  # that session ended
    assert browser.login("suzuki", TEST_PASSWORD).status_code == 401
    assert browser.login("suzuki", NEW_PASSWORD).status_code == 302
    browser.post("/logout", form_page="/")

    used = browser.get(link)  # single use
    assert used.status_code == 400
    assert "有効期限（60分）が過ぎたか、すでに使われています" in used.get_data(as_text=True)
    assert (
        browser.post(link, {"password": "another-pass-9", "confirm": "another-pass-9"}).status_code
        == 400
    )
    events = db.session.scalars(
        select(SecurityEvent.kind).where(SecurityEvent.login == "suzuki")
    ).all()
    assert SecurityEventKind.PASSWORD_CHANGED in events


def test_the_link_expires(
    browser: Browser, accounts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    suzuki = user("suzuki")
    real = time.time
    with monkeypatch.context() as m:
        m.setattr(time, "time", lambda: real() - 61 * 60)  # made 61 minutes ago
        old = make_token(suzuki)
    fresh = make_token(suzuki)
    assert browser.get(f"/password/reset/{old}").status_code == 400
    assert browser.get(f"/password/reset/{fresh}").status_code == 200
    assert browser.get(f"/password/reset/{fresh}x").status_code == 400  # tampered


def test_a_link_of_a_stopped_account_does_not_work(browser: Browser, accounts: None) -> None:
    suzuki = user("suzuki")
    token = make_token(suzuki)
    suzuki.active = False
    db.session.commit()
    assert browser.get(f"/password/reset/{token}").status_code == 400


def test_the_form_is_throttled(browser: Browser, accounts: None) -> None:
    for _ in range(3):
        assert browser.post("/password/forgot", {"login_or_email": "suzuki"}).status_code == 200
    refused = browser.post("/password/forgot", {"login_or_email": "Suzuki "})
    assert refused.status_code == 429
    assert "パスワード再設定の申し込みが続いたため" in refused.get_data(as_text=True)
    assert len(reset_mails()) == 3
    # another account from the same address is still served
    assert browser.post("/password/forgot", {"login_or_email": "pref"}).status_code == 200


def test_a_stopped_account_is_told_so_only_with_the_right_password(
    app: Flask, browser: Browser, accounts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DX_CONTACT_PHONE", "011-204-5000")
    right = browser.login("stopped")
    assert right.status_code == 401
    assert (
        "このアカウントは利用停止中です。北海道経済部 AI・DX推進局 DX推進課（電話 011-204-5000）"
        "にお問い合わせください。"
    ) in right.get_data(as_text=True)
    wrong = browser.login("stopped", "wrong-password-1").get_data(as_text=True)
    assert "利用停止" not in wrong
    assert "ログインIDまたはパスワードが正しくありません" in wrong
    assert browser.get("/").status_code == 302  # not logged in


def test_every_page_names_the_contact(
    app: Flask, browser: Browser, accounts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DX_CONTACT_PHONE", "011-204-5000")
    monkeypatch.setitem(app.config, "DX_CONTACT_EMAIL", "dx@pref.example.jp")
    browser.login("pref")
    for page in ("/", "/rounds", "/password/forgot"):
        html = browser.get(page).get_data(as_text=True)
        footer = html[html.index("<footer") :]
        assert "問い合わせ先" in footer
        assert "北海道経済部 AI・DX推進局 DX推進課" in footer
        assert '<a href="tel:0112045000">011-204-5000</a>' in footer
        assert '<a href="mailto:dx@pref.example.jp">dx@pref.example.jp</a>' in footer


def test_admin_sets_an_accounts_email(
    browser: Browser, registry: None, make_user: Callable[..., User]
) -> None:
    make_user("admin", login="root")
    town = make_user("municipal", "014630", login="shimukappu")
    browser.login("root")
    form = account_form("shimukappu", "占冠村 総務課", "municipal", "014630")
    page = f"/admin/users/{town.id}"
    bad = browser.post(page, {**form, "email": "soumu@town"})
    assert bad.status_code == 422
    assert "メールアドレスの形が正しくありません" in bad.get_data(as_text=True)
    assert user("shimukappu").email is None
    assert (
        browser.post(page, {**form, "email": " soumu@town.shimukappu.example.jp "}).status_code
        == 302
    )
    assert user("shimukappu").email == "soumu@town.shimukappu.example.jp"
    assert 'value="soumu@town.shimukappu.example.jp"' in browser.get(page).get_data(as_text=True)
    assert browser.post(page, {**form, "email": ""}).status_code == 302
    assert user("shimukappu").email is None
