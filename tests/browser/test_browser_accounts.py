"""Issue 15 in a real browser: the default-round rules, the bulk account import (preview and
errors), an adviser's towns by 振興局 with the filter box and 「すべて選ぶ」.

Chromium (Debian's, through Playwright) on the app served in a thread, on the test database.
Screenshots go to docs/screenshots/accounts-*.png when DX_SCREENSHOTS=1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python")

from playwright.sync_api import BrowserContext, Locator, Page, expect
from sqlalchemy import func, select

from dx_assess.core.vocabulary import wareki
from dx_assess.extensions import db
from dx_assess.models import SurveyRound, User
from dx_assess.services.rounds import round_questionnaire
from tests.support.answers import current_and_upcoming
from tests.support.pages import axe_violations, log_in

pytestmark = pytest.mark.browser

NewContext = Callable[..., BrowserContext]
TOWN = "014630"  # 占冠村
PHONE = {"width": 390, "height": 844}


def menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="メインメニュー")


def fits(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: {width} px wide"


@pytest.fixture
def rounds(
    registry: None, make_user: Callable[..., object], assign: Callable[[object, list[str]], None]
) -> tuple[SurveyRound, SurveyRound]:
    """令和7年度 open with 占冠村's draft; 令和8年度 created to open on 5月7日 next year."""
    return current_and_upcoming(make_user, assign, TOWN)


def test_default_round_rules(
    rounds: tuple[SurveyRound, SurveyRound], new_context: NewContext, screenshots: Path
) -> None:
    current, upcoming = rounds
    notice = f"この調査回は {wareki(upcoming.opens_on)} から回答できます。"
    first_section = round_questionnaire(current).sections[0].id

    # the adviser's home opens the round with responses, not next year's empty one
    adviser = log_in(new_context(viewport=PHONE), "adv")
    expect(adviser.get_by_text(f"{current.title}の回答状況と結果を示します。")).to_be_visible()
    expect(adviser.get_by_text(notice)).to_have_count(0)
    # choosing next year's round (a plain GET form) says when it opens
    adviser.get_by_label("調査回").select_option(str(upcoming.id))
    adviser.get_by_role("button", name="表示").click()
    expect(adviser.get_by_text(notice)).to_be_visible()
    fits(adviser)
    assert axe_violations(adviser) == []
    adviser.screenshot(path=screenshots / "accounts-adviser-upcoming.png", full_page=True)
    # the reports open the same default round
    menu(adviser).get_by_role("link", name="レポート").click()
    expect(adviser.get_by_role("heading", name=current.title, level=2)).to_be_visible()

    # the municipal home: the coming round apart with its opening day; 回答する → first page
    staff = log_in(new_context(viewport=PHONE), "muni")
    coming = staff.locator("section", has=staff.get_by_role("heading", name="これからの調査"))
    expect(coming.get_by_text(notice)).to_be_visible()
    past = staff.locator("section", has=staff.get_by_role("heading", name="これまでの調査"))
    expect(past).to_have_count(0)  # the current round is open, the other not yet
    fits(staff)
    staff.get_by_role("link", name=f"{current.title}に回答する").click()
    staff.wait_for_url(f"**/sections/{first_section}")

    # the regional comparison (the prefecture's menu) opens the round with responses too
    pref = log_in(new_context(), "pref")
    menu(pref).get_by_role("link", name="地域別の比較").click()
    pref.wait_for_url(f"**/rounds/{current.id}/regions")


GOOD = (
    "ログインID,氏名,役割,団体コード,メールアドレス\n"
    "shimukappu01,占冠村 総務課 山田,市町村職員,014630,yamada@example.jp\n"
    "adv.kato,加藤 アドバイザー,アドバイザー,,\n"
)
BAD = GOOD + "adv.kato,重複,アドバイザー,,\nx1,名前,課長,,\n"


def test_bulk_import_preview_and_errors(
    registry: None,
    make_user: Callable[..., object],
    new_context: NewContext,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    make_user("admin", login="root")
    before = db.session.scalar(select(func.count(User.id)))
    page = log_in(new_context(viewport=PHONE), "root")
    page.goto("/admin/users")
    page.get_by_role("link", name="CSV・Excelでまとめて追加する").click()

    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD.encode("cp932"))
    page.get_by_label("アカウントの一覧（CSV または Excel）").set_input_files(str(bad))
    page.get_by_role("button", name="内容を確認する").click()
    problems = page.locator("#import-problems")
    expect(problems.get_by_role("heading")).to_contain_text("1件も作成していません（2件）")
    duplicate = problems.get_by_role("row", name=re.compile("4行目"))
    expect(duplicate).to_contain_text("「adv.kato」が3行目と重複")
    expect(problems.get_by_role("row", name=re.compile("5行目"))).to_contain_text("「課長」")
    fits(page)
    assert axe_violations(page) == []
    page.screenshot(path=screenshots / "accounts-import-errors.png", full_page=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == before

    good = tmp_path / "good.csv"
    good.write_bytes(("\ufeff" + GOOD).encode("utf-8"))
    page.get_by_label("アカウントの一覧（CSV または Excel）").set_input_files(str(good))
    page.get_by_role("button", name="内容を確認する").click()
    preview = page.get_by_role("table", name="作成するアカウント（2件）")
    expect(preview.get_by_role("rowheader")).to_have_text(["shimukappu01", "adv.kato"])
    fits(page)
    assert axe_violations(page) == []
    page.screenshot(path=screenshots / "accounts-import-preview.png", full_page=True)
    page.get_by_label("上記のアカウントを作成します").check()
    page.get_by_role("button", name="2件のアカウントを作成する").click()
    expect(page.get_by_text("2件のアカウントを作成しました。")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="初期パスワードをダウンロードする（CSV）").click()
    saved = tmp_path / "passwords.csv"
    download.value.save_as(saved)
    text = saved.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0] == "ログインID,氏名,役割,市町村,メールアドレス,初期パスワード"
    assert len(text.splitlines()) == 3
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == before + 2


def test_assigning_towns_by_subprefecture(
    registry: None, make_user: Callable[..., object], new_context: NewContext, screenshots: Path
) -> None:
    make_user("admin", login="root")
    page = log_in(new_context(viewport=PHONE), "root")
    page.goto("/admin/users/new")
    page.get_by_label("ログインID").fill("adv2")
    page.get_by_label("表示名").fill("新しいアドバイザー")
    page.get_by_label("役割").select_option("adviser")
    page.get_by_label("パスワード").fill("good-pass-123")
    page.get_by_role("button", name="保存する").click()
    page.wait_for_url("**/assignments")  # straight to the adviser's towns
    page.get_by_label("市町村名・よみがなで絞り込む").fill("しむかっぷ")
    expect(page.get_by_label("占冠村")).to_be_visible()
    expect(page.get_by_label("函館市")).to_be_hidden()
    page.get_by_label("市町村名・よみがなで絞り込む").fill("")
    kamikawa = page.locator("fieldset", has=page.get_by_text("上川総合振興局", exact=True))
    kamikawa.get_by_role("button", name=re.compile("すべて選ぶ")).click()
    fits(page)
    assert axe_violations(page) == []
    page.screenshot(path=screenshots / "accounts-assignments.png", full_page=True)
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_text("担当市町村を更新しました（追加23・解除0）。")).to_be_visible()
    db.session.expire_all()
    adviser = db.session.scalar(select(User).where(User.login == "adv2"))
    assert adviser is not None
    assert len(adviser.assignments) == 23  # 上川's 23 municipalities
    assert all(a.municipality.subprefecture.short_name == "上川" for a in adviser.assignments)
