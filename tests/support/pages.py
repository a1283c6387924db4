"""Helpers for the browser tests (Playwright): log in through the form, ask axe-core.

Import this module only after ``pytest.importorskip("playwright.sync_api")``.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from dx_assess.cli.main import DEMO_ACCOUNTS
from tests.support import TEST_PASSWORD
from tests.support.paths import REPO

#: The passwords of the accounts ``dx-assess demo setup`` creates, by login.
DEMO_PASSWORDS = {login: password for login, _name, _role, password in DEMO_ACCOUNTS}
AXE = REPO / "tests" / "browser" / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")


def log_in_on(page: Page, login: str, password: str = TEST_PASSWORD) -> None:
    """Log in through the form on ``page`` and wait for the log-out button."""
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()


def log_in(context: BrowserContext, login: str, password: str = TEST_PASSWORD) -> Page:
    """A new page of ``context``, logged in as ``login``."""
    page = context.new_page()
    log_in_on(page, login, password)
    return page


def log_in_demo(context: BrowserContext, login: str) -> Page:
    """A new page logged in as one of the demo's accounts."""
    return log_in(context, login, DEMO_PASSWORDS[login])


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations of impact serious or critical on the current page."""
    # The CSP allows no inline <script>: axe is evaluated through the DevTools protocol.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    # page.evaluate has no timeout of its own: a run that never settles fails after 60 s.
    report = page.evaluate(
        """async () => await Promise.race([
            axe.run(document, {resultTypes: ['violations']}),
            new Promise((_, reject) =>
                setTimeout(() => reject(new Error('axe: no result in 60 s')), 60000)),
        ])"""
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in report["violations"]
        if v["impact"] in BLOCKING
    ]
