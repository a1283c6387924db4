"""The reports of the demo round, checked with poppler, and their downloads for each role.

Renders two PDFs for the whole module (a demo municipality and the regional report); the
download tests are then served from the cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from dx_assess.cli.main import DEMO_ACCOUNTS, DEMO_TOWN
from dx_assess.core.reports.assets import PDF_FONT_NAME, templates_dir
from dx_assess.core.reports.batch import municipality_spec, regional_spec
from dx_assess.core.reports.render import RenderResult, renderer
from dx_assess.core.scoring.peers import SUBPREFECTURES
from dx_assess.core.vocabulary import DEFAULT_DEPARTMENT, today
from dx_assess.extensions import db
from dx_assess.models import Channel, Municipality, Response, SurveyRound
from dx_assess.services.reports.service import storage
from dx_assess.services.reports.storage import pdf_key
from dx_assess.services.results import round_results
from dx_assess.services.rounds import round_questionnaire
from dx_assess.services.saving import save_answers
from tests.services.reports.conftest import catalog_entries, pdffonts, pdfinfo, pdftext
from tests.support import Browser

PASSWORDS = {login: password for login, _name, _role, password in DEMO_ACCOUNTS}
TYPED = '<img src="file:///etc/passwd"> 髙橋さん😀'  # a free-text answer as a user might type it


@dataclass(frozen=True)
class Rendered:
    path: Path
    result: RenderResult
    context: dict[str, Any]

    @property
    def pages(self) -> list[str]:
        return pdftext(self.path, layout=True).split("\f")[: self.result.pages]


def heading(number: str, title: str, text: str) -> bool:
    """``text`` (pdftotext -layout) has the section heading 「number　title」."""
    return re.search(rf"^\s*{re.escape(number)}\s+{re.escape(title)}\s*$", text, re.M) is not None


@dataclass(frozen=True)
class Demo:
    round_id: int
    previous_round_id: int
    town: str  # a submitted municipality assigned to the demo adviser
    other: str  # a submitted municipality not assigned to the adviser
    draft: str  # a supported municipality whose response is not submitted


@pytest.fixture(scope="module")
def demo(app: Flask, demo_data: None, reports_dir: Path) -> Demo:
    with app.app_context():
        rounds = db.session.scalars(select(SurveyRound).order_by(SurveyRound.fiscal_year)).all()
        results = round_results(db.session, rounds[-1])
        adviser_area = ("上川", "留萌", "宗谷")
        # the adviser's towns: the programme's in their area (令和8年度 is answered by all 179)
        town = next(
            r for r in results.rows if r.final and r.programme and r.subprefecture in adviser_area
        )
        other = next(r for r in results.rows if r.final and r.subprefecture not in adviser_area)
        draft = next(r for r in results.rows if r.supported and not r.final)
        # markup and characters outside the font in a free-text answer of the town
        response = db.session.scalar(
            select(Response)
            .join(Municipality)
            .where(Response.round_id == rounds[-1].id, Municipality.code == town.code)
        )
        assert response is not None
        saved = save_answers(
            db.session,
            response,
            round_questionnaire(rounds[-1]),
            {"std_issues": TYPED},
            base_version=response.version,
            user=None,
            channel=Channel.FORM,
            check_editable=False,
        )
        assert saved.status == "saved", saved.errors
        db.session.commit()
        return Demo(rounds[-1].id, rounds[-2].id, town.code, other.code, draft.code)


def _render(app: Flask, demo: Demo, kind: str, out: Path) -> Rendered:
    root = templates_dir()
    with app.app_context():
        results = round_results(db.session, db.session.get(SurveyRound, demo.round_id))
        if kind == "regional":
            spec = regional_spec(results, today(), root, department=DEFAULT_DEPARTMENT)
        else:
            found = municipality_spec(
                results, demo.town, today(), root, department=DEFAULT_DEPARTMENT
            )
            assert found is not None
            spec = found
    result = renderer(root).render(kind, spec.context)
    with app.app_context():
        storage().put(pdf_key(spec.digest), result.pdf)  # what the downloads serve
    out.write_bytes(result.pdf)
    return Rendered(out, result, spec.context)


@pytest.fixture(scope="module")
def town_pdf(app: Flask, demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return _render(app, demo, "municipality", tmp_path_factory.mktemp("pdf") / "town.pdf")


@pytest.fixture(scope="module")
def regional_pdf(app: Flask, demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return _render(app, demo, "regional", tmp_path_factory.mktemp("pdf") / "regional.pdf")


def check_pdf_basics(pdf: Rendered) -> None:
    """A4, tagged PDF/UA with the title and language ja, only the bundled font, embedded and
    subset, and no warning logged by WeasyPrint."""
    assert pdf.result.warnings == []
    assert pdf.result.refused == []
    info = pdfinfo(pdf.path)
    assert int(info["Pages"]) == pdf.result.pages
    assert info["Page size"].endswith("(A4)")
    assert info["Tagged"] == "yes"
    assert info["Title"] == pdf.context["title"]
    assert re.search(rb"/Lang\s*\(ja\)", catalog_entries(pdf.path))
    fonts = pdffonts(pdf.path)
    assert {re.sub(r"^[A-Z]{6}\+", "", f["name"]) for f in fonts} == {
        PDF_FONT_NAME,
        f"{PDF_FONT_NAME}-Bold",
    }, fonts  # the bundled font only: no DejaVu, no system Noto
    for font in fonts:
        assert (font["emb"], font["sub"]) == ("yes", "yes")
        assert re.match(r"^[A-Z]{6}\+", font["name"])  # a subset tag
        assert font["type"].startswith("CID Type 0C")


# --- the municipality report ---------------------------------------------------------------


def test_municipality_report_is_a_tagged_a4_pdf_in_the_bundled_font(town_pdf: Rendered) -> None:
    check_pdf_basics(town_pdf)
    assert town_pdf.path.stat().st_size < 1_000_000  # subset, not the 2 MB font files


def test_municipality_report_has_the_expected_pages(town_pdf: Rendered) -> None:
    pages = town_pdf.pages
    r = town_pdf.context
    # cover, summary, overview, one page per pillar, then recommendations, method, appendix
    assert r["municipality"]["name"] in pages[0]
    assert "デモデータ" in pages[0]
    assert "令和8年度（2026年度）" in pages[0]
    assert heading("1", "概要", pages[1])
    assert heading("2", "分野別の全体像", pages[2])
    for k, pillar in enumerate(r["pillars"], start=1):
        assert heading(f"3-{k}", pillar["title"], pages[2 + k])
    first_after_pillars = 3 + len(r["pillars"])
    assert heading("4", "推奨事項と先進事例", pages[first_after_pillars])
    method = next(i for i, text in enumerate(pages) if heading("5", "算出方法と注意事項", text))
    assert heading("付録", "回答の一覧", pages[method + 1])  # the method note is one page
    appendix_pages = len(pages) - method - 1
    assert 2 <= appendix_pages <= 5
    assert len(pages) == method + 1 + appendix_pages
    for number, text in enumerate(pages[1:], start=2):  # page numbers and running header
        assert f"{number} / {len(pages)}" in text
        assert "令和8年度 市町村DX成熟度レポート" in text
        assert "デモデータ" in text


def test_municipality_report_text(town_pdf: Rendered) -> None:
    text = pdftext(town_pdf.path)
    r = town_pdf.context
    assert r["municipality"]["name"] in text
    assert re.fullmatch(r"\d+\.\d", r["overall"]["score"])
    assert r["overall"]["score"] in town_pdf.pages[1]
    for pillar in r["pillars"]:
        assert pillar["title"] in text
    assert "先進事例" in text
    # chart text is text in the bundled font, not outlines
    assert "対象市町村の中央値" in text


def test_typed_answer_is_printed_as_text_with_missing_characters_marked(
    town_pdf: Rendered,
) -> None:
    flat = pdftext(town_pdf.path).replace("\n", "")
    assert '<img src="file:///etc/passwd">' in flat  # escaped: shown, never fetched
    assert "髙橋さん〓" in flat  # 髙 is in the font; the emoji is not: 〓 (geta)


def check_plain(value: object, where: str = "r") -> None:
    """Dicts with string keys, lists, strings, numbers, booleans and None: nothing else."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), where
            check_plain(item, f"{where}.{key}")
    elif isinstance(value, list):
        for k, item in enumerate(value):
            check_plain(item, f"{where}[{k}]")
    else:
        assert value is None or type(value) in (str, int, float, bool), (where, type(value))


def test_templates_get_plain_data_only(town_pdf: Rendered, regional_pdf: Rendered) -> None:
    check_plain(town_pdf.context)
    check_plain(regional_pdf.context)


# --- the regional report -------------------------------------------------------------------


def test_regional_report(regional_pdf: Rendered) -> None:
    check_pdf_basics(regional_pdf)
    pages = regional_pdf.pages
    text = "\n".join(pages)
    # the cover says which municipalities answer: 令和8年度 is answered by all 179
    assert "全道（全市町村）" in pages[0]
    assert "全道の全市町村（179市町村）" in pages[0]
    assert heading("1", "回答状況", pages[1])
    assert heading("2", "分野ごとの得点の分布", pages[2])
    assert heading("3", "振興局別の比較", pages[3])
    assert heading("4", "計画の指標（KPI）", pages[4])
    assert heading("5", "前回からの変化", pages[5])
    assert heading("付録", "市町村別の得点", pages[6])
    for region in SUBPREFECTURES:
        assert region in text
    for kpi in regional_pdf.context["kpis"]["definitions"]:
        assert kpi["name"][:8] in text.replace("\n", "")
    for title in regional_pdf.context["pillar_titles"]:
        assert title in text


def _rows_per_page(pdf: Path, context: dict[str, Any]) -> dict[int, int]:
    """Page → rows of the appendix table on it (pdftotext, page by page)."""
    pages = pdftext(pdf, layout=True).split("\f")
    start = next(i for i, page in enumerate(pages) if heading("付録", "市町村別の得点", page))
    per_page: dict[int, int] = {}
    for row in context["scores"]:
        line = re.compile(rf"^\s*{re.escape(row['name'])}\s+{re.escape(row['region'])}\s", re.M)
        found = [i for i in range(start, len(pages)) if line.search(pages[i])]
        assert len(found) == 1, row["name"]
        per_page[found[0]] = per_page.get(found[0], 0) + 1
    assert sum(per_page.values()) == len(context["scores"])
    return per_page


def test_the_last_table_leaves_no_row_alone_on_a_page(
    regional_pdf: Rendered, tmp_path: Path
) -> None:
    """Issue 16: the appendix table (one row per municipality, over pages) never leaves a
    single row at the top or the bottom of a page. The demo's table, and the same table cut
    to one row more than a page holds (where, without the break rules, the last row would
    stand alone on the next page: 32 + 1 in the demo)."""
    per_page = _rows_per_page(regional_pdf.path, regional_pdf.context)
    assert min(per_page.values()) >= 2, per_page
    rows = regional_pdf.context["scores"]
    for count in range(per_page[min(per_page)] + 1, len(rows) + 1):  # the first that spills
        context = {**regional_pdf.context, "scores": rows[:count]}
        out = tmp_path / f"cut-{count}.pdf"
        out.write_bytes(renderer(templates_dir()).render("regional", context).pdf)
        cut = _rows_per_page(out, context)
        if len(cut) > 1:
            break
    assert len(cut) == 2, cut
    assert min(cut.values()) >= 2, cut


# --- downloads -----------------------------------------------------------------------------


def _login(app: Flask, login: str) -> Browser:
    browser = Browser(app)
    assert browser.login(login, PASSWORDS[login]).status_code == 302
    return browser


def _get(browser: Browser, path: str) -> tuple[int, str, bytes]:
    response = browser.get(path)
    try:
        return response.status_code, response.headers.get("Content-Type", ""), response.get_data()
    finally:
        response.close()


def test_adviser_downloads_assigned_reports_only(
    app: Flask, demo: Demo, town_pdf: Rendered
) -> None:
    browser = _login(app, "adviser")
    html = browser.get(f"/reports?round={demo.round_id}").get_data(as_text=True)
    assert f"/rounds/{demo.round_id}/reports/{demo.town}.pdf" in html
    assert f"/reports/{demo.other}.pdf" not in html
    assert "地域別レポート" not in html
    status, kind, body = _get(browser, f"/rounds/{demo.round_id}/reports/{demo.town}.pdf")
    assert (status, kind) == (200, "application/pdf")
    assert body == town_pdf.path.read_bytes()  # served from the cache, not rendered again
    assert _get(browser, f"/rounds/{demo.round_id}/reports/{demo.other}.pdf")[0] == 403
    assert _get(browser, f"/rounds/{demo.round_id}/regional-report.pdf")[0] == 403
    assert _get(browser, f"/rounds/{demo.round_id}/reports/batch")[0] == 403


def test_municipal_staff_get_their_own_submitted_report(app: Flask, demo: Demo) -> None:
    browser = _login(app, "municipal")
    # the demo town has no 令和8年度 response yet, but submitted in 令和7年度
    assert _get(browser, f"/rounds/{demo.round_id}/reports/{DEMO_TOWN}.pdf")[0] == 404
    html = browser.get("/reports").get_data(as_text=True)
    assert "回答の提出後に作成できます" in html
    status, kind, body = _get(browser, f"/rounds/{demo.previous_round_id}/reports/{DEMO_TOWN}.pdf")
    assert (status, kind) == (200, "application/pdf")
    assert body.startswith(b"%PDF-")
    assert _get(browser, f"/rounds/{demo.round_id}/reports/{demo.town}.pdf")[0] == 403


def test_prefecture_downloads_any_report_and_the_regional_report(
    app: Flask, demo: Demo, town_pdf: Rendered, regional_pdf: Rendered
) -> None:
    browser = _login(app, "prefecture")
    html = browser.get("/reports").get_data(as_text=True)
    assert "地域別レポート" in html
    assert f"/rounds/{demo.round_id}/reports/batch" in html
    status, kind, body = _get(browser, f"/rounds/{demo.round_id}/reports/{demo.town}.pdf")
    assert (status, body) == (200, town_pdf.path.read_bytes())
    status, kind, body = _get(browser, f"/rounds/{demo.round_id}/regional-report.pdf")
    assert (status, kind, body) == (200, "application/pdf", regional_pdf.path.read_bytes())
    response = browser.get(f"/rounds/{demo.round_id}/regional-report.pdf")
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    # a response that is not submitted has no report, for every role
    assert _get(browser, f"/rounds/{demo.round_id}/reports/{demo.draft}.pdf")[0] == 404
    assert _get(browser, f"/rounds/{demo.round_id}/reports/999999.pdf")[0] == 404
    assert _get(browser, f"/rounds/{demo.round_id}/reports/batch/999.zip")[0] == 404


def test_anonymous_users_are_sent_to_log_in(app: Flask, demo: Demo) -> None:
    browser = Browser(app)
    for path in (
        "/reports",
        f"/rounds/{demo.round_id}/reports/{demo.town}.pdf",
        f"/rounds/{demo.round_id}/regional-report.pdf",
        f"/rounds/{demo.round_id}/reports/batch",
        f"/rounds/{demo.round_id}/reports/batch/1.zip",
    ):
        response = browser.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login")
