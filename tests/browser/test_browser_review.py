"""Review → print → confirm → receipt in a real browser (acceptance of issue 15).

Chromium (Debian's, through Playwright) on the app served by Werkzeug: the municipal user
opens the review page (every answer with its 問番号, what is missing linked to its field),
prints it (the print media hides menus and buttons, shows the 問番号), confirms the submission
on a page of its own, and downloads the 提出控え; the review page fits a 390 px phone.
Screenshots go to docs/screenshots/review.png and submit-confirm.png when DX_SCREENSHOTS=1.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python")

from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import Municipality, Response, ResponseStatus, SubmissionReceipt, User
from dx_assess.services.responses import get_or_create_response
from dx_assess.services.rounds import round_questionnaire
from tests.support.answers import complete_answers, fill, open_test_round
from tests.support.pages import axe_violations, log_in

pytestmark = pytest.mark.browser
SUBMIT_TIMEOUT_MS = 60_000

NewContext = Callable[..., BrowserContext]
TOWN = "014630"  # 占冠村


@pytest.fixture
def ready(registry: None, make_user: Callable[..., User]) -> str:
    """An open FY2025 round with 占冠村's response answered except 住民基本台帳人口."""
    town = db.session.scalar(select(Municipality).where(Municipality.code == TOWN))
    assert town is not None
    town.supported = True
    yamada = make_user("municipal", TOWN, login="yamada")
    yamada.display_name = "山田 花子"
    pref = make_user("prefecture", login="pref")
    survey_round = open_test_round(2025, "2025.1", pref)
    questionnaire = round_questionnaire(survey_round)
    response = get_or_create_response(db.session, survey_round, town)
    answers = complete_answers(questionnaire)
    del answers["basic_population"]
    fill(response, questionnaire, yamada, answers)
    db.session.commit()
    return f"/rounds/{survey_round.id}/responses/{TOWN}"


def test_review_print_confirm_and_receipt(
    new_context: NewContext, ready: str, screenshots: Path
) -> None:
    context = new_context(accept_downloads=True)
    page = log_in(context, "yamada")
    page.goto(ready)
    page.get_by_role("link", name="回答の確認（印刷・確認票PDF）").click()
    expect(page.get_by_role("heading", name="回答の確認")).to_be_visible()
    expect(page.locator(".review-item")).to_have_count(60)
    expect(page.locator("#review-q-basic_population .qnum")).to_have_text("問1-3")
    assert axe_violations(page) == []

    # what is missing links to its field on its section page
    missing = page.locator(".review-missing")
    expect(missing).to_contain_text("まだ答えていない必須の設問（1問）")
    missing.get_by_role("link").click()
    expect(page).to_have_url(f"{ready}/sections/basic#question-basic_population")
    page.get_by_label("住民基本台帳人口").fill("1234")
    page.get_by_role("button", name="保存する", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("保存しました。")
    page.goto(f"{ready}/review")
    expect(page.locator(".review-missing")).to_have_count(0)
    page.screenshot(path=screenshots / "review.png", animations="disabled")

    # printing: no menus, no buttons, no breadcrumbs; 問番号 and answers stay
    page.emulate_media(media="print")
    expect(page.locator(".main-nav")).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".actions-row")).to_be_hidden()
    expect(page.get_by_role("link", name="提出に進む")).to_be_hidden()
    expect(page.locator(".review-edit").first).to_be_hidden()
    expect(page.locator("#review-q-basic_population .qnum")).to_be_visible()
    expect(page.locator(".print-only")).to_be_visible()
    breaks = page.evaluate(
        "() => getComputedStyle(document.querySelector('.review-item')).breakInside"
    )
    assert breaks == "avoid"
    pdf = page.pdf(format="A4")  # Chromium prints it (the print media applies)
    assert pdf.startswith(b"%PDF")
    page.emulate_media(media="screen")
    expect(page.locator(".main-nav")).to_be_visible()

    # the 確認票 downloads as a PDF
    with page.expect_download(timeout=SUBMIT_TIMEOUT_MS) as slip:  # the first PDF: slower
        page.get_by_role("link", name="確認票（PDF）をダウンロード").click()
    assert slip.value.suggested_filename.endswith(".pdf")
    assert "確認票" in slip.value.suggested_filename

    # submitting asks first, on a page of its own, without any script
    page.get_by_role("link", name="提出に進む").click()
    expect(page.get_by_role("heading", name="提出の確認")).to_be_visible()
    expect(page.locator("main")).to_contain_text("差し戻し")
    expect(page.locator("main")).to_contain_text("提出控え")
    page.screenshot(path=screenshots / "submit-confirm.png", full_page=True, animations="disabled")
    # submitting renders the 提出控え (the first PDF of a process builds the renderer: a few
    # seconds on a busy machine)
    page.get_by_role("button", name="提出する").click(timeout=SUBMIT_TIMEOUT_MS)
    expect(page.locator(".flashes")).to_contain_text("提出しました。")
    expect(page.locator(".status")).to_have_text("提出済み")

    # the 提出控え: kept on the server, downloaded from the overview
    with page.expect_download() as receipt:
        page.get_by_role("link", name="提出控え（PDF）をダウンロード").click()
    path = receipt.value.path()
    db.session.expire_all()
    response = db.session.scalar(select(Response))
    assert response is not None
    assert response.status is ResponseStatus.SUBMITTED
    kept = db.session.scalar(select(SubmissionReceipt))
    assert kept is not None
    assert path.read_bytes() == kept.pdf


def test_review_page_fits_a_phone(new_context: NewContext, ready: str) -> None:
    context = new_context(viewport={"width": 390, "height": 844})
    page = log_in(context, "yamada")
    page.goto(f"{ready}/review")
    expect(page.get_by_role("heading", name="回答の確認")).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
    page.goto(f"{ready}/submit")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.goto(f"{ready}/sections/basic")
    expect(page.get_by_label("電話番号")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


def test_contact_person_on_the_first_page(new_context: NewContext, ready: str) -> None:
    page = log_in(new_context(), "yamada")
    page.goto(f"{ready}/sections/basic")
    page.get_by_label("氏名").fill("山田 花子")
    page.get_by_label("電話番号").fill("123")
    # autosave leaves the contact to the save button, and says so
    expect(page.locator(".autosave-status")).to_contain_text("「保存する」で保存します")
    page.get_by_role("button", name="保存する", exact=True).click()
    expect(page.locator("#contact_phone-error")).to_contain_text("電話番号は")
    expect(page.get_by_label("氏名")).to_have_value("山田 花子")  # what was typed stays
    page.get_by_label("電話番号").fill("0167-56-2121")
    page.get_by_role("button", name="保存する", exact=True).click()
    expect(page.locator(".flashes")).to_contain_text("回答担当者を保存しました。")
    db.session.expire_all()
    response = db.session.scalar(select(Response))
    assert response is not None
    assert (response.contact_name, response.contact_phone) == ("山田 花子", "0167-56-2121")
    page.goto(f"{ready}/review")
    expect(page.locator(".review-contact")).to_contain_text("0167-56-2121")
