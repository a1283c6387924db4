"""Refusals that services and the core raise read in English on an English page (issue 16,
"English that is complete"): they are dx_assess.core.messages.Message, which the web layer
translates with their parameters. The same refusals in Japanese are checked by the tests of
each page (test_round_schedule, test_account_import, test_stats_import, test_excel)."""

from __future__ import annotations

import html as htmllib
import io
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from dx_assess.extensions import db
from dx_assess.models import AnswerChange, SurveyRound, User
from tests.support import Browser
from tests.support.paths import REPO
from tests.web.answering.survey_fixtures import TOWN

STATISTICS = REPO / "dx_assess" / "data" / "statistics" / "mynumbercard_all_localgovs_20221231.csv"


def english(browser: Browser) -> None:
    response = browser.post("/language", {"lang": "en", "next": "/"}, form_page="/")
    assert response.status_code == 302


def text(response: object) -> str:
    return htmllib.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def changes() -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count(AnswerChange.id))) or 0)


@pytest.fixture
def pref(browser: Browser, people: dict[str, User]) -> Browser:
    browser.login("pref")
    english(browser)
    return browser


def test_a_bad_closing_date_is_refused_in_english(pref: Browser, survey_round: SurveyRound) -> None:
    page = f"/rounds/{survey_round.id}"
    before = survey_round.closes_on
    response = pref.post(f"{page}/schedule", {"closes_on": "2001-01-01"}, form_page=page)
    assert response.status_code == 422
    shown = text(response)
    assert "The closing date must be today or later." in shown
    assert "締切日は今日以降の日付にしてください。" not in shown

    # a fiscal year and a date as parameters: FY2025, the date as English pages write dates
    response = pref.post(f"{page}/schedule", {"closes_on": "2030-01-01"}, form_page=page)
    assert response.status_code == 422
    shown = text(response)
    assert "The closing date of the FY2025 round must be 2027-03-31 or earlier." in shown
    assert "令和9年3月31日" not in shown
    db.session.expire_all()
    assert survey_round.closes_on == before


def test_a_bad_account_import_line_is_explained_in_english(
    browser: Browser, people: dict[str, User], make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    browser.login("root")
    english(browser)
    data = (
        "ログインID,氏名,役割,団体コード,メールアドレス\r\n"
        "adv.kato,加藤 アドバイザー,アドバイザー,,\r\n"
        "pref,重複した人,道庁,,\r\n"  # "pref" is taken (the people fixture)
        "x9,名前,アドバイザー,,bad@\r\n"
        "x10,名前,社長,,\r\n"
        "x11,名前,市町村職員,99999,\r\n"
    ).encode()
    token = browser.csrf_token("/admin/users/import")
    response = browser.request(
        "POST",
        "/admin/users/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), "accounts.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    shown = text(response)
    assert 'The login ID "pref" is already in use.' in shown
    assert "“bad@” is not an e-mail address (for example: taro@town.example.lg.jp)." in shown
    assert '"社長" is not a role: write one of 「市町村職員」「アドバイザー」' in shown
    assert "「99999」 is not the code of a Hokkaido municipality." in shown
    assert "は既に使われています" not in shown
    assert "メールアドレスの形ではありません" not in shown
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.login == "adv.kato")) is None


def test_a_bad_statistics_file_is_explained_in_english(
    pref: Browser, survey_round: SurveyRound
) -> None:
    lines = STATISTICS.read_bytes().splitlines(keepends=True)
    town = next(line for line in lines if "占冠村".encode() in line)
    assert b",1229,665," in town
    data = lines[0] + town.replace(b",1229,665,", b",abc,665,")
    before = changes()
    response = pref.post(
        f"/rounds/{survey_round.id}/statistics",
        {"file": (io.BytesIO(data), "all_localgovs.csv")},
        content_type="multipart/form-data",
    )
    shown = text(response)
    # the file's own column heading stays as written in the file
    assert "Line 2 「総数（人口）」: 「abc」 is not a number" in shown
    assert "2行目" not in shown
    assert "は数値ではありません" not in shown
    assert changes() == before


def test_an_excel_upload_problem_is_explained_in_english(
    browser: Browser, people: dict[str, User], survey_round: SurveyRound
) -> None:
    browser.login("yamada")
    english(browser)
    before = changes()
    response = browser.post(
        f"/rounds/{survey_round.id}/responses/{TOWN}/import",
        {"file": (io.BytesIO("問,回答\n1,2\n".encode()), "answers.xlsx")},
        content_type="multipart/form-data",
    )
    shown = text(response)
    assert (
        "This is not an Excel file (.xlsx); it looks like a text file such as a CSV. "
        "Use the Excel file downloaded from the response page."
    ) in shown
    assert "Excel ファイル（.xlsx）ではありません" not in shown
    assert changes() == before
