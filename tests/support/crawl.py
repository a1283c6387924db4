"""Crawling the demo as a role (tests/web/test_links.py, test_no_question_ids.py): the demo's
data for a test module, and a breadth-first walk over the links its pages show."""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.test import TestResponse

from dx_assess.cli.main import DEMO_ACCOUNTS
from dx_assess.extensions import db
from tests.support import Browser, empty_database

#: The demo accounts' passwords by login.
PASSWORDS = {login: password for login, _name, _role, password in DEMO_ACCOUNTS}
HREF = re.compile(r'href="(/[^"#]*)')


def demo_site(app: Flask) -> Iterator[None]:
    """For a module fixture: ``dx-assess demo setup`` in the test database, emptied after."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "setup"])
        assert result.exit_code == 0, result.output
        db.session.remove()
    yield
    with app.app_context():
        empty_database()


def kind(path: str) -> str:
    """A page's kind: its path with every number as N."""
    return re.sub(r"\d+", "N", urlsplit(path).path)


def crawl(
    browser: Browser,
    *,
    per_kind: int,
    not_followed: re.Pattern[str],
    links_not_read: re.Pattern[str] | None = None,
) -> Iterator[tuple[str, str, TestResponse]]:
    """Every page reached from ``/`` through the links the pages show, once each and at most
    ``per_kind`` of a kind, as (path, the page it was found on, the response after redirects).
    The links of an HTML page that answered 200 are followed, except those whose path
    ``not_followed`` matches; a page whose path ``links_not_read`` matches is not read."""
    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    while queue:
        path, found_on = queue.popleft()
        if path in seen or kinds[kind(path)] >= per_kind:
            continue
        seen.add(path)
        kinds[kind(path)] += 1
        response = browser.get(path, follow_redirects=True)
        yield path, found_on, response
        if response.status_code != 200:
            continue
        if links_not_read is not None and links_not_read.search(urlsplit(path).path):
            continue
        if response.mimetype != "text/html":
            continue
        for href in HREF.findall(response.get_data(as_text=True)):
            href = href.replace("&amp;", "&")
            if not not_followed.search(urlsplit(href).path) and href not in seen:
                queue.append((href, path))
