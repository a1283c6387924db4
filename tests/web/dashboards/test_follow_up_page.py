"""未提出団体の一覧 on the database: contacts, last activity, filters, sorting by the address,
the CSV of the filtered list; an adviser sees their towns only (issue 15).

The world of test_dashboards_pages: 上川: 占冠村 submitted, 東川町 draft, 美瑛町 not started;
空知: 夕張市 submitted, 岩見沢市 sent back; an adviser for 占冠村 and 東川町.
"""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import Municipality, Response, User
from tests.support import Browser
from tests.support.answers import fill
from tests.web.dashboards.test_dashboards_pages import (  # the world fixture and its helpers
    BIEI,
    HIGASHIKAWA,
    IWAMIZAWA,
    World,
    csv_frame,
    html,
    login,
    world,
)

__all__ = ["world"]  # a fixture used by name


def _response(world: World, code: str) -> Response:
    found = db.session.scalar(
        select(Response)
        .join(Municipality)
        .where(Response.round_id == world.round_id, Municipality.code == code)
    )
    assert found is not None
    return found


def _contacts(world: World, make_user: object) -> None:
    staff = db.session.scalar(select(User).where(User.login == "muni"))
    assert staff is not None
    higashikawa = _response(world, HIGASHIKAWA)
    higashikawa.contact_name = "東川 花子"
    higashikawa.contact_section = "総務課 情報係"
    higashikawa.contact_phone = "0166-00-0000"
    higashikawa.contact_email = "hanako@example.jp"
    db.session.commit()
    # a save by a named account: the list says who saved last
    fill(higashikawa, world.questionnaire, staff, {"basic_population": "8001"})


def rows_of(page: str) -> list[str]:
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', body)


def test_the_list_shows_contacts_and_last_activity(
    browser: Browser, world: World, make_user: object
) -> None:
    _contacts(world, make_user)
    login(browser, "pref")
    page = html(browser, f"/rounds/{world.round_id}/follow-up")
    assert "<h1>未提出団体の一覧" in page
    # by default the municipalities not submitted, by 振興局 (空知 before 上川)
    assert rows_of(page) == ["岩見沢市", "東川町", "美瑛町"]
    assert "東川 花子" in page
    assert "総務課 情報係" in page
    assert 'href="tel:0166-00-0000"' in page
    assert 'href="mailto:hanako@example.jp"' in page
    assert "muni さん" in page  # who saved last
    assert "未登録" in page  # 美瑛町 has no contact yet
    # the round page links to it under the new name
    status = html(browser, f"/rounds/{world.round_id}")
    assert 'id="reminder-heading">未提出団体の一覧</h2>' in status
    assert f'href="/rounds/{world.round_id}/follow-up"' in status


def test_filters_and_sorting_work_by_the_address(browser: Browser, world: World) -> None:
    login(browser, "pref")
    base = f"/rounds/{world.round_id}/follow-up"
    assert rows_of(html(browser, base + "?status=draft")) == ["東川町"]
    assert rows_of(html(browser, base + "?status=submitted")) == ["夕張市", "占冠村"]
    assert rows_of(html(browser, base + "?status=all&subprefecture=空知")) == ["夕張市", "岩見沢市"]
    by_status = html(browser, base + "?sort=status")
    assert rows_of(by_status) == ["美瑛町", "東川町", "岩見沢市"]  # 未着手, 回答中, 差し戻し中
    assert 'aria-sort="ascending"' in by_status
    # the header link of the sorted column turns the order round
    assert f'href="{base}?status=unsubmitted&amp;sort=status&amp;desc=1"' in by_status
    down = html(browser, base + "?sort=status&desc=1")
    assert rows_of(down) == ["岩見沢市", "東川町", "美瑛町"]
    assert 'aria-sort="descending"' in down
    assert rows_of(html(browser, base + "?subprefecture=どこか")) == []


def test_csv_is_the_filtered_list_with_japanese_headers(
    browser: Browser, world: World, make_user: object
) -> None:
    _contacts(world, make_user)
    login(browser, "pref")
    frame = csv_frame(browser, f"/rounds/{world.round_id}/follow-up.csv?subprefecture=上川")
    assert list(frame.columns) == [
        "団体コード",
        "振興局",
        "市町村",
        "状態",
        "進み具合（％）",
        "回答担当者",
        "所属",
        "電話番号",
        "メールアドレス",
        "最終更新（日本時間）",
        "最終更新者",
    ]
    assert list(frame["団体コード"]) == [HIGASHIKAWA, BIEI]
    first = frame.iloc[0]
    assert (first["回答担当者"], first["電話番号"]) == ("東川 花子", "0166-00-0000")
    assert first["最終更新者"] == "muni さん"
    everything = csv_frame(browser, f"/rounds/{world.round_id}/follow-up.csv?status=all")
    assert len(everything) == 5
    sent_back = csv_frame(browser, f"/rounds/{world.round_id}/follow-up.csv?status=reopened")
    assert list(sent_back["団体コード"]) == [IWAMIZAWA]


def test_an_adviser_sees_only_their_towns(app: Flask, world: World) -> None:
    browser = login(Browser(app), "adv")
    page = html(browser, f"/rounds/{world.round_id}/follow-up?status=all")
    assert rows_of(page) == ["東川町", "占冠村"]
    frame = csv_frame(browser, f"/rounds/{world.round_id}/follow-up.csv?status=all")
    assert sorted(frame["団体コード"]) == sorted([HIGASHIKAWA, "014630"])
