"""The authorization matrix: every page × every role × own / other municipality.

A new route fails test_every_route_is_in_the_matrix until it is added here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask, url_for

from dx_assess.web import menu
from tests.support import Browser

OWN = "014630"  # 占冠村: the municipal user's town, assigned to the adviser
OTHER = "012025"  # 函館市: nobody's

ROLES = ("anonymous", "municipal", "adviser", "prefecture", "admin")


@dataclass(frozen=True)
class Case:
    endpoint: str
    method: str
    path: str  # may contain {own}, {other}, {adviser_id}, {municipal_id}
    # expected status per role; "login" = redirect to the log-in page
    expect: dict[str, int | str]


def only(*roles: str, ok: int = 200, anonymous: int | str = "login") -> dict[str, int | str]:
    return {r: (anonymous if r == "anonymous" else ok if r in roles else 403) for r in ROLES}


EVERYONE = only("municipal", "adviser", "prefecture", "admin")
CASES = [
    Case("main.home", "GET", "/", EVERYONE),
    Case("registry.municipality_list", "GET", "/municipalities", EVERYONE),
    Case("registry.municipality_detail", "GET", "/municipalities/{own}", EVERYONE),
    Case(
        "registry.municipality_detail",
        "GET",
        "/municipalities/{other}",
        only("prefecture", "admin"),
    ),
    # separation of duties: the prefecture runs the programme, rounds and statistics; the
    # admin keeps accounts, assignments and the security log (both view every municipality)
    Case("registry.supported_upload", "GET", "/registry/supported", only("prefecture")),
    Case("registry.supported_upload", "POST", "/registry/supported", only("prefecture", ok=422)),
    Case(
        "registry.supported_apply", "POST", "/registry/supported/apply", only("prefecture", ok=302)
    ),
    Case("admin.users", "GET", "/admin/users", only("admin")),
    Case("admin.user_new", "GET", "/admin/users/new", only("admin")),
    Case("admin.user_new", "POST", "/admin/users/new", only("admin", ok=422)),
    Case("admin.user_edit", "GET", "/admin/users/{municipal_id}", only("admin")),
    Case("admin.user_edit", "POST", "/admin/users/{municipal_id}", only("admin", ok=422)),
    Case("admin.assignments", "GET", "/admin/users/{adviser_id}/assignments", only("admin")),
    Case(
        "admin.assignments", "POST", "/admin/users/{adviser_id}/assignments", only("admin", ok=302)
    ),
    Case("admin.security_events", "GET", "/admin/security-events", only("admin")),
    # 「送信メール」: the outbox (no mail in this world: the admin gets 404 for one)
    Case("outbox.mails", "GET", "/admin/mail", only("admin")),
    Case("outbox.mail", "GET", "/admin/mail/999999", only("admin", ok=404)),
    # accounts in bulk: upload and preview, create, the initial passwords once (issue 15)
    Case("admin.users_import", "GET", "/admin/users/import", only("admin")),
    Case("admin.users_import", "POST", "/admin/users/import", only("admin", ok=422)),
    # no file kept under the token: back to the upload page
    Case("admin.users_import_create", "POST", "/admin/users/import/create", only("admin", ok=302)),
    Case("admin.users_import_done", "GET", "/admin/users/import/" + "a" * 32, only("admin")),
    Case(
        "admin.users_import_passwords",
        "POST",
        "/admin/users/import/" + "a" * 32 + "/passwords.csv",
        only("admin", ok=302),
    ),
    Case(
        "auth.logout",
        "POST",
        "/logout",
        only("municipal", "adviser", "prefecture", "admin", ok=302),
    ),
    Case("auth.login", "GET", "/login", {**{r: 302 for r in ROLES}, "anonymous": 200}),
    Case("auth.login", "POST", "/login", {**{r: 302 for r in ROLES}, "anonymous": 200}),
    # password reset: open to anyone (the link's token is the credential; a bad one is 400)
    Case("auth.forgot_password", "GET", "/password/forgot", {r: 200 for r in ROLES}),
    Case("auth.forgot_password", "POST", "/password/forgot", {r: 422 for r in ROLES}),
    Case("auth.reset_password", "GET", "/password/reset/not-a-token", {r: 400 for r in ROLES}),
    Case("auth.reset_password", "POST", "/password/reset/not-a-token", {r: 400 for r in ROLES}),
    Case("main.set_language", "POST", "/language", {r: 400 for r in ROLES}),
    Case("main.healthz", "GET", "/healthz", {r: 200 for r in ROLES}),
    # the test client calls from 127.0.0.1, not through a proxy (see test_observability)
    Case("metrics", "GET", "/metrics", {r: 200 for r in ROLES}),
    # rounds
    Case("rounds.rounds", "GET", "/rounds", only("prefecture")),
    Case("rounds.rounds", "POST", "/rounds", only("prefecture", ok=422)),
    Case("rounds.round_status", "GET", "/rounds/{round_id}", EVERYONE),
    Case("rounds.close", "POST", "/rounds/{round_id}/close", only("prefecture", ok=422)),
    Case("rounds.schedule", "POST", "/rounds/{round_id}/schedule", only("prefecture", ok=422)),
    Case(
        "rounds.send_reminders", "POST", "/rounds/{round_id}/reminders", only("prefecture", ok=302)
    ),
    # a response: its overview, sections, history; answering is for the town's own staff
    *[
        Case("survey.overview", "GET", f"/rounds/{{round_id}}/responses/{{{which}}}", expect)
        for which, expect in (("own", EVERYONE), ("other", only("prefecture", "admin")))
    ],
    *[
        Case(
            "survey.section",
            "GET",
            f"/rounds/{{round_id}}/responses/{{{which}}}/sections/basic",
            expect,
        )
        for which, expect in (("own", EVERYONE), ("other", only("prefecture", "admin")))
    ],
    *[
        Case("survey.history", "GET", f"/rounds/{{round_id}}/responses/{{{which}}}/history", expect)
        for which, expect in (("own", EVERYONE), ("other", only("prefecture", "admin")))
    ],
    Case(
        "survey.section",
        "POST",
        "/rounds/{round_id}/responses/{own}/sections/basic",
        only("municipal", ok=302),
    ),
    Case("survey.section", "POST", "/rounds/{round_id}/responses/{other}/sections/basic", only()),
    Case(
        "survey.submit_response",
        "POST",
        "/rounds/{round_id}/responses/{own}/submit",
        only("municipal", ok=422),
    ),
    Case("survey.submit_response", "POST", "/rounds/{round_id}/responses/{other}/submit", only()),
    # review (確認) and its 確認票 PDF: whoever may view; confirming a submission: the town's
    # staff; the 提出控え: whoever may view, once submitted (404 here: the responses are drafts;
    # tests/web/answering/test_review_submit.py downloads a real one)
    *[
        Case(endpoint, "GET", f"/rounds/{{round_id}}/responses/{{{which}}}/{rest}", expect)
        for endpoint, rest in (
            ("survey.review", "review"),
            ("survey.confirmation_pdf", "confirmation.pdf"),
        )
        for which, expect in (("own", EVERYONE), ("other", only("prefecture", "admin")))
    ],
    Case(
        "survey.confirm_submit",
        "GET",
        "/rounds/{round_id}/responses/{own}/submit",
        only("municipal"),
    ),
    Case("survey.confirm_submit", "GET", "/rounds/{round_id}/responses/{other}/submit", only()),
    Case(
        "survey.receipt_download",
        "GET",
        "/rounds/{round_id}/responses/{own}/receipt.pdf",
        only("municipal", "adviser", "prefecture", "admin", ok=404),
    ),
    Case(
        "survey.receipt_download",
        "GET",
        "/rounds/{round_id}/responses/{other}/receipt.pdf",
        only("prefecture", "admin", ok=404),
    ),
    Case(
        "survey.prefill_response",
        "POST",
        "/rounds/{round_id}/responses/{own}/prefill",
        only("municipal", ok=302),
    ),
    Case("survey.prefill_response", "POST", "/rounds/{round_id}/responses/{other}/prefill", only()),
    Case(
        "survey.reopen_response",
        "POST",
        "/rounds/{round_id}/responses/{own}/reopen",
        only("prefecture", ok=422),
    ),
    # Excel round trip: anyone who may view downloads; only the town's staff upload
    Case("excel.download", "GET", "/rounds/{round_id}/responses/{own}/export.xlsx", EVERYONE),
    Case(
        "excel.download",
        "GET",
        "/rounds/{round_id}/responses/{other}/export.xlsx",
        only("prefecture", "admin"),
    ),
    Case("excel.upload", "GET", "/rounds/{round_id}/responses/{own}/import", only("municipal")),
    Case("excel.upload", "GET", "/rounds/{round_id}/responses/{other}/import", only()),
    Case(
        "excel.upload",
        "POST",
        "/rounds/{round_id}/responses/{own}/import",
        only("municipal", ok=422),
    ),
    Case(
        "excel.apply",
        "POST",
        "/rounds/{round_id}/responses/{own}/import/apply",
        only("municipal", ok=302),
    ),
    Case("excel.apply", "POST", "/rounds/{round_id}/responses/{other}/import/apply", only()),
    # statistics import: the prefecture
    Case("statistics.upload", "GET", "/rounds/{round_id}/statistics", only("prefecture")),
    Case("statistics.upload", "POST", "/rounds/{round_id}/statistics", only("prefecture", ok=422)),
    Case(
        "statistics.apply",
        "POST",
        "/rounds/{round_id}/statistics/apply",
        only("prefecture", ok=302),
    ),
    # a municipality's results: whoever may view its response
    Case("results.municipality", "GET", "/rounds/{round_id}/results/{own}", EVERYONE),
    Case(
        "results.municipality",
        "GET",
        "/rounds/{round_id}/results/{other}",
        only("prefecture", "admin"),
    ),
    Case(
        "results.sensitivity", "GET", "/rounds/{round_id}/sensitivity", only("prefecture", "admin")
    ),
    # dashboards: the round's status list (rows the user may see), regional comparison, KPIs;
    # exports for advisers too (their municipalities only; tests/dashboards checks the rows)
    Case("rounds.round_status_csv", "GET", "/rounds/{round_id}/status.csv", EVERYONE),
    # 未提出団体の一覧: those who follow municipalities up (an adviser sees their towns only)
    Case(
        "rounds.follow_up",
        "GET",
        "/rounds/{round_id}/follow-up",
        only("adviser", "prefecture", "admin"),
    ),
    Case(
        "rounds.follow_up_csv",
        "GET",
        "/rounds/{round_id}/follow-up.csv",
        only("adviser", "prefecture", "admin"),
    ),
    Case("dashboards.latest_regional", "GET", "/regions", only("prefecture", "admin", ok=302)),
    Case("dashboards.regional", "GET", "/rounds/{round_id}/regions", only("prefecture", "admin")),
    Case("dashboards.kpis", "GET", "/rounds/{round_id}/kpis", only("prefecture", "admin")),
    *[
        Case(
            "dashboards.export_csv",
            "GET",
            f"/rounds/{{round_id}}/export/{kind}.csv",
            only("adviser", "prefecture", "admin"),
        )
        for kind in ("answers", "scores", "peers")
    ],
    Case(
        "dashboards.export_csv",
        "GET",
        "/rounds/{round_id}/export/kpis.csv",
        only("prefecture", "admin"),
    ),
    Case(
        "dashboards.export_xlsx",
        "GET",
        "/rounds/{round_id}/export.xlsx",
        only("adviser", "prefecture", "admin"),
    ),
    # PDF reports: a municipality's for whoever may view it, once submitted (404 before: the
    # responses here are drafts; tests/reports covers the downloads); the rest for the prefecture
    Case("reports.index", "GET", "/reports", EVERYONE),
    Case(
        "reports.municipality_report",
        "GET",
        "/rounds/{round_id}/reports/{own}.pdf",
        only("municipal", "adviser", "prefecture", "admin", ok=404),
    ),
    Case(
        "reports.municipality_report",
        "GET",
        "/rounds/{round_id}/reports/{other}.pdf",
        only("prefecture", "admin", ok=404),
    ),
    Case(
        "reports.regional_report",
        "GET",
        "/rounds/{round_id}/regional-report.pdf",
        only("prefecture", "admin"),
    ),
    Case("reports.batch", "GET", "/rounds/{round_id}/reports/batch", only("prefecture", "admin")),
    Case(
        "reports.batch",
        "POST",
        "/rounds/{round_id}/reports/batch",
        only("prefecture", "admin", ok=422),
    ),
    Case(
        "reports.batch_zip",
        "GET",
        "/rounds/{round_id}/reports/batch/1.zip",
        only("prefecture", "admin", ok=404),
    ),
]


@pytest.fixture
def world(
    registry: None, make_user: Callable[..., object], assign: Callable[[object, list[str]], None]
) -> dict[str, object]:
    from dx_assess.extensions import db
    from tests.support.answers import open_test_round, respond, support
    from tests.support.people import one_per_role

    users = one_per_role(make_user, assign, OWN)
    support((OWN, OTHER))
    survey_round = open_test_round(2025, "2025.1")
    for code in (OWN, OTHER):
        respond(survey_round, code, {"basic_department": "総務課"})  # a response to submit to
    db.session.commit()
    return {**users, "round": survey_round}


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    covered = {(c.endpoint, c.method) for c in CASES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            assert (rule.endpoint, method) in covered, f"{method} {rule.rule} is not in the matrix"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_matrix(browser: Browser, world: dict[str, object], case: Case, role: str) -> None:
    if role != "anonymous":
        response = browser.login(world[role].login)
        assert response.status_code == 302
    path = case.path.format(
        own=OWN,
        other=OTHER,
        round_id=world["round"].id,  # type: ignore[attr-defined]
        adviser_id=world["adviser"].id,
        municipal_id=world["municipal"].id,
    )
    if case.method == "GET":
        response = browser.get(path)
    else:
        token = browser.csrf_token("/login" if role == "anonymous" else "/")
        response = browser.request("POST", path, data={"csrf_token": token})
    expected = case.expect[role]
    if expected == "login":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]


def test_lists_show_only_what_the_role_may_see(browser: Browser, world: dict[str, object]) -> None:
    browser.login("muni")
    html = browser.get("/municipalities").get_data(as_text=True)
    assert "占冠村" in html
    assert "函館市" not in html
    browser.post("/logout", form_page="/")

    browser.login("adv")
    html = browser.get("/municipalities").get_data(as_text=True)
    assert "占冠村" in html
    assert "函館市" not in html
    home = browser.get("/").get_data(as_text=True)
    assert "占冠村" in home
    browser.post("/logout", form_page="/")

    browser.login("pref")
    html = browser.get("/municipalities").get_data(as_text=True)
    assert "占冠村" in html
    assert "函館市" in html
    assert "179件" in html


def test_deactivated_user_loses_access_at_once(
    app: Flask, browser: Browser, world: dict[str, object]
) -> None:
    from dx_assess.extensions import db

    browser.login("muni")
    assert browser.get(f"/municipalities/{OWN}").status_code == 200
    world["municipal"].active = False
    db.session.commit()
    response = browser.get(f"/municipalities/{OWN}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


#: The menu by hand: label -> address, and the entries each role is offered.
MENU = {
    "ホーム": "/",
    "市町村一覧": "/municipalities",
    "レポート": "/reports",
    "調査回": "/rounds",
    "地域別の比較": "/regions",
    "支援対象の設定": "/registry/supported",
    "アカウント管理": "/admin/users",
    "セキュリティ記録": "/admin/security-events",
    "送信メール": "/admin/mail",
}
EVERYONES_MENU = {"ホーム", "市町村一覧", "レポート"}
MENU_OF = {
    "municipal": EVERYONES_MENU,
    "adviser": EVERYONES_MENU,
    "prefecture": EVERYONES_MENU | {"調査回", "地域別の比較", "支援対象の設定"},
    "admin": EVERYONES_MENU | {"地域別の比較", "アカウント管理", "セキュリティ記録", "送信メール"},
}
#: The matrix's GET case of each menu entry's page.
MENU_CASES = {
    c.endpoint: c
    for c in CASES
    if c.method == "GET" and c.endpoint in {e.endpoint for e in menu.MENU}
}


def _menu_shown(browser: Browser) -> set[str]:
    html = browser.get("/").get_data(as_text=True)
    nav = html[html.index('class="wrap main-nav"') : html.index("</nav>")]
    return set(re.findall(r'<a href="([^"]+)"', nav))


def test_every_menu_entry_is_a_page_of_the_matrix(app: Flask) -> None:
    assert MENU_CASES.keys() == {e.endpoint for e in menu.MENU}
    with app.test_request_context():
        assert {url_for(e.endpoint) for e in menu.MENU} == set(MENU.values())


@pytest.mark.parametrize("role", ["municipal", "adviser", "prefecture", "admin"])
def test_menu_offers_exactly_the_pages_the_role_may_open(
    app: Flask, browser: Browser, world: dict[str, object], role: str
) -> None:
    browser.login(world[role].login)  # type: ignore[attr-defined]
    shown = _menu_shown(browser)
    assert {label for label, path in MENU.items() if path in shown} == MENU_OF[role]
    # the same, derived from the matrix: an entry is shown exactly when its page opens
    with app.test_request_context():
        url = {endpoint: url_for(endpoint) for endpoint in MENU_CASES}
    may_open = {e for e, c in MENU_CASES.items() if c.expect[role] in (200, 302)}
    assert {e for e in MENU_CASES if url[e] in shown} == may_open
    for endpoint in may_open:  # and every entry offered opens (a redirect leads to a page)
        assert browser.get(url[endpoint], follow_redirects=True).status_code == 200, endpoint


def test_the_menu_only_offers_pages_with_a_known_rule(app: Flask) -> None:
    from dx_assess.web.access import rule_of

    for entry in menu.MENU:
        assert rule_of(app.view_functions[entry.endpoint]) is not None, entry.endpoint


@pytest.mark.parametrize("role", ["municipal", "adviser", "prefecture", "admin"])
def test_reminder_list_is_for_those_who_follow_municipalities(
    browser: Browser, world: dict[str, object], role: str
) -> None:
    browser.login(world[role].login)  # type: ignore[attr-defined]
    html = browser.get(f"/rounds/{world['round'].id}").get_data(as_text=True)  # type: ignore[attr-defined]
    assert ('id="reminder-heading"' in html) == (role != "municipal")
