"""No page shows people an internal question id (issue 16): crawl the demo as each role, take
the text a reader sees (text nodes outside <script> and <style>, and the values of inputs
and buttons a reader sees), and look for the ids of the shipped questionnaires.

Ids in attributes (``id="question-mnc_cards_held"``, ``name="q_…"``) are for the page and
its script, and are not looked at; nor are downloads (the Excel answer sheet has its 設問ID
column by design, to read the file back)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from flask import Flask

from dx_assess.core.questionnaire import load_questionnaire
from tests.support import Browser
from tests.support.crawl import PASSWORDS, crawl, demo_site
from tests.support.paths import REPO

NOT_FOLLOWED = re.compile(r"^/static/|^/logout|\.(pdf|zip|xlsx|csv)$|/export")
PER_KIND = 3
QUESTION_IDS = sorted(
    {
        q.id
        for path in (REPO / "questionnaires" / "dx-maturity").glob("fy*.yaml")
        for q in load_questionnaire(path).questions
    }
)
SHOWN_ID = re.compile(r"(?<![\w/-])(" + "|".join(map(re.escape, QUESTION_IDS)) + r")(?![\w/-])")


class _Text(HTMLParser):
    """The text a reader sees on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        shown = dict(attrs)
        if tag == "input" and shown.get("type") in ("submit", "button", "text", None):
            self.parts.append(shown.get("value") or "")
        for name in ("title", "alt", "aria-label", "placeholder"):
            self.parts.append(shown.get(name) or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(p for p in parser.parts if p.strip())


def test_the_scan_finds_an_id_in_text_and_not_in_attributes() -> None:
    html = (
        '<div id="question-mnc_cards_held" data-question="mnc_cards_held">'
        "<p>問3-1 マイナンバーカードの保有枚数</p><script>var q='mnc_outreach';</script></div>"
    )
    assert SHOWN_ID.findall(visible_text(html)) == []
    assert SHOWN_ID.findall(visible_text(html + "<p>mnc_cards_held、mnc_outreach</p>")) == [
        "mnc_cards_held",
        "mnc_outreach",
    ]


@pytest.fixture(scope="module")
def demo(app: Flask) -> Iterator[None]:
    yield from demo_site(app)


@pytest.mark.parametrize("login", ["municipal", "adviser", "prefecture"])
def test_no_page_shows_a_question_id(app: Flask, demo: None, login: str) -> None:
    browser = Browser(app)
    assert browser.login(login, PASSWORDS[login]).status_code == 302
    seen: set[str] = set()
    shown: dict[str, list[str]] = {}
    for path, _found_on, response in crawl(browser, per_kind=PER_KIND, not_followed=NOT_FOLLOWED):
        seen.add(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        found = sorted(set(SHOWN_ID.findall(visible_text(response.get_data(as_text=True)))))
        if found:
            shown[path] = found
    assert shown == {}
    assert any("/sections/" in p for p in seen) or login != "municipal"
    assert len(seen) > 10
