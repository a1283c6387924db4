"""Validation as a person expects, in Chromium (issue 16): a derived value (保有率) follows
what is typed before any save, and after a refused save the error summary has the focus."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python")

from playwright.sync_api import Page, expect

from tests.browser.test_browser_answering import Answering, answering, flash, yamada

__all__ = ["answering", "yamada"]

pytestmark = pytest.mark.browser


def test_a_derived_value_is_recomputed_as_the_user_types(
    answering: Answering, yamada: Page
) -> None:
    page = yamada
    page.goto(answering.section_path("basic"))
    page.get_by_label("住民基本台帳人口").fill("2000")
    page.get_by_role("button", name="保存する", exact=True).click()
    expect(flash(page)).to_contain_text("保存しました。")

    page.goto(answering.section_path("mnc"), wait_until="load")
    rate = page.locator("#computed-mnc_holding_rate")
    expect(rate).to_have_text("元の数値を入力すると計算します")
    held = page.locator("[name='q_mnc_cards_held']")
    held.press_sequentially("1617")  # 1617 ÷ 2000 × 100 = 80.85 → 80.9 (四捨五入)
    expect(rate).to_have_text("80.9%")
    held.fill("１，０００")  # full-width digits and comma, as the server reads them
    expect(rate).to_have_text("50%")
    held.fill("")
    expect(rate).to_have_text("元の数値を入力すると計算します")

    page.goto(answering.section_path("onl"), wait_until="load")
    total = page.locator("#computed-onl_26_total")
    page.locator("[name='q_onl_childcare_count']").fill("10")
    page.locator("[name='q_onl_care_count']").fill("5")
    expect(total).to_have_text("15手続")


def test_after_a_refused_save_the_error_summary_has_the_focus(
    answering: Answering, yamada: Page
) -> None:
    page = yamada
    page.goto(answering.section_path("basic"), wait_until="load")
    page.get_by_label("住民基本台帳人口").fill("たくさん")
    page.get_by_role("button", name="保存する", exact=True).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text("問1-3 住民基本台帳人口")
    summary.get_by_role("link").click()
    assert page.evaluate("() => location.hash") == "#question-basic_population"


def test_a_cross_field_warning_is_linked_from_its_own_page(
    answering: Answering, yamada: Page
) -> None:
    page = yamada
    page.goto(answering.section_path("onl"), wait_until="load")
    page.locator("[name='q_onl_childcare_count']").fill("20")
    page.locator("[name='q_onl_care_count']").fill("10")
    page.get_by_role("button", name="保存して次のページへ").click()
    expect(flash(page)).to_contain_text("保存しました。")
    assert page.url.endswith("/sections/onl")
    warning = page.locator("#warning-summary")
    expect(warning).to_contain_text("合計が26を超えています")
    warning.get_by_role("link").click()
    assert page.evaluate("() => location.hash") == "#question-onl_childcare_count"
