"""Password reset in Chromium, through the mail the test SMTP server received: 「パスワードを
忘れた場合」 on the log-in page → the form → the mail's link → a new password → log in with it;
the link then no longer works. The pages are checked with axe-core too."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python")

from flask import Flask
from playwright.sync_api import BrowserContext, expect

from dx_assess.extensions import db
from dx_assess.models import User
from tests.support import TEST_PASSWORD
from tests.support.pages import axe_violations, log_in_on
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.browser

NEW_PASSWORD = "haru-no-kaze-2026"


def test_password_reset_through_the_mail(
    smtp_app: Flask,
    smtp_server: SmtpServer,
    live_server: str,
    registry: None,
    make_user: Callable[..., User],
    new_context: Callable[..., BrowserContext],
    screenshots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(smtp_app.config, "DX_BASE_URL", live_server)
    user = make_user("municipal", "014630", login="shimukappu")
    user.email = "soumu@town.shimukappu.example.jp"
    db.session.commit()

    page = new_context().new_page()
    page.goto("/login")
    page.get_by_role("link", name="パスワードを忘れた場合").click()
    expect(page.get_by_role("heading", name="パスワードを忘れた場合")).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path=screenshots / "password-forgot.png", full_page=True)
    page.fill("#login_or_email", "soumu@town.shimukappu.example.jp")
    page.get_by_role("button", name="再設定のメールを送る").click()
    expect(page.get_by_role("status")).to_contain_text("パスワード再設定のメールを送りました")

    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["soumu@town.shimukappu.example.jp"]
    match = re.search(rf"{re.escape(live_server)}/password/reset/\S+", mail.part("text/plain"))
    assert match, mail.part("text/plain")
    link = match.group(0)
    assert f'href="{link}"' in mail.part("text/html")

    page.goto(link)
    expect(page.get_by_role("heading", name="新しいパスワードの設定")).to_be_visible()
    assert axe_violations(page) == []
    page.fill("#password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.get_by_role("button", name="パスワードを設定する").click()
    expect(page.get_by_role("status")).to_contain_text("パスワードを変更しました。")

    page.fill("#login", "shimukappu")
    page.fill("#password", TEST_PASSWORD)  # the old one no longer works
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "ログインIDまたはパスワードが正しくありません"
    )
    page.fill("#password", NEW_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()

    page.goto(link)  # used once: gone
    expect(page.get_by_role("heading", name="このリンクは使えません")).to_be_visible()

    # the admin reads the mail on 「送信メール」
    make_user("admin", login="root")
    admin = new_context().new_page()
    log_in_on(admin, "root")
    admin.get_by_role("link", name="送信メール").click()
    row = admin.get_by_role("row").filter(has_text="パスワード再設定のご案内")
    expect(row).to_contain_text("送信済み")
    expect(row).to_contain_text("soumu@town.shimukappu.example.jp")
    assert axe_violations(admin) == []
    admin.screenshot(path=screenshots / "admin-mail.png", full_page=True)
    row.get_by_role("link").click()
    expect(admin.locator("pre.mail-text")).to_contain_text("ログインID「shimukappu」")
    assert axe_violations(admin) == []
