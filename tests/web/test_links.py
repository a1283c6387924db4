"""Every link a role is shown leads somewhere it may go: crawl the demo as each role.

A page showing a link that answers 403 or 404, or any page answering 500, is a bug a user
meets; the matrix in test_authorization.py checks access route by route, this checks what the
pages offer. Downloads (PDF, ZIP, Excel, CSV) are requested too, except report PDFs, which
tests/reports renders and checks on their own (rendering dozens here would only cost time).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.support import Browser
from tests.support.crawl import PASSWORDS, crawl, demo_site

NOT_FOLLOWED = re.compile(r"^/static/|^/logout|\.pdf$")
DOWNLOAD = re.compile(r"\.(zip|xlsx|csv)$")
#: At most this many pages of one kind (say, municipality pages) per role: enough to reach
#: every kind of page without visiting all 53 of each.
PER_KIND = 6


@pytest.fixture(scope="module")
def demo(app: Flask) -> Iterator[None]:
    yield from demo_site(app)


@pytest.mark.parametrize("login", ["municipal", "adviser", "prefecture", "admin"])
def test_every_link_shown_to_a_role_works(app: Flask, demo: None, login: str) -> None:
    browser = Browser(app)
    assert browser.login(login, PASSWORDS[login]).status_code == 302
    seen: set[str] = set()
    broken: list[tuple[int, str, str]] = []
    for path, found_on, response in crawl(
        browser, per_kind=PER_KIND, not_followed=NOT_FOLLOWED, links_not_read=DOWNLOAD
    ):
        seen.add(path)
        if response.status_code != 200:
            broken.append((response.status_code, path, found_on))
    assert broken == []
    assert len(seen) > 10  # the crawl reached the pages behind the home page
