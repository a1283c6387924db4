"""Applying the statistics file: only what the server staged, against the current answers
(issue 10, item 4). Driven through the pages like a browser without JavaScript."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import AnswerChange, Channel, SurveyRound, User
from tests.support import Browser
from tests.support.paths import REPO
from tests.support.uploads import answers_of, hidden_fields, town_saves
from tests.web.answering.survey_fixtures import TOWN

DATA = REPO / "dx_assess" / "data" / "statistics"
FILE = DATA / "mynumbercard_all_localgovs_20221231.csv"
# 占冠村 in that file: population 1,229 (2022-01-01), cards issued 2022-12-31
POPULATION, CARDS = 1229, 665


def page(survey_round: SurveyRound) -> str:
    return f"/rounds/{survey_round.id}/statistics"


def small_file() -> bytes:
    """The header and 占冠村's line of the 総務省 file (the whole file is tested elsewhere)."""
    lines = FILE.read_bytes().splitlines(keepends=True)
    return lines[0] + next(line for line in lines if "占冠村".encode() in line)


def preview(browser: Browser, survey_round: SurveyRound) -> tuple[str, dict[str, str]]:
    response = browser.post(
        page(survey_round),
        {"file": (io.BytesIO(small_file()), "all_localgovs.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:1000]
    return html, hidden_fields(html, page(survey_round) + "/apply")


def apply(browser: Browser, survey_round: SurveyRound, fields: dict[str, str], **extra: str):  # type: ignore[no-untyped-def]
    return browser.post(
        page(survey_round) + "/apply",
        {**fields, "confirm": "y", **extra},
        form_page=page(survey_round),
    )


def statistics_changes() -> list[AnswerChange]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(AnswerChange).where(AnswerChange.channel == Channel.STATISTICS))
    )


@pytest.fixture
def pref(browser: Browser, people: dict[str, User]) -> Browser:
    browser.login("pref")
    return browser


def test_file_figures_and_counts(
    pref: Browser, survey_round: SurveyRound, questionnaire: Questionnaire
) -> None:
    _html, fields = preview(pref, survey_round)
    assert apply(pref, survey_round, fields).status_code == 302
    assert answers_of(survey_round, TOWN, questionnaire) == {
        "basic_population": POPULATION,
        "mnc_cards_held": CARDS,
    }
    reasons = {c.reason for c in statistics_changes()}
    assert len(reasons) == 1
    assert "all_localgovs.csv" in reasons.pop()


def test_an_answer_saved_after_the_preview_is_a_conflict_and_is_kept(
    pref: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    """The preview says 「変更なし」 for the population; the town then saves 1,300; applying
    must not bring back the file's figure, and must say so."""
    town_saves(
        survey_round, TOWN, questionnaire, people["yamada"], {"basic_population": POPULATION}
    )
    html, fields = preview(pref, survey_round)
    assert "変更なし" not in html.split("占冠村")[1].split("</tr>")[0]  # cards change
    town_saves(survey_round, TOWN, questionnaire, people["sato"], {"basic_population": "1300"})

    result = apply(pref, survey_round, fields)
    text = result.get_data(as_text=True)
    assert result.status_code == 409, text[:500]
    assert "確認の画面を表示した後に変更された回答" in text
    assert "1,300" in text
    assert answers_of(survey_round, TOWN, questionnaire) == {"basic_population": 1300}
    assert statistics_changes() == []


def test_a_crafted_post_cannot_choose_the_values_or_the_reason(
    pref: Browser, survey_round: SurveyRound, questionnaire: Questionnaire
) -> None:
    _html, fields = preview(pref, survey_round)
    forged = {"values": '{"%s": [1000, 5000]}' % TOWN, "reason": "forged"}  # noqa: UP031
    result = apply(pref, survey_round, {**fields, **forged})
    assert result.status_code == 302
    assert answers_of(survey_round, TOWN, questionnaire) == {
        "basic_population": POPULATION,
        "mnc_cards_held": CARDS,
    }
    assert all(c.reason != "forged" and c.new_value != 5000 for c in statistics_changes())


def test_values_without_a_staged_upload_are_refused(
    pref: Browser, survey_round: SurveyRound, questionnaire: Questionnaire
) -> None:
    forged = {"values": '{"%s": [1000, 5000]}' % TOWN, "reason": "forged"}  # noqa: UP031
    result = apply(pref, survey_round, forged)
    assert result.status_code == 302
    assert answers_of(survey_round, TOWN, questionnaire) == {}
    follow = pref.get(result.headers["Location"]).get_data(as_text=True)
    assert "もう一度アップロードしてください" in follow


def test_a_staged_upload_is_applied_at_most_once(
    pref: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    _html, fields = preview(pref, survey_round)
    assert apply(pref, survey_round, fields).status_code == 302
    town_saves(survey_round, TOWN, questionnaire, people["yamada"], {"basic_population": "1300"})
    again = apply(pref, survey_round, fields)
    assert again.status_code == 302
    assert "すでに反映しました" in pref.get(again.headers["Location"]).get_data(as_text=True)
    assert answers_of(survey_round, TOWN, questionnaire)["basic_population"] == 1300
    assert len(statistics_changes()) == 2


def test_without_the_confirmation_the_preview_stays(
    pref: Browser, survey_round: SurveyRound, questionnaire: Questionnaire
) -> None:
    _html, fields = preview(pref, survey_round)
    result = pref.post(page(survey_round) + "/apply", fields, form_page=page(survey_round))
    text = result.get_data(as_text=True)
    assert result.status_code == 422
    assert "占冠村" in text  # the preview table again
    assert "確認の欄にチェックを入れてください" in text
    assert answers_of(survey_round, TOWN, questionnaire) == {}
    # and it can still be applied from there
    again = hidden_fields(text, page(survey_round) + "/apply")
    assert apply(pref, survey_round, again).status_code == 302
    assert answers_of(survey_round, TOWN, questionnaire)["basic_population"] == POPULATION


def test_only_the_uploader_applies_a_staged_upload(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    make_user("prefecture", login="pref2")
    browser.login("pref")
    _html, fields = preview(browser, survey_round)
    browser.post("/logout", form_page="/")
    browser.login("pref2")
    result = apply(browser, survey_round, fields)
    assert result.status_code == 302
    assert answers_of(survey_round, TOWN, questionnaire) == {}
    assert db.session.scalar(select(func.count(AnswerChange.id))) == 0


def test_stale_staged_uploads_are_pruned_and_cannot_be_applied(
    pref: Browser, survey_round: SurveyRound, questionnaire: Questionnaire
) -> None:
    from datetime import timedelta

    from dx_assess.models import StagedUpload
    from dx_assess.services.staged import MAX_AGE

    _html, old_fields = preview(pref, survey_round)
    old = db.session.get(StagedUpload, int(old_fields["staged_id"]))
    assert old is not None
    old.created_at = old.created_at - MAX_AGE - timedelta(minutes=1)
    db.session.commit()
    result = apply(pref, survey_round, old_fields)
    assert result.status_code == 302
    assert answers_of(survey_round, TOWN, questionnaire) == {}

    _html, fields = preview(pref, survey_round)  # staging a new file prunes the old one
    db.session.expire_all()
    assert db.session.get(StagedUpload, int(old_fields["staged_id"])) is None
    assert db.session.get(StagedUpload, int(fields["staged_id"])) is not None
    assert fields["staged_id"] != old_fields["staged_id"]  # ids are never reused


def test_the_import_fills_the_questions_the_round_binds_and_refuses_without_bindings(
    pref: Browser,
    survey_round: SurveyRound,
    app: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """2025.1 declares no bindings; with 2026.1 beside it (shipped) the import fills the
    population and cards questions traced through its map. Without any later version
    declaring them, the import says so instead of guessing question ids."""
    import shutil

    from flask import Flask

    from dx_assess.services.versions import DEFAULT_ROOT

    preview(pref, survey_round)  # 200: traced from 2026.1 (what is applied: the test above)
    copy = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_ROOT, copy, ignore=shutil.ignore_patterns("*.md", "fy2026.yaml"))
    assert isinstance(app, Flask)
    monkeypatch.setitem(app.config, "DX_QUESTIONNAIRES_DIR", str(copy))
    response = pref.post(
        page(survey_round),
        {"file": (io.BytesIO(small_file()), "all_localgovs.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "住民基本台帳人口・マイナンバーカードの保有枚数の設問が決められていない" in html


def test_the_statistics_pages_sit_under_the_rounds_menu_entry(
    pref: Browser, survey_round: SurveyRound
) -> None:
    """The import is reached from a round's page: the menu marks 調査回 as where the user is."""
    html = pref.get(page(survey_round)).get_data(as_text=True)
    assert '<a href="/rounds" aria-current="page">' in html
    html, _fields = preview(pref, survey_round)
    assert '<a href="/rounds" aria-current="page">' in html


def test_the_preview_warns_when_the_file_is_more_than_a_year_older_than_the_round(
    pref: Browser, survey_round: SurveyRound
) -> None:
    """The 2022 file (cards 令和4年12月31日) against this round's 基準日 (4月1日 of its year)."""
    html, _fields = preview(pref, survey_round)
    stale = survey_round.fiscal_year >= 2024
    assert ("より1年以上前です" in html) is stale
    if stale:
        assert "注意: このファイルの基準日（令和4年12月31日）は、調査回の基準日" in html


def test_an_xlsx_file_is_previewed_like_a_csv(pref: Browser, survey_round: SurveyRound) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["団体コード", "市区町村名", "総数（人口）", "交付枚数"])
    sheet.append([14630, "占冠村", POPULATION, CARDS])  # 014630 with its zero lost
    out = io.BytesIO()
    book.save(out)
    response = pref.post(
        page(survey_round),
        {"file": (io.BytesIO(out.getvalue()), "all_localgovs.xlsx")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[html.find("<main") :][:3000]
    assert "Excel（.xlsx）シート" in html
    assert "占冠村" in html
