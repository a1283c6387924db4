"""Japanese first, English available; the English catalog is complete and compiled."""

from __future__ import annotations

from collections.abc import Callable

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from tests.support import Browser
from tests.support.paths import REPO

ROOT = REPO
CATALOG = ROOT / "dx_assess" / "translations" / "en" / "LC_MESSAGES"


def source_messages() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT / "dx_assess"), method_map=method_map, keywords=keywords
        )
        if isinstance(message, str)
    }


def test_every_message_in_the_source_has_an_english_translation() -> None:
    with (CATALOG / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="en")
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(source_messages() - translated.keys())
    assert missing == [], "run: pybabel extract/update, translate, pybabel compile (see README)"


def test_compiled_catalog_matches_the_po_file() -> None:
    with (CATALOG / "messages.po").open("rb") as f:
        po = {m.id: m.string for m in read_po(f, locale="en") if m.id}
    with (CATALOG / "messages.mo").open("rb") as f:
        mo = {m.id: m.string for m in read_mo(f) if m.id}
    assert mo == po, "messages.mo is stale: run pybabel compile -d dx_assess/translations"


def test_japanese_is_the_default(browser: Browser) -> None:
    html = browser.get("/login").get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert "ログインIDとパスワードを入力してください" in html


def test_switching_to_english_and_back(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    response = browser.post("/language", {"lang": "en", "next": "/login"}, form_page="/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    html = browser.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Enter the login ID and password the prefecture gave you." in html

    make_user("prefecture", login="pref")
    browser.login("pref")
    assert "Prefecture DX division" in browser.get("/").get_data(as_text=True)

    browser.post("/language", {"lang": "ja", "next": "/"}, form_page="/")
    assert "道庁 DX推進課のページ" in browser.get("/").get_data(as_text=True)


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(browser: Browser) -> None:
    assert browser.post("/language", {"lang": "fr"}, form_page="/login").status_code == 400
    for target in ("//evil.example/", "/\t/evil.example", "https://evil.example/"):
        response = browser.post("/language", {"lang": "en", "next": target}, form_page="/login")
        assert response.status_code == 400  # the Japanese 400 page; the language is unchanged
        assert "Location" not in response.headers
    assert "ログイン" in browser.get("/login").get_data(as_text=True)
    response = browser.post("/language", {"lang": "en", "next": "/login"}, form_page="/login")
    assert response.headers["Location"] == "/login"


def test_statuses_made_by_pure_code_are_translated(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    from dx_assess.extensions import db
    from dx_assess.models import Municipality
    from tests.support.answers import open_test_round

    town = db.session.scalar(select(Municipality).where(Municipality.code == "014630"))
    assert town is not None
    town.supported = True
    db.session.commit()
    open_test_round(2025, "2025.1")
    make_user("municipal", "014630", login="muni")
    browser.login("muni")
    assert "未着手" in browser.get("/").get_data(as_text=True)
    browser.post("/language", {"lang": "en", "next": "/"}, form_page="/")
    html = browser.get("/").get_data(as_text=True)
    assert "Not started" in html
    assert "未着手" not in html
