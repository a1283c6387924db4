"""Every role's main pages on a phone (390×844) and a desktop (1280×800) (issue 16).

One demo database serves the module. On each page: axe-core finds no serious or critical
violation; the page is no wider than the screen (``document.documentElement.scrollWidth``
≤ the viewport), wide tables scroll inside their own focusable, labelled region instead; no
text cell is squeezed so narrow that Japanese breaks every character or two (「住民/基本/台帳」,
pillar names set vertically); 「必須」 stays on one line; no internal question id is shown.
The README's pictures of these pages at both widths are taken by scripts/screenshots.py.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import REPO

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python")

from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from dx_assess.cli.main import DEMO_TOWN
from dx_assess.core.questionnaire import load_questionnaire
from dx_assess.extensions import db
from dx_assess.models import Response, SurveyRound
from tests.support import empty_database
from tests.support.pages import axe_violations, log_in_demo

pytestmark = [
    pytest.mark.browser,
    # Layout is CSS and HTML, the same on either database: CI's SQLite pass runs these (about
    # four minutes) and the PostgreSQL pass skips them.
    pytest.mark.skipif(
        os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="layout does not depend on the database; checked in the SQLite pass",
    ),
]

NewContext = Callable[..., BrowserContext]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def demo(app: Flask) -> Iterator[dict[str, Any]]:
    """The demo data, once for the module: the open 令和8年度 round's id ("current"), the closed
    令和7年度 round's ("previous") and a submitted 令和8年度 town."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "setup"])
        assert result.exit_code == 0, result.output
        rounds = {r.fiscal_year: r.id for r in db.session.scalars(select(SurveyRound)).all()}
        submitted = db.session.scalars(
            select(Response).where(
                Response.round_id == rounds[2026], Response.status == "submitted"
            )
        ).first()
        assert submitted is not None
        town = submitted.municipality.code
        db.session.remove()
    yield {"previous": rounds[2025], "current": rounds[2026], "town": town}
    with app.app_context():
        empty_database()


def pages_of(role: str, demo: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, path) of the main pages of each role."""
    r24, r25, town = demo["previous"], demo["current"], demo["town"]
    own = f"/rounds/{r25}/responses/{DEMO_TOWN}"
    return {
        "municipal": [
            ("municipal-home", "/"),
            ("municipal-overview", own),
            ("municipal-form-basic", f"{own}/sections/basic"),
            ("municipal-form-grid", f"{own}/sections/std"),
            ("municipal-results", f"/rounds/{r24}/results/{DEMO_TOWN}"),
        ],
        "adviser": [
            ("adviser-home", "/"),
            ("adviser-results", f"/rounds/{r24}/results/{DEMO_TOWN}"),
            ("adviser-reports", "/reports"),
            ("adviser-municipalities", "/municipalities"),
        ],
        "prefecture": [
            ("prefecture-home", "/"),
            ("prefecture-rounds", "/rounds"),
            ("prefecture-round-status", f"/rounds/{r25}"),
            ("prefecture-follow-up", f"/rounds/{r25}/follow-up"),
            ("prefecture-regional", f"/rounds/{r25}/regions"),
            ("prefecture-kpis", f"/rounds/{r25}/kpis"),
            ("prefecture-history", f"/rounds/{r25}/responses/{town}/history"),
        ],
        "admin": [
            ("admin-users", "/admin/users"),
            ("admin-new-user", "/admin/users/new"),
            ("admin-import", "/admin/users/import"),
        ],
    }[role]


MEASURE = """() => {
  const root = document.documentElement;
  const squeezed = [];
  for (const el of document.querySelectorAll('th, td, label, legend, dt, dd, h1, h2, h3, li')) {
    const text = (el.innerText || '').trim();
    if (text.length < 4 || el.closest('[hidden]') || el.querySelector('.visually-hidden')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0) continue;
    const em = parseFloat(getComputedStyle(el).fontSize);
    if (box.width < 2.6 * em) squeezed.push(`${text.slice(0, 20)} (${Math.round(box.width)}px)`);
  }
  const split = [];
  for (const el of document.querySelectorAll('.required, .tag, .status')) {
    if (el.getClientRects().length > 1) split.push(el.innerText);
  }
  const regions = [];
  for (const el of document.querySelectorAll('.table-scroll')) {
    regions.push({
      scrolls: el.scrollWidth > el.clientWidth,
      tabindex: el.getAttribute('tabindex'),
      name: el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || '',
    });
  }
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.parentElement && el.parentElement.closest('.table-scroll')) continue;
    if (el.closest('.visually-hidden, [hidden]')) continue;
    const box = el.getBoundingClientRect();
    if (box.right > window.innerWidth + 0.5 && box.width > 0) {
      wide.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(box.right)}px`);
    }
  }
  return {width: root.scrollWidth, viewport: window.innerWidth, squeezed, split, regions,
          wide: wide.slice(-5)};
}"""


QUESTIONNAIRES = REPO / "questionnaires" / "dx-maturity"
QUESTION_IDS = sorted(
    {x.id for f in QUESTIONNAIRES.glob("fy*.yaml") for x in load_questionnaire(f).questions}
)


def check_page(page: Page, name: str, screenshots: Path, width: str) -> list[str]:
    """Problems found on the current page (empty when it fits, passes axe and shows people
    no internal question id)."""
    problems: list[str] = []
    text = page.evaluate("() => document.body.innerText")
    ids = [qid for qid in QUESTION_IDS if re.search(rf"(?<![\w/-]){qid}(?![\w/-])", text)]
    if ids:
        problems.append(f"{name}: question ids shown: {ids[:5]}")
    facts = page.evaluate(MEASURE)
    if facts["width"] > facts["viewport"]:
        problems.append(
            f"{name}: page {facts['width']} px wide at {facts['viewport']} px: {facts['wide']}"
        )
    if facts["squeezed"]:
        problems.append(f"{name}: squeezed text {facts['squeezed'][:5]}")
    if facts["split"]:
        problems.append(f"{name}: split over lines {facts['split'][:5]}")
    for region in facts["regions"]:
        if region["tabindex"] != "0" or not region["name"]:
            problems.append(f"{name}: a scrolling table region without tabindex=0 and a label")
    violations = axe_violations(page)
    if violations:
        problems.append(f"{name}: axe {json.dumps(violations, ensure_ascii=False)}")
    return problems


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", ["municipal", "adviser", "prefecture", "admin"])
def test_main_pages_fit_the_screen(
    demo: dict[str, Any], new_context: NewContext, screenshots: Path, role: str, width: str
) -> None:
    context = new_context(viewport=WIDTHS[width])
    context.set_default_navigation_timeout(40_000)  # a round's first results are computed here
    page = log_in_demo(context, role)
    problems: list[str] = []
    for name, path in pages_of(role, demo):
        response = page.goto(path)
        assert response is not None
        assert response.ok, f"{name}: {path} answered {response.status}"
        problems += check_page(page, name, screenshots, width)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_login_page_fits_the_screen(
    demo: dict[str, Any], new_context: NewContext, screenshots: Path, width: str
) -> None:
    page = new_context(viewport=WIDTHS[width]).new_page()
    page.goto("/login")
    assert check_page(page, "login", screenshots, width) == []


def test_phone_status_grid_is_stacked_with_large_tap_targets(
    demo: dict[str, Any], new_context: NewContext
) -> None:
    """At 390 px each of the 20 systems is one row: its name over a full-width select."""
    page = log_in_demo(new_context(viewport=PHONE), "municipal")
    page.goto(f"/rounds/{demo['current']}/responses/{DEMO_TOWN}/sections/std")
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 20
    first = rows.first
    label = first.locator("th").bounding_box()
    select_box = first.locator("select").bounding_box()
    assert label is not None
    assert select_box is not None
    assert select_box["y"] >= label["y"] + label["height"] - 1  # the select is below its name
    assert select_box["width"] >= 300
    assert select_box["height"] >= 44
    # the radios of the other pages are at least 24 px, with a label box of 44 px
    page.goto(f"/rounds/{demo['current']}/responses/{DEMO_TOWN}/sections/mnc")
    radio = page.locator(".options input[type=radio]").first
    box = radio.bounding_box()
    assert box is not None
    assert box["width"] >= 24
    assert box["height"] >= 24
    label_box = page.locator(".options label").first.bounding_box()
    assert label_box is not None
    assert label_box["height"] >= 44


def test_print_leaves_out_the_menus(demo: dict[str, Any], new_context: NewContext) -> None:
    page = log_in_demo(new_context(viewport=DESKTOP), "prefecture")
    page.goto(f"/rounds/{demo['current']}/regions")
    expect(page.locator(".main-nav")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".main-nav")).to_be_hidden()
    expect(page.locator(".round-nav")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
