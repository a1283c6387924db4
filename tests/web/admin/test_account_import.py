"""Accounts in bulk on the admin page: upload, preview, create in one transaction, the initial
passwords once; a file with any problem creates nothing (issue 15)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from sqlalchemy import func, select

from dx_assess.extensions import db
from dx_assess.models import SecurityEvent, SecurityEventKind, User
from tests.support import Browser
from tests.support.people import account_form, user_by_login

GOOD = (
    "ログインID,氏名,役割,団体コード,メールアドレス\r\n"
    "shimukappu01,占冠村 総務課 山田,市町村職員,014630,yamada@example.jp\r\n"
    "adv.kato,加藤 アドバイザー,アドバイザー,,\r\n"
)


def users() -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count(User.id))) or 0)


def upload(browser: Browser, data: bytes, name: str = "accounts.csv") -> object:
    token = browser.csrf_token("/admin/users/import")
    return browser.request(
        "POST",
        "/admin/users/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def kept_token(html: str) -> str:
    match = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', html)
    assert match, html[:2000]
    return match.group(1)


def test_preview_then_create_then_passwords_once(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    root = make_user("admin", login="root")
    browser.login("root")
    before = users()
    response = upload(browser, GOOD.encode("cp932"))
    assert response.status_code == 200  # type: ignore[attr-defined]
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "次の2件のアカウントを作成します。まだ作成していません。" in html
    assert "CSV（Shift_JIS (CP932)）" in html
    assert "shimukappu01" in html
    assert "占冠村" in html
    assert "adv.kato" in html
    assert users() == before  # the preview creates nothing
    token = kept_token(html)

    # without the confirmation: the preview again, nothing created
    response = browser.post(
        "/admin/users/import/create", {"token": token}, form_page="/admin/users/import"
    )
    assert response.status_code == 422
    assert "確認のチェックを入れてください" in response.get_data(as_text=True)
    assert users() == before

    response = browser.post(
        "/admin/users/import/create",
        {"token": token, "confirm": "y"},
        form_page="/admin/users/import",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/import/{token}"
    assert users() == before + 2
    created = db.session.scalar(select(User).where(User.login == "shimukappu01"))
    assert created is not None
    assert created.municipality is not None
    assert created.municipality.code == "014630"
    assert created.email == "yamada@example.jp"
    # the security log has each creation, by the admin, as the single-account form records it
    events = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.kind == SecurityEventKind.ACCOUNT_CREATED)
    ).all()
    by_login = {e.login: e for e in events}
    assert by_login["shimukappu01"].actor_id == root.id  # type: ignore[attr-defined]
    assert by_login["shimukappu01"].detail == "市町村職員（占冠村）"
    assert by_login["adv.kato"].detail == "アドバイザー"

    # the same file cannot be used twice (the kept upload is gone)
    again = browser.post(
        "/admin/users/import/create",
        {"token": token, "confirm": "y"},
        form_page="/admin/users/import",
    )
    assert again.status_code == 302
    assert again.headers["Location"] == "/admin/users/import"
    assert users() == before + 2

    page = browser.get(f"/admin/users/import/{token}").get_data(as_text=True)
    assert "一度だけダウンロードできます" in page
    download = browser.post(
        f"/admin/users/import/{token}/passwords.csv", form_page=f"/admin/users/import/{token}"
    )
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("text/csv")
    body = download.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r["ログインID"] for r in rows] == ["shimukappu01", "adv.kato"]
    assert rows[0]["役割"] == "市町村職員"
    # each password opens its account
    browser.post("/logout", form_page="/")
    assert browser.login("adv.kato", rows[1]["初期パスワード"]).status_code == 302
    browser.post("/logout", form_page="/")
    browser.login("root")
    # only once
    second = browser.post(
        f"/admin/users/import/{token}/passwords.csv", form_page=f"/admin/users/import/{token}"
    )
    assert second.status_code == 302
    page = browser.get(f"/admin/users/import/{token}").get_data(as_text=True)
    assert "ダウンロード済みか、期限（1時間）が過ぎています" in page


def test_a_file_with_one_bad_line_creates_nothing_and_says_where(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    make_user("prefecture", login="pref01")
    browser.login("root")
    before = users()
    text = GOOD + "pref01,重複した人,道庁,,\r\nx9,名前,アドバイザー,,bad@\r\n"
    response = upload(browser, ("\ufeff" + text).encode("utf-8"))
    assert response.status_code == 422  # type: ignore[attr-defined]
    html = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "アカウントは1件も作成していません（2件）" in html
    assert "4行目" in html
    assert "ログインID「pref01」は既に使われています。" in html
    assert "5行目" in html
    assert "メールアドレス「bad@」の形が正しくありません（例: taro@town.example.lg.jp）。" in html
    assert 'name="token"' not in html  # nothing to create from
    assert users() == before


def test_a_login_taken_between_preview_and_creation_creates_nothing(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    browser.login("root")
    html = upload(browser, GOOD.encode()).get_data(as_text=True)  # type: ignore[attr-defined]
    token = kept_token(html)
    make_user("adviser", login="adv.kato")  # someone else created it meanwhile
    before = users()
    response = browser.post(
        "/admin/users/import/create",
        {"token": token, "confirm": "y"},
        form_page="/admin/users/import",
    )
    assert response.status_code == 422
    assert "ログインID「adv.kato」は既に使われています。" in response.get_data(as_text=True)
    assert users() == before
    assert db.session.scalar(select(User).where(User.login == "shimukappu01")) is None


def test_another_admin_cannot_use_the_kept_file(
    browser: Browser, app: object, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    make_user("admin", login="root2")
    browser.login("root")
    token = kept_token(upload(browser, GOOD.encode()).get_data(as_text=True))  # type: ignore[attr-defined]
    other = Browser(app)  # type: ignore[arg-type]
    other.login("root2")
    before = users()
    response = other.post(
        "/admin/users/import/create",
        {"token": token, "confirm": "y"},
        form_page="/admin/users/import",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users/import"
    assert users() == before


def test_the_single_account_form_keeps_an_email_and_checks_it(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    browser.login("root")
    form = account_form("pref02", "道庁 担当", "prefecture", password="good-pass-123")
    bad = browser.post("/admin/users/new", {**form, "email": "no-at-sign"})
    assert bad.status_code == 422
    assert user_by_login("pref02") is None
    ok = browser.post("/admin/users/new", {**form, "email": "tanto@pref.example.jp"})
    assert ok.status_code == 302
    user = user_by_login("pref02")
    assert user is not None
    assert user.email == "tanto@pref.example.jp"
    page = browser.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert 'value="tanto@pref.example.jp"' in page


def test_creating_an_adviser_leads_to_their_towns_grouped_by_subprefecture(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    browser.login("root")
    response = browser.post(
        "/admin/users/new",
        account_form("adv9", "新しいアドバイザー", "adviser", password="good-pass-123"),
    )
    assert response.status_code == 302
    adviser = db.session.scalar(select(User).where(User.login == "adv9"))
    assert adviser is not None
    page = f"/admin/users/{adviser.id}/assignments"
    assert response.headers["Location"] == page
    html = browser.get(page).get_data(as_text=True)
    legends = re.findall(r"<legend>([^<]+)</legend>", html)
    assert len(legends) == 14
    assert legends[0] == "空知総合振興局"
    # each town under its 振興局, searchable by name and kana (the script filters on these)
    kamikawa = html[html.index("<legend>上川総合振興局</legend>") :]
    kamikawa = kamikawa[: kamikawa.index("</fieldset>")]
    assert 'data-search="占冠村 しむかっぷむら 014630"' in kamikawa
    assert html.count('type="checkbox"') == 179
    assert "すべて選ぶ" in html
