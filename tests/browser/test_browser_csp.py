"""The Content-Security-Policy in a real browser: key pages of every role load with no
violation reported, and the questionnaire's autosave (survey.js) works under it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python")

from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import Municipality, User
from tests.support.answers import open_test_round, respond
from tests.support.pages import log_in_on

pytestmark = pytest.mark.browser

TOWN = "014630"  # 占冠村
# Recorded in the page before any of its own scripts run (an init script is not subject to
# the page's CSP); the browser fires securitypolicyviolation for every blocked script,
# style, frame, form target or connection.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _watched(context: BrowserContext) -> tuple[Page, list[str]]:
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(WATCH)
    return page, console


def _check(page: Page, console: list[str], path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, path
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    assert page.evaluate("window.__cspViolations") == [], path
    assert console == [], path


def test_key_pages_load_without_csp_violations_and_autosave_works(
    registry: None, make_user: Callable[..., User], new_context: Callable[..., BrowserContext]
) -> None:
    town = db.session.scalar(select(Municipality).where(Municipality.code == TOWN))
    assert town is not None
    town.supported = True
    make_user("municipal", TOWN, login="yamada")
    make_user("prefecture", login="pref")
    make_user("admin", login="root")
    survey_round = open_test_round(2025, "2025.1")
    respond(survey_round, TOWN, {"basic_department": "総務課"})
    db.session.commit()
    rid = survey_round.id

    page, console = _watched(new_context())
    _check(page, console, "/login")
    log_in_on(page, "yamada")
    section = f"/rounds/{rid}/responses/{TOWN}/sections/basic"
    for path in ("/", f"/rounds/{rid}/responses/{TOWN}", section):
        _check(page, console, path)
    # survey.js is allowed (script-src 'self') and its autosave reaches the server
    page.get_by_label("回答を取りまとめた課・係の名前").fill("企画課 DX推進係")
    expect(page.locator(".autosave-status")).to_contain_text("自動保存しました", timeout=10_000)
    assert page.evaluate("window.__cspViolations") == []
    assert console == []

    page, console = _watched(new_context())
    log_in_on(page, "pref")
    for path in (
        "/",
        "/municipalities",
        f"/municipalities/{TOWN}",
        "/rounds",
        f"/rounds/{rid}",
        f"/rounds/{rid}/results/{TOWN}",  # the score bars
        f"/rounds/{rid}/regions",  # the map and charts (SVG)
        f"/rounds/{rid}/kpis",
        "/reports",
        "/registry/supported",
    ):
        _check(page, console, path)

    page, console = _watched(new_context())
    log_in_on(page, "root")
    for path in ("/admin/users", "/admin/users/new", "/admin/security-events"):
        _check(page, console, path)
