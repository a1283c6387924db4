"""Every link a role is shown leads somewhere it may go: crawl the demo as each role.

A page showing a link that answers 403 or 404, or any page answering 500, is a bug a user
meets; the matrix in test_authorization.py checks access route by route, this checks what the
pages offer. Downloads (PDF, ZIP, Excel, CSV) are requested too, except report PDFs, which
tests/reports renders and checks on their own (rendering dozens here would only cost time).
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask

from dx_assess.cli.main import DEMO_ACCOUNTS
from dx_assess.extensions import db
from tests.support import Browser, empty_database

PASSWORDS = {login: password for login, _name, _role, password in DEMO_ACCOUNTS}
HREF = re.compile(r'href="(/[^"#]*)')
NOT_FOLLOWED = re.compile(r"^/static/|^/logout|\.pdf$")
DOWNLOAD = re.compile(r"\.(zip|xlsx|csv)$")
#: At most this many pages of one kind (say, municipality pages) per role: enough to reach
#: every kind of page without visiting all 53 of each.
PER_KIND = 6


def kind(path: str) -> str:
    return re.sub(r"\d+", "N", urlsplit(path).path)


@pytest.fixture(scope="module")
def demo(app: Flask) -> Iterator[None]:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "setup"])
        assert result.exit_code == 0, result.output
        db.session.remove()
    yield
    with app.app_context():
        empty_database()


@pytest.mark.parametrize("login", ["municipal", "adviser", "prefecture", "admin"])
def test_every_link_shown_to_a_role_works(app: Flask, demo: None, login: str) -> None:
    browser = Browser(app)
    assert browser.login(login, PASSWORDS[login]).status_code == 302
    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    broken: list[tuple[int, str, str]] = []
    while queue:
        path, found_on = queue.popleft()
        if path in seen or kinds[kind(path)] >= PER_KIND:
            continue
        seen.add(path)
        kinds[kind(path)] += 1
        response = browser.get(path, follow_redirects=True)
        if response.status_code != 200:
            broken.append((response.status_code, path, found_on))
            continue
        if DOWNLOAD.search(urlsplit(path).path) or response.mimetype != "text/html":
            continue
        for href in HREF.findall(response.get_data(as_text=True)):
            href = href.replace("&amp;", "&")
            if not NOT_FOLLOWED.search(urlsplit(href).path) and href not in seen:
                queue.append((href, path))
    assert broken == []
    assert len(seen) > 10  # the crawl reached the pages behind the home page
