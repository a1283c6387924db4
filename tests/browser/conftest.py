"""Fixtures for the browser tests: the app served for real, Chromium, browser contexts.

The session ``app`` (same database as the test) is served by Werkzeug in a background thread.
Requests served there run in their own app contexts, so each has its own database session
(Flask-SQLAlchemy scopes sessions per app context): commit the test data before the browser
acts, and ``db.session.expire_all()`` before reading results back.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright; never ``playwright install``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.support.paths import REPO

if TYPE_CHECKING:  # imported lazily: without Playwright the test module skips itself
    from playwright.sync_api import Browser, BrowserContext

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1100, "height": 900}
SCREENSHOTS = REPO / "docs" / "screenshots"
TIMEOUT_MS = 10_000


class _QuietHandler(WSGIRequestHandler):
    """No access log lines on stderr (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The base URL of the app served by a threaded Werkzeug server."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_context(chromium: Browser, live_server: str) -> Iterator[Callable[..., BrowserContext]]:
    """Make browser contexts (closed after the test) at the live server, 1100×900 unless
    ``viewport=`` says otherwise, Japanese."""
    contexts: list[BrowserContext] = []

    def factory(**options: Any) -> BrowserContext:
        options.setdefault("viewport", VIEWPORT)
        context = chromium.new_context(
            base_url=live_server, locale="ja-JP", timezone_id="Asia/Tokyo", **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save their screenshots: docs/screenshots/ when
    ``DX_SCREENSHOTS=1`` (to refresh the README's pictures, on a machine with a Japanese font
    such as Debian's fonts-noto-cjk), else a temporary folder, so a test run changes no file in
    the checkout."""
    if os.environ.get("DX_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path_factory.mktemp("screenshots")
