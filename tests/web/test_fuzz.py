"""A seeded, bounded fuzz of every route, form and query parameter: hostile input never gives
a 5xx, and NUL or control characters get the Japanese 400 page with nothing changed.

The routes come from ``app.url_map``; the forms (action, method, field names and their
values as shown) and the query parameters from the pages every role sees, crawled from the
home page and every GET route (one page of each kind). For every role: each path parameter of
each route, then a few query parameters, then each field of each form (the others keep their
shown values), then all fields of a form at once get a hostile value, drawn in turn from a list
shuffled by the seed, with a valid CSRF token so that the request reaches the view; the fields
that carry JSON, reasons or redirect targets get every hostile value. A few endpoints are not
submitted valid-looking because they start heavy work (PDF rendering, report batches); their hostile
variants still are (the guard answers before the view).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask import Flask

from tests.support import Browser, table_counts

SEED = 20261201
MAX_PAGES = 60  # pages crawled per role
DOWNLOADS = (".pdf", ".zip", ".csv", ".xlsx")
OWN = "014630"  # 占冠村
OTHER = "012025"  # 函館市
ROLES = ("anonymous", "municipal", "adviser", "prefecture", "admin")

NUL = "a\x00b"
HOSTILE: tuple[str, ...] = (
    NUL,
    "\x00",
    "x\x01\x02\x1b[31m\x7f",
    "line\r\nSet-Cookie: injected=1",
    "/\t/evil.example",
    "//evil.example/",
    "https://evil.example/",
    "/\\evil.example",
    "\u202eevil\u202c",
    "²",
    "１２",
    "①",
    "-1",
    "99999999999999999999999999",
    "1e999",
    "NaN",
    "x" * 20_000,
    "{",
    '{"014630": [1e999, 1]}',
    '{"014630": "x", "a": [null, {}]}',
    "[" * 3000,
    "null",
    "'; DROP TABLE response; --",
    "<script>alert(1)</script>",
    "",
)
HOSTILE_PATH: tuple[str, ...] = ("%00", "a%00b", "%0d%0aX:1", "%E2%80%AE", "%C2%B2", "x" * 300)
HOSTILE_FILES: tuple[bytes, ...] = (
    b"",
    b"\x00" * 64,
    b"PK\x03\x04garbage",
    "code,name\n01463\x00,占冠村\n".encode(),
    "\ufeff団体コード,人口\n²,¹\n".encode(),
)

#: Endpoints whose valid-looking submission starts heavy work; only their hostile path and
#: query variants are sent.
HEAVY = {
    ("reports.municipality_report", "GET"),
    ("reports.regional_report", "GET"),
    ("reports.batch", "POST"),
    ("auth.logout", "POST"),
}

STATIC = {("static", "GET")}

#: Forms that appear only after an upload (the preview pages) or whose fields carry JSON,
#: reasons or redirect targets: (role, method, path, fields). Each field of these is sent
#: every hostile value, as the role that may use the form.
EXTRA_FORMS = (
    (
        "prefecture",
        "POST",
        "/rounds/{round_id}/statistics/apply",
        {"values": "{}", "reason": "統計", "confirm": "y"},
    ),
    (
        "municipal",
        "POST",
        "/rounds/{round_id}/responses/{own}/import/apply",
        {"posted": "{}", "base_version": "0", "source_name": "a.xlsx", "confirm": "y"},
    ),
    ("prefecture", "POST", "/rounds/{round_id}/responses/{other}/reopen", {"reason": "理由"}),
    ("anonymous", "POST", "/language", {"lang": "en", "next": "/"}),
)


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


class FormParser(HTMLParser):
    """The forms (fields with the values a browser would send) and links of a page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"])
        if tag == "form":
            action = a.get("action") or self.page
            self._form = Form(action, (a.get("method") or "get").upper())
            self.forms.append(self._form)
        if self._form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind == "file":
                self._form.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in a or name not in self._form.fields:
                    self._form.fields[name] = a.get("value", "y")
            elif kind not in ("submit", "button", "image", "reset"):
                self._form.fields[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            self._form.fields.setdefault(name, "")
        elif tag == "option" and self._select:
            if "selected" in a or not self._form.fields.get(self._select):
                self._form.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self._form.fields[name] = ""
        elif tag == "button" and a.get("value"):
            self._form.fields.setdefault(name, a["value"])

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


@pytest.fixture
def world(
    registry: None, make_user: Callable[..., Any], assign: Callable[[object, list[str]], None]
) -> dict[str, Any]:
    from dx_assess.extensions import db
    from dx_assess.services.responses import submit
    from dx_assess.services.rounds import round_questionnaire
    from tests.support.answers import complete_answers, open_test_round, respond, support
    from tests.support.people import one_per_role

    users = one_per_role(make_user, assign, OWN)
    support((OWN, OTHER))
    survey_round = open_test_round(2025, "2025.1")
    questionnaire = round_questionnaire(survey_round)
    respond(survey_round, OWN, {"basic_department": "総務課"})
    other = respond(survey_round, OTHER, complete_answers(questionnaire))
    assert submit(db.session, other, questionnaire, None) == []
    db.session.commit()
    return {
        **users,
        "round_id": survey_round.id,
        "params": {
            "round_id": str(survey_round.id),
            "code": OWN,
            "user_id": str(users["municipal"].id),
            "section_id": "basic",
            "job_id": "1",
            "kind": "answers",
        },
    }


def _fill(rule: Any, params: dict[str, str], override: dict[str, str] | None = None) -> str:
    """A URL for ``rule`` with every argument from ``params`` (or ``override``)."""
    values: dict[str, str] = {}
    for arg in rule.arguments:
        if override and arg in override:
            values[arg] = override[arg]
        elif arg in params:
            values[arg] = params[arg]
        elif arg.endswith("_id"):
            values[arg] = params.get(arg, "1")
        else:
            values[arg] = params.get(arg, OWN)
    path = rule.rule
    for arg, value in values.items():
        path = re.sub(rf"<(?:[a-z]+:)?{arg}>", value, path)
    return path


def _login(browser: Browser, role: str, world: dict[str, Any]) -> None:
    if role != "anonymous":
        assert browser.login(world[role].login).status_code == 302


def _crawl(app: Flask, browser: Browser, world: dict[str, Any]) -> tuple[list[Form], set[str]]:
    """Every form and query parameter name on the GET pages this browser may see."""
    forms: list[Form] = []
    query_names: set[str] = {"next"}
    seen: set[str] = set()
    pages = ["/"]
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and (rule.endpoint, "GET") not in HEAVY | STATIC:
            pages.append(_fill(rule, world["params"]))
    kinds: set[tuple[object, ...]] = set()
    while pages:
        page = pages.pop(0)
        parts = urlsplit(page)
        kind = (
            _endpoint(app, page, "GET"),
            (parts.path,) if "sections" in parts.path else (),  # each section: its own form
            *sorted(k for k, _v in parse_qsl(parts.query, keep_blank_values=True)),
        )
        if kind in kinds or len(seen) >= MAX_PAGES or parts.path.endswith(DOWNLOADS):
            continue  # one page of each kind: the forms and parameters of a kind are alike
        kinds.add(kind)
        seen.add(page)
        response = browser.get(page)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        parser = FormParser(urlsplit(page).path)
        parser.feed(response.get_data(as_text=True))
        forms.extend(parser.forms)
        for link in parser.links:
            parts = urlsplit(link)
            query_names.update(k for k, _v in parse_qsl(parts.query, keep_blank_values=True))
            if link not in seen:
                pages.append(link)
    unique: dict[tuple[str, str, tuple[str, ...]], Form] = {}
    for form in forms:
        unique.setdefault(
            (form.method, urlsplit(form.action).path, tuple(sorted(form.fields))), form
        )
    return list(unique.values()), query_names


def _token(browser: Browser) -> str:
    return browser.csrf_token("/login") if not _logged_in(browser) else browser.csrf_token("/")


def _logged_in(browser: Browser) -> bool:
    return browser.get("/").status_code == 200


def _cycle(rng: random.Random, values: tuple[Any, ...]) -> Iterator[Any]:
    order = list(values)
    while True:
        rng.shuffle(order)
        yield from order


def _endpoint(app: Flask, path: str, method: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method=method)
    except Exception:  # not a route: a 404/405 is fine
        return None
    return str(endpoint)


def test_hostile_input_never_gives_a_server_error(
    app: Flask, browser: Browser, world: dict[str, Any]
) -> None:
    rng = random.Random(SEED)  # noqa: S311 - reproducible, not secret
    values = _cycle(rng, HOSTILE)
    path_values = _cycle(rng, HOSTILE_PATH)
    files = _cycle(rng, HOSTILE_FILES)
    failures: list[str] = []
    sent = 0
    started = time.monotonic()

    def send(method: str, path: str, **kwargs: Any) -> int:
        nonlocal sent
        sent += 1
        data = kwargs.get("data") or {}
        shown = {k: (v[:40] if isinstance(v, str) else "<file>") for k, v in data.items()}
        try:  # in testing mode an unhandled exception propagates instead of becoming a 500
            status = browser.request(method, path, **kwargs).status_code
        except Exception as exc:  # every one is reported below
            failures.append(f"{type(exc).__name__}: {exc!s:.120} {method} {path[:120]!r} {shown!r}")
            return 500
        if status >= 500:
            failures.append(f"{status} {method} {path[:120]!r} {shown!r}")
        return status

    for role in ROLES:
        browser.client.delete_cookie("session")
        browser = Browser(app)
        _login(browser, role, world)
        forms, query_names = _crawl(app, browser, world)
        extras = [
            Form(path.format(own=OWN, other=OTHER, round_id=world["round_id"]), method, dict(f))
            for who, method, path, f in EXTRA_FORMS
            if who == role
        ]
        token = _token(browser)
        # 1. every route with each path argument hostile, and hostile query parameters
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": token} if method == "POST" else None
                for arg in rule.arguments or {"": None}:
                    if arg:
                        path = _fill(rule, world["params"], {arg: next(path_values)})
                        send(method, path, data=data)
                if (rule.endpoint, method) in HEAVY:
                    continue
                base = _fill(rule, world["params"])
                names = sorted(query_names)
                query = {name: next(values) for name in rng.sample(names, min(4, len(names)))}
                send(method, base + "?" + urlencode(query), data=data)
        # 2. the extra forms: every field with every hostile value
        for form in extras:
            for name in form.fields:
                for value in HOSTILE:
                    data = {**form.fields, name: value, "csrf_token": token}
                    send("POST", form.action, data=data)
        # 3. every field of every form, one hostile value at a time, then all at once
        for form in forms:
            path = form.action
            if (_endpoint(app, path, form.method), form.method) in HEAVY:
                continue
            names = [n for n in form.fields if n != "csrf_token"]
            for name in [*names, *form.files]:
                data: dict[str, Any] = {**form.fields, "csrf_token": token}
                for other in form.files:
                    data[other] = (__import__("io").BytesIO(next(files)), "upload.xlsx")
                if name in form.files:
                    data[name] = (__import__("io").BytesIO(next(files)), "a\x00.xlsx")
                else:
                    data[name] = next(values)
                if form.method == "GET":
                    send(
                        "GET",
                        path
                        + "?"
                        + urlencode({k: v for k, v in data.items() if isinstance(v, str)}),
                    )
                else:
                    send("POST", path, data=data)
            if form.method == "POST":
                data = {n: next(values) for n in names} | {"csrf_token": token}
                send("POST", path, data=data)
        if role != "anonymous" and not _logged_in(browser):
            failures.append(f"the {role} session ended during the fuzz")

    elapsed = time.monotonic() - started
    assert failures == [], f"{len(failures)} of {sent} requests failed:\n" + "\n".join(
        failures[:40]
    )
    assert sent > 500, sent  # the crawl found the routes and forms
    print(f"fuzz: {sent} requests in {elapsed:.1f} s")


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("POST", "/login", {"login": "mu\x00ni", "password": "x"}),
        ("GET", "/municipalities?q=%E5%8D%A0%00", None),
        ("GET", "/municipalities/%00", None),
        ("GET", "/municipalities/0146%0d%0a30", None),
        ("POST", "/rounds/{round_id}/responses/{other}/reopen", {"reason": "やり直し\x00"}),
        ("POST", "/language", {"lang": "en", "next": "/\r\nSet-Cookie: x=1"}),
        ("POST", "/language", {"lang": "en", "next": "/\t/evil.example"}),
    ],
)
def test_nul_and_control_characters_get_the_japanese_400_and_change_nothing(
    app: Flask,
    browser: Browser,
    world: dict[str, Any],
    method: str,
    path: str,
    data: dict[str, str] | None,
) -> None:
    if "/login" not in path:
        _login(browser, "prefecture", world)
    path = path.format(round_id=world["round_id"], other=OTHER)
    before = table_counts()
    token = _token(browser)
    response = browser.request(method, path, data={**(data or {}), "csrf_token": token})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "送信された内容を受け付けられませんでした" in html
    assert "何も変更していません" in html
    assert "Set-Cookie" not in str(response.headers.get("Location", ""))
    assert table_counts() == before


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/", "evil"],
)
def test_next_never_leaves_the_site(target: str) -> None:
    from dx_assess.web.request_guard import safe_next

    assert safe_next(target) is None
    assert safe_next("/rounds?x=1") == "/rounds?x=1"


def test_superscript_digits_in_an_integer_field_are_a_japanese_error(
    browser: Browser, world: dict[str, Any]
) -> None:
    _login(browser, "prefecture", world)
    before = table_counts()
    response = browser.post(
        "/rounds",
        {
            "fiscal_year": "²⁰²⁶",
            "questionnaire": "dx-maturity:2025.1",
            "opens_on": "2026-04-01",
            "closes_on": "2026-06-30",
        },
    )
    assert response.status_code == 422
    assert "年度は西暦4桁で入力してください" in response.get_data(as_text=True)
    assert table_counts() == before


def test_a_search_pasted_with_a_tab_still_works(browser: Browser, world: dict[str, Any]) -> None:
    _login(browser, "prefecture", world)
    response = browser.get("/municipalities?q=%E5%8D%A0%E5%86%A0%09")  # 「占冠\t」
    assert response.status_code == 200
    assert "占冠村" in response.get_data(as_text=True)
