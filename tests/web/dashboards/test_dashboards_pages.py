"""The dashboard pages and exports on the database: round status, regional comparison, KPIs,
the adviser's home, the CSV and Excel downloads (contents and who sees which rows).

The world: five municipalities in the programme (上川: 占冠村 submitted, 東川町 draft, 美瑛町 not
started; 空知: 夕張市 submitted, 岩見沢市 sent back), an adviser for 占冠村 and 東川町.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from flask import Flask
from sqlalchemy import select

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.core.scoring import score_response
from dx_assess.extensions import db
from dx_assess.models import Municipality, User
from dx_assess.services.responses import current_answers, reopen, submit
from dx_assess.services.rounds import round_questionnaire
from tests.support import Browser
from tests.support.answers import complete_answers, open_test_round, respond

SHIMUKAPPU, HIGASHIKAWA, BIEI = "014630", "014583", "014591"
YUBARI, IWAMIZAWA = "012092", "012106"
SUPPORTED = (SHIMUKAPPU, HIGASHIKAWA, BIEI, YUBARI, IWAMIZAWA)


@dataclass(frozen=True)
class World:
    round_id: int
    questionnaire: Questionnaire
    answers: dict[str, dict[str, Any]]


@pytest.fixture
def world(
    registry: None, make_user: Callable[..., User], assign: Callable[[object, list[str]], None]
) -> World:
    for code in SUPPORTED:
        town = db.session.scalar(select(Municipality).where(Municipality.code == code))
        assert town is not None
        town.supported = True
    db.session.commit()
    pref = make_user("prefecture", login="pref")
    adviser = make_user("adviser", login="adv")
    assign(adviser, [SHIMUKAPPU, HIGASHIKAWA])
    make_user("municipal", SHIMUKAPPU, login="muni")
    survey_round = open_test_round(2025, "2025.1")
    q = round_questionnaire(survey_round)
    full = complete_answers(q)
    answers = {
        SHIMUKAPPU: {**full, "basic_population": "1200", "mnc_cards_held": "900"},
        YUBARI: {
            **full,
            "basic_population": "7000",
            "mnc_cards_held": "4200",
            "od_published": "no",
        },
        IWAMIZAWA: full,
        HIGASHIKAWA: {"basic_department": "総務課", "basic_population": "8000"},
    }
    for code, given in answers.items():
        response = respond(survey_round, code, given)
        if code in (SHIMUKAPPU, YUBARI, IWAMIZAWA):
            assert submit(db.session, response, q, None) == []
        if code == IWAMIZAWA:
            db.session.commit()
            reopen(db.session, response, pref, "人口の基準日を確認してください")
    db.session.commit()
    return World(survey_round.id, q, answers)


def login(browser: Browser, who: str) -> Browser:
    assert browser.login(who).status_code == 302
    return browser


def html(browser: Browser, path: str) -> str:
    response = browser.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def csv_frame(browser: Browser, path: str) -> pd.DataFrame:
    response = browser.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "text/csv"
    assert "filename*=UTF-8''dx_2025_" in response.headers["Content-Disposition"]
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    codes = {"code": str, "団体コード": str}
    return pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", dtype=codes)


def test_round_status_shows_progress_filters_and_reminders(browser: Browser, world: World) -> None:
    login(browser, "pref")
    page = html(browser, f"/rounds/{world.round_id}")
    for name in ("占冠村", "東川町", "美瑛町", "夕張市", "岩見沢市"):
        assert name in page
    assert "差し戻し中" in page
    assert re.search(r"東川町（回答中 \d+%）", page)  # the reminder list
    assert "美瑛町（未着手）" in page
    assert "岩見沢市（差し戻し中" in page
    reminders = page[page.index('id="reminder-list"') :]
    assert "占冠村" not in reminders.split("</textarea>")[0]  # submitted: no reminder
    assert f'href="/rounds/{world.round_id}/export.xlsx"' in page

    sorachi = html(browser, f"/rounds/{world.round_id}?subprefecture=空知")
    assert "夕張市" in sorachi
    assert "占冠村" not in sorachi
    assert '<option value="空知" selected>' in sorachi
    nothing = html(browser, f"/rounds/{world.round_id}?subprefecture=どこか")
    assert "表示できる市町村はありません" in nothing


def test_round_status_csv_has_the_page_rows(browser: Browser, world: World) -> None:
    login(browser, "pref")
    frame = csv_frame(browser, f"/rounds/{world.round_id}/status.csv")
    assert sorted(frame["団体コード"]) == sorted(SUPPORTED)
    status = dict(zip(frame["団体コード"], frame["回答の状態"], strict=True))
    assert status == {
        SHIMUKAPPU: "提出済み",
        YUBARI: "提出済み",
        IWAMIZAWA: "差し戻し中",
        HIGASHIKAWA: "回答中",
        BIEI: "未着手",
    }
    assert set(frame["支援対象"]) == {"支援対象"}
    draft = frame[frame["団体コード"] == HIGASHIKAWA].iloc[0]
    assert 0 < draft["進み具合（%）"] < 100
    assert draft["進み具合（%）"] == round(100 * draft["回答済みの設問数"] / draft["設問数"])
    filtered = csv_frame(browser, f"/rounds/{world.round_id}/status.csv?subprefecture=空知")
    assert sorted(filtered["団体コード"]) == [YUBARI, IWAMIZAWA]


@pytest.mark.parametrize(
    ("who", "codes"),
    [("muni", [SHIMUKAPPU]), ("adv", [HIGASHIKAWA, SHIMUKAPPU])],
)
def test_status_lists_only_what_the_user_may_see(
    app: Flask, world: World, who: str, codes: list[str]
) -> None:
    browser = login(Browser(app), who)
    frame = csv_frame(browser, f"/rounds/{world.round_id}/status.csv")
    assert sorted(frame["団体コード"]) == codes
    page = html(browser, f"/rounds/{world.round_id}")
    assert "夕張市" not in page
    if who == "muni":
        assert "未提出団体の一覧" not in page
        assert "export.xlsx" not in page


def test_prefecture_exports_everything(browser: Browser, world: World) -> None:
    login(browser, "pref")
    q = world.questionnaire
    answers = csv_frame(browser, f"/rounds/{world.round_id}/export/answers.csv")
    responded = sorted(world.answers)
    assert sorted(answers["団体コード"].unique()) == responded
    assert len(answers) == len(responded) * len(q.questions)
    text = answers.loc[answers["設問ID"] == "basic_population", "設問"].iloc[0]
    assert text == q.question("basic_population").text
    assert set(answers["調査票の版"].astype(str)) == {q.version}

    scores = csv_frame(browser, f"/rounds/{world.round_id}/export/scores.csv")
    from dx_assess.models import Response

    for code in responded:
        response = db.session.scalar(
            select(Response)
            .join(Municipality)
            .where(Municipality.code == code, Response.round_id == world.round_id)
        )
        assert response is not None
        card = score_response(q, current_answers(response, q))
        mine = scores[(scores["団体コード"] == code) & (scores["分野"] == "総合")]
        assert card.overall is not None
        assert mine["得点（点）"].item() == round(card.overall, 1)
    assert len(scores) == len(responded) * (len(q.pillars) + 1)

    peers = csv_frame(browser, f"/rounds/{world.round_id}/export/peers.csv")
    assert {"比較グループの種類", "比較グループ", "分野", "回答数", "中央値（点）"} <= set(
        peers.columns
    )
    kpis = csv_frame(browser, f"/rounds/{world.round_id}/export/kpis.csv")
    rate = kpis[
        (kpis["指標"] == "マイナンバーカード保有率") & (kpis["地域"] == "対象市町村（全体）")
    ]
    # final responses: 占冠村 900 / 1,200 and 夕張市 4,200 / 7,000 (岩見沢市 was sent back)
    assert rate["値"].item() == round(100 * 5100 / 8200, 1)

    wide = csv_frame(browser, f"/rounds/{world.round_id}/export/wide.csv")
    assert sorted(wide["団体コード"]) == responded
    assert "問1-3 住民基本台帳人口（人）" in wide.columns

    book = browser.get(f"/rounds/{world.round_id}/export.xlsx")
    assert book.status_code == 200
    assert "filename*=UTF-8''dx_2025_" in book.headers["Content-Disposition"]
    sheets = pd.read_excel(io.BytesIO(book.data), sheet_name=None, dtype={"団体コード": str})
    assert list(sheets) == ["説明", "回答（一覧）", "回答", "得点", "類似団体の統計", "計画の指標"]
    assert len(sheets["回答"]) == len(answers)

    assert browser.get(f"/rounds/{world.round_id}/export/nothing.csv").status_code == 404
    assert browser.get("/rounds/999/export/answers.csv").status_code == 404


def test_adviser_exports_only_assigned_municipalities(app: Flask, world: World) -> None:
    browser = login(Browser(app), "adv")
    answers = csv_frame(browser, f"/rounds/{world.round_id}/export/answers.csv")
    assert sorted(answers["団体コード"].unique()) == [HIGASHIKAWA, SHIMUKAPPU]
    scores = csv_frame(browser, f"/rounds/{world.round_id}/export/scores.csv")
    assert sorted(scores["団体コード"].unique()) == [HIGASHIKAWA, SHIMUKAPPU]
    wide = csv_frame(browser, f"/rounds/{world.round_id}/export/wide.csv")
    assert sorted(wide["団体コード"]) == [HIGASHIKAWA, SHIMUKAPPU]
    peers = csv_frame(browser, f"/rounds/{world.round_id}/export/peers.csv")
    assert len(peers)  # aggregates of everyone
    assert browser.get(f"/rounds/{world.round_id}/export/kpis.csv").status_code == 403
    book = browser.get(f"/rounds/{world.round_id}/export.xlsx")
    sheets = pd.read_excel(io.BytesIO(book.data), sheet_name=None, dtype={"団体コード": str})
    assert list(sheets) == ["説明", "回答（一覧）", "回答", "得点", "類似団体の統計"]
    assert set(sheets["回答"]["団体コード"]) == {HIGASHIKAWA, SHIMUKAPPU}
    assert set(sheets["回答（一覧）"]["団体コード"]) == {HIGASHIKAWA, SHIMUKAPPU}
    assert "夕張市" not in book.data.decode("latin-1")  # not even in shared strings


def test_regional_page_has_the_map_table_and_distribution(browser: Browser, world: World) -> None:
    login(browser, "pref")
    page = html(browser, f"/rounds/{world.round_id}/regions")
    assert page.count("<svg") == 2  # the map and the distribution chart
    assert "国土数値情報（行政区域データ）" in page
    assert 'data-code="014630"' in page
    assert "占冠村: 総合 " in page
    assert "東川町: 回答中" in page
    assert "小樽市: 支援対象外" in page
    assert '<option value="overall" selected>' in page
    online = html(browser, f"/rounds/{world.round_id}/regions?pillar=online")
    assert '<option value="online" selected>' in online
    assert "占冠村: 行政手続のオンライン化 " in online
    fallback = html(browser, f"/rounds/{world.round_id}/regions?pillar=nope")
    assert '<option value="overall" selected>' in fallback
    assert browser.get("/rounds/999/regions").status_code == 404
    latest = browser.get("/regions")
    assert latest.headers["Location"].endswith(f"/rounds/{world.round_id}/regions")


def test_kpis_page_shows_each_definition(browser: Browser, world: World) -> None:
    login(browser, "pref")
    page = html(browser, f"/rounds/{world.round_id}/kpis")
    for name in (
        "マイナンバーカード保有率",
        "申請・届出等オンライン化システム導入自治体割合",
        "標準仕様に適合した情報システム利用自治体割合",
        "オープンデータ取組済の市町村数",
    ):
        assert name in page
    assert page.count("<strong>定義</strong>") == 5
    assert "62.2%" in page  # 5,100 / 8,200
    assert "5,100 / 8,200" in page


def test_adviser_home_shows_status_score_change_and_links(
    app: Flask, browser: Browser, world: World
) -> None:
    login(browser, "adv")
    page = html(browser, "/")
    assert "担当市町村の状況" in page
    assert "占冠村" in page
    assert "東川町" in page
    assert "夕張市" not in page
    assert f'href="/rounds/{world.round_id}/results/{SHIMUKAPPU}"' in page
    from dx_assess.models import SurveyRound
    from dx_assess.services.results import round_results

    results = round_results(db.session, db.session.get(SurveyRound, world.round_id))
    row = results.row(SHIMUKAPPU)
    assert row is not None
    assert row.overall is not None
    assert f"{row.overall:.1f}" in page
    assert "暫定" in page  # 東川町's draft score
    report = f"/rounds/{world.round_id}/reports/{SHIMUKAPPU}.pdf"
    assert (report in page) == ("reports.municipality_report" in app.view_functions)

    def table(text: str) -> str:
        return text[text.index('<table class="data adviser-table">') : text.index("</table>")]

    assert table(html(browser, f"/?round={world.round_id}")) == table(page)
    assert table(html(browser, "/?round=999")) == table(page)  # unknown: the latest round
