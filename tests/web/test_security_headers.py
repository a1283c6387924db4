"""Security headers on every response (issue 11, security), and templates the
Content-Security-Policy does not have to loosen for (no inline script, handler or style)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from tests.support import Browser
from tests.support.paths import REPO

ROOT = REPO
PACKAGE = ROOT / "dx_assess"


def assert_common_headers(headers: object) -> None:
    get = headers.get  # type: ignore[attr-defined]
    csp = get("Content-Security-Policy")
    assert csp is not None
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert get("X-Frame-Options") == "DENY"
    assert get("X-Content-Type-Options") == "nosniff"
    assert get("Referrer-Policy") == "same-origin"


def test_anonymous_pages_errors_and_static_files_carry_the_headers(browser: Browser) -> None:
    for path, status in (
        ("/login", 200),
        ("/healthz", 200),
        ("/no-such-page", 404),
        ("/static/style.css", 200),
        ("/", 302),
    ):
        response = browser.get(path)
        assert response.status_code == status, path
        assert_common_headers(response.headers)
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
        response.close()


def test_logged_in_pages_are_never_stored(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("municipal", "014630", login="muni")
    browser.login("muni")
    for path in ("/", "/municipalities/014630", "/reports", "/no-such-page"):
        response = browser.get(path)
        assert_common_headers(response.headers)
        assert response.headers["Cache-Control"] == "no-store", path
    static = browser.get("/static/style.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_hsts_only_over_https(browser: Browser) -> None:
    response = browser.get("/login", base_url="https://dx.example.jp")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # a forwarded scheme is not believed unless DX_PROXY_COUNT says a proxy is ours
    response = browser.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_behind_a_proxy_the_forwarded_scheme_and_address_count(
    app: Flask, database_url: str, db_session: object
) -> None:
    from dx_assess import create_app
    from dx_assess.extensions import db

    proxied = create_app({"DX_ENV": "testing", "DATABASE_URL": database_url, "DX_PROXY_COUNT": "1"})
    client = proxied.test_client()
    with proxied.app_context():
        response = client.get(
            "/login", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4"}
        )
        db.engine.dispose()
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# ---------------------------------------------------------------------------- templates


def _templates() -> list[Path]:
    return sorted(PACKAGE.glob("**/templates/**/*.html"))


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
JS_URL = re.compile(r"javascript:", re.IGNORECASE)


@pytest.mark.parametrize(
    "pattern",
    [INLINE_SCRIPT, HANDLER, STYLE_ATTRIBUTE, STYLE_ELEMENT, JS_URL],
    ids=["inline-script", "event-handler", "style-attribute", "style-element", "javascript-url"],
)
def test_no_template_needs_inline_script_or_style(pattern: re.Pattern[str]) -> None:
    assert len(_templates()) > 30
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in _templates()
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_html_and_svg_made_in_python_have_no_style_attributes() -> None:
    """The dashboards draw their map and charts as SVG on the server: presentation attributes
    (fill, stroke) are allowed by the CSP, style attributes would not be."""
    found = [
        str(path.relative_to(ROOT))
        for path in sorted(PACKAGE.glob("**/*.py"))
        if re.search(r"""['"][^'"\n]*<[a-z][^'"\n]*\sstyle=""", path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_scripts_do_not_write_inline_styles_or_evaluate_strings() -> None:
    for script in sorted((PACKAGE / "static").glob("*.js")):
        text = script.read_text(encoding="utf-8")
        assert 'setAttribute("style"' not in text, script.name
        assert "innerHTML" not in text, script.name
        assert not re.search(r"\beval\(|new Function\(", text), script.name
