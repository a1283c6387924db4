"""The dashboards in a real browser (acceptance of issue 7): screenshots and axe-core.

One demo database (53 supported municipalities, FY2024 and FY2025 closed, FY2026 in progress, one
account per role) serves every test of this module. Each page is checked with axe-core
(vendored in tests/browser/vendor, injected through Playwright): no violation of impact
"serious" or "critical" is allowed. Screenshots go to docs/screenshots/dashboard-*.png when
DX_SCREENSHOTS=1.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python")

from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import SurveyRound
from tests.support import empty_database
from tests.support.pages import axe_violations, log_in_demo

pytestmark = pytest.mark.browser

NewContext = Callable[..., BrowserContext]


@pytest.fixture(scope="module")
def demo_round(app: Flask) -> Iterator[int]:
    """The demo data set up once for the module; the open FY2026 round's id. Emptied afterwards."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "setup"])
        assert result.exit_code == 0, result.output
        round_id = db.session.scalar(select(SurveyRound.id).where(SurveyRound.fiscal_year == 2026))
        assert round_id is not None
        db.session.remove()
    yield round_id
    with app.app_context():
        empty_database()


def check_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def test_adviser_home(demo_round: int, new_context: NewContext, screenshots: Path) -> None:
    page = log_in_demo(new_context(), "adviser")
    table = page.get_by_role("table", name="担当市町村の状況（令和8年度）")
    expect(table).to_be_visible()
    expect(table.get_by_role("rowheader")).to_have_count(12)
    expect(table.get_by_text("提出済み").first).to_be_visible()
    page.screenshot(path=screenshots / "dashboard-adviser.png", full_page=True)
    check_accessible(page)
    # each municipality links to its results page
    first = table.get_by_role("rowheader").first.get_by_role("link")
    href = first.get_attribute("href")
    assert href is not None
    assert href.startswith(f"/rounds/{demo_round}/results/")


def test_round_status(demo_round: int, new_context: NewContext, screenshots: Path) -> None:
    page = log_in_demo(new_context(), "prefecture")
    page.set_viewport_size({"width": 1100, "height": 1400})
    page.goto(f"/rounds/{demo_round}")
    expect(page.get_by_role("heading", name="未提出団体の一覧")).to_be_visible()
    page.screenshot(path=screenshots / "dashboard-round-status.png")
    check_accessible(page)
    # the 振興局 filter is a plain form
    page.get_by_label("振興局").select_option("上川")
    page.get_by_role("button", name="絞り込む").click()
    page.wait_for_url("**/rounds/*?subprefecture=*")
    rows = page.get_by_role("table").first.locator("tbody tr")
    assert rows.count() > 0
    for text in rows.locator("td:first-child").all_inner_texts():
        assert text == "上川"
    reminders = page.locator("#reminder-list").input_value()
    assert all(line.startswith("上川") for line in reminders.splitlines())


def test_follow_up_list_sorts_and_filters_without_javascript(
    demo_round: int, new_context: NewContext, screenshots: Path
) -> None:
    """未提出団体の一覧 (issue 15): reached from the round page; sorting and the filters are
    links and a GET form, so they work with JavaScript off."""
    page = log_in_demo(new_context(java_script_enabled=False), "prefecture")
    page.goto(f"/rounds/{demo_round}")
    page.get_by_role("link", name="担当者の連絡先・最終更新つきの一覧を開く", exact=False).click()
    expect(page.get_by_role("heading", name="未提出団体の一覧", exact=False).first).to_be_visible()
    table = page.locator("table.follow-up-table")
    statuses = table.locator("tbody td:nth-child(3) .status").all_inner_texts()
    assert statuses
    assert "提出済み" not in statuses
    table.get_by_role("link", name="最終更新", exact=False).click()
    expect(table.locator("th[aria-sort=ascending]")).to_contain_text("最終更新")
    page.get_by_label("状態").select_option("draft")
    page.get_by_role("button", name="絞り込む").click()
    page.wait_for_url("**/follow-up?status=draft*")
    assert set(table.locator("tbody td:nth-child(3) .status").all_inner_texts()) <= {"回答中"}
    page.screenshot(path=screenshots / "dashboard-follow-up.png", full_page=True)
    # axe runs as a script: in a context with JavaScript (axe.run never settles without it)
    checked = log_in_demo(new_context(), "prefecture")
    checked.goto(f"/rounds/{demo_round}/follow-up?sort=last_activity")
    check_accessible(checked)


def test_regional_map_works_without_javascript(
    demo_round: int, new_context: NewContext, screenshots: Path
) -> None:
    page = log_in_demo(new_context(java_script_enabled=False), "prefecture")
    page.goto(f"/rounds/{demo_round}/regions")
    svg = page.locator("svg.choropleth")
    expect(svg).to_be_visible()
    assert svg.locator("path[data-code]").count() == 185  # and the 振興局 borders
    expect(page.get_by_text("国土数値情報（行政区域データ）", exact=False).first).to_be_visible()
    page.get_by_label("色分けする得点").select_option(label="行政手続のオンライン化")
    page.get_by_role("button", name="地図を表示").click()
    expect(page.get_by_label("色分けする得点")).to_have_value("online")
    title = svg.locator("path[data-state=scored] title").first.text_content() or ""
    assert "行政手続のオンライン化" in title


def test_regional_and_kpi_pages(
    demo_round: int, new_context: NewContext, screenshots: Path
) -> None:
    page = log_in_demo(new_context(), "prefecture")
    page.set_viewport_size({"width": 1100, "height": 1100})
    page.goto(f"/rounds/{demo_round}/regions")
    expect(page.locator("svg.choropleth")).to_be_visible()
    page.screenshot(path=screenshots / "dashboard-regional-map.png")
    check_accessible(page)
    page.goto(f"/rounds/{demo_round}/kpis")
    expect(page.get_by_role("heading", name="マイナンバーカード保有率")).to_be_visible()
    page.screenshot(path=screenshots / "dashboard-kpis.png", full_page=True)
    check_accessible(page)


def test_results_page_is_accessible(
    demo_round: int, new_context: NewContext, screenshots: Path
) -> None:
    """A municipality's results page, opened by the adviser from the home page."""
    page = log_in_demo(new_context(), "adviser")
    table = page.get_by_role("table", name="担当市町村の状況（令和8年度）")
    submitted = table.locator("tr", has=page.get_by_text("提出済み")).first
    submitted.get_by_role("rowheader").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("の結果")
    expect(page.get_by_role("heading", name="次に取り組むこと")).to_be_visible()
    page.screenshot(path=screenshots / "results-municipality.png")
    check_accessible(page)
