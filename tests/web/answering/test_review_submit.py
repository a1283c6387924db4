"""Review (確認), the 確認票 PDF, confirming a submission, the 提出控え kept and downloaded,
and the contact person (回答担当者) on the first page (issue 15)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import (
    AnswerChange,
    Response,
    ResponseStatus,
    SubmissionReceipt,
    SurveyRound,
    User,
)
from dx_assess.services.receipts import receipt_pdf
from dx_assess.services.responses import reopen
from tests.support import Browser
from tests.support.answers import complete_answers, fill
from tests.web.answering.survey_fixtures import OTHER_TOWN, TOWN

# fy2025 (2025.1): 60 questions in 8 sections, 2 of them computed (保有率, 26手続の合計), so
# 58 answered by people; 11 are conditional and none of those applies to an empty response.
EMPTY_COUNT = "全58問（うち条件付き11問は該当しません）"


def url(survey_round: SurveyRound, rest: str = "") -> str:
    return f"/rounds/{survey_round.id}/responses/{TOWN}{rest}"


def pdftext(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "slip.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["/usr/bin/pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_section_pages_show_question_numbers(
    browser: Browser, survey_round: SurveyRound, people: dict[str, User]
) -> None:
    browser.login("yamada")
    html = browser.get(url(survey_round, "/sections/basic")).get_data(as_text=True)
    # the third question of the first section (住民基本台帳人口) is 問1-3
    assert re.search(r'<span class="qnum">問1-3</span>住民基本台帳人口', html)
    html = browser.get(url(survey_round, "/sections/mnc")).get_data(as_text=True)
    # the second question of the third section is computed (保有率): numbered all the same
    assert re.search(r'<span class="qnum">問3-2</span>マイナンバーカード保有率', html)


def test_review_page_lists_every_answer_with_its_number_and_what_is_missing(
    browser: Browser, survey_round: SurveyRound, people: dict[str, User]
) -> None:
    browser.login("yamada")
    html = browser.get(url(survey_round, "/review")).get_data(as_text=True)
    assert EMPTY_COUNT in html
    assert "まだ答えていない必須の設問（14問）" in html
    # missing questions link to their field on their section page
    assert f'href="{url(survey_round, "/sections/basic")}#question-basic_population"' in html
    assert html.count('class="review-item') == 60
    assert '<span class="qnum">問8-9</span>' in html  # the last question of the last section
    assert "（該当しません）" in html
    assert "basic_population</" not in html  # ids only in links, never shown


def test_review_counts_conditional_questions_apart(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    response: Response,
    people: dict[str, User],
) -> None:
    # アウトリーチ (mnc_outreach) yes: its follow-up 問3-4 applies, the total stays 58
    fill(response, questionnaire, people["yamada"], {"mnc_outreach": True})
    browser.login("yamada")
    html = browser.get(url(survey_round, "/review")).get_data(as_text=True)
    assert "全58問（うち条件付き10問は該当しません）" in html
    assert '<span class="qnum">問3-4</span>' in html


def test_cross_field_warnings_are_shown_linked_to_their_question(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    response: Response,
    people: dict[str, User],
) -> None:
    fill(
        response,
        questionnaire,
        people["yamada"],
        {"basic_population": "100", "mnc_cards_held": "150"},
    )
    browser.login("yamada")
    html = browser.get(url(survey_round, "/review")).get_data(as_text=True)
    assert "確認してください（1件）" in html
    assert f"{url(survey_round, '/sections/mnc')}#question-mnc_cards_held" in html


def test_confirmation_pdf_is_marked_as_a_draft(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    response: Response,
    people: dict[str, User],
    tmp_path: Path,
) -> None:
    fill(response, questionnaire, people["yamada"], {"basic_department": "総務課 情報係"})
    response.contact_name = "山田 花子"
    response.contact_phone = "0167-56-2121"
    db.session.commit()
    browser.login("yamada")
    reply = browser.get(url(survey_round, "/confirmation.pdf"))
    assert reply.status_code == 200
    assert reply.mimetype == "application/pdf"
    text = flat(pdftext(reply.data, tmp_path))
    for expected in (
        "確認票",
        "下書き・未提出",
        "占冠村",
        "令和7年度",
        "印刷日時令和",  # 和暦, Japan time
        "印刷した人",
        "問1-1",
        "総務課情報係",
        "問8-9",
        "山田花子",
        "0167-56-2121",
        "決裁欄課長",
        flat(EMPTY_COUNT),
    ):
        assert expected in text, expected
    assert "提出済み" not in text
    # nothing is kept for a 確認票
    assert db.session.scalar(select(func.count()).select_from(SubmissionReceipt)) == 0


def _answer_everything(response: Response, questionnaire: Questionnaire, user: User) -> None:
    fill(response, questionnaire, user, complete_answers(questionnaire))


def test_submit_asks_first_then_keeps_a_receipt(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    response: Response,
    people: dict[str, User],
    tmp_path: Path,
) -> None:
    _answer_everything(response, questionnaire, people["yamada"])
    browser.login("yamada")
    overview = browser.get(url(survey_round)).get_data(as_text=True)
    # the overview links to the confirmation page; it has no submit form of its own
    assert f'href="{url(survey_round, "/submit")}"' in overview
    assert f'action="{url(survey_round, "/submit")}"' not in overview

    page = browser.get(url(survey_round, "/submit"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "提出の確認" in html
    assert "道庁と担当のアドバイザーが回答を見られるようになり" in html
    assert "差し戻し" in html
    assert "提出控え" in html
    assert "未回答（必須）" in html
    db.session.expire_all()
    assert db.session.scalar(select(Response.status)) is ResponseStatus.DRAFT  # GET: no write

    reply = browser.post(url(survey_round, "/submit"), form_page=url(survey_round, "/submit"))
    assert reply.status_code == 302
    db.session.expire_all()
    stored = db.session.scalar(select(Response))
    assert stored is not None
    assert stored.status is ResponseStatus.SUBMITTED
    receipts = db.session.scalars(select(SubmissionReceipt)).all()
    assert len(receipts) == 1
    assert receipts[0].response_version == stored.version
    assert receipts[0].submitted_by_id == people["yamada"].id

    overview = browser.get(url(survey_round)).get_data(as_text=True)
    assert "提出控え（PDF）をダウンロード" in overview
    download = browser.get(url(survey_round, "/receipt.pdf"))
    assert download.status_code == 200
    assert download.data == receipts[0].pdf  # exactly what was kept
    assert receipt_pdf(db.session, stored) == receipts[0].pdf  # what the mail attaches
    text = flat(pdftext(download.data, tmp_path))
    for expected in (
        "提出控え",
        "提出済み",
        "占冠村",
        "提出日時令和",
        "提出した人",
        "問1-1",
        "問8-9",
    ):
        assert expected in text, expected
    assert people["yamada"].display_name.replace(" ", "") in text
    assert "下書き・未提出" not in text


def test_receipt_is_for_the_current_submission_only(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    response: Response,
    people: dict[str, User],
) -> None:
    _answer_everything(response, questionnaire, people["yamada"])
    browser.login("yamada")
    browser.post(url(survey_round, "/submit"), form_page=url(survey_round, "/submit"))
    db.session.expire_all()
    stored = db.session.scalar(select(Response))
    assert stored is not None
    reopen(db.session, stored, people["pref"], "人口を確認してください")
    db.session.commit()
    assert browser.get(url(survey_round, "/receipt.pdf")).status_code == 404
    assert receipt_pdf(db.session, stored) is None
    assert "提出控え（PDF）" not in browser.get(url(survey_round)).get_data(as_text=True)
    # submitted again: a second receipt, the first one kept
    browser.post(url(survey_round, "/submit"), form_page=url(survey_round, "/submit"))
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SubmissionReceipt)) == 2
    assert browser.get(url(survey_round, "/receipt.pdf")).status_code == 200


def test_an_incomplete_response_is_not_submitted_from_the_confirmation_page(
    browser: Browser, survey_round: SurveyRound, people: dict[str, User]
) -> None:
    browser.login("yamada")
    html = browser.get(url(survey_round, "/submit")).get_data(as_text=True)
    assert "このままでは提出できません" in html
    reply = browser.post(url(survey_round, "/submit"), form_page=url(survey_round, "/submit"))
    assert reply.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(SubmissionReceipt)) == 0


# ---------------------------------------------------------------------- the contact person


def _page_version(browser: Browser, path: str) -> str:
    html = browser.get(path).get_data(as_text=True)
    return html.split('name="base_version" type="hidden" value="')[1].split('"')[0]


CONTACT = {
    "contact_name": "山田 花子",
    "contact_section": "総務課 情報係",
    "contact_phone": "０１６７－５６－２１２１",
    "contact_email": "yamada@town.example.lg.jp",
}


def test_first_page_asks_the_contact_person_and_checks_it(
    browser: Browser, survey_round: SurveyRound, people: dict[str, User]
) -> None:
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    html = browser.get(page).get_data(as_text=True)
    for label in ("氏名", "所属（課・係）", "電話番号", "メールアドレス"):
        assert f">{label}</label>" in html
    assert 'name="contact_name"' not in browser.get(url(survey_round, "/sections/std")).get_data(
        as_text=True
    )
    bad = {**CONTACT, "contact_phone": "123", "contact_email": "yamada@"}
    version = _page_version(browser, page)
    reply = browser.post(page, {"base_version": version, "q_basic_department": "総務課", **bad})
    assert reply.status_code == 422
    html = reply.get_data(as_text=True)
    # a Japanese message beside each field, what was typed kept, nothing saved
    assert re.search(r'id="contact_phone-error">電話番号は「0123-45-6789」のように', html)
    assert re.search(r'id="contact_email-error">メールアドレスの形が正しくありません', html)
    assert 'value="123"' in html
    assert 'value="yamada@"' in html
    assert 'value="総務課"' in html
    assert db.session.scalar(select(func.count()).select_from(AnswerChange)) == 0


def test_contact_person_is_saved_audited_and_leaves_the_version_alone(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    response: Response,
    people: dict[str, User],
    tmp_path: Path,
) -> None:
    fill(response, questionnaire, people["yamada"], {"basic_department": "総務課"})
    db.session.expire_all()
    version = db.session.scalar(select(Response.version))
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    # the whole form as the page sends it: the answer unchanged, the contact typed
    reply = browser.post(
        page, {"base_version": str(version), "q_basic_department": "総務課", **CONTACT}
    )
    assert reply.status_code == 302
    db.session.expire_all()
    stored = db.session.scalar(select(Response))
    assert stored is not None
    assert stored.contact_phone == "0167-56-2121"  # full-width digits read as half-width
    assert stored.contact_email == "yamada@town.example.lg.jp"
    assert stored.version == version  # answers' concurrency untouched
    changes = db.session.scalars(
        select(AnswerChange).where(AnswerChange.question_id.like("contact.%"))
    ).all()
    assert sorted(c.question_id for c in changes) == [
        "contact.email",
        "contact.name",
        "contact.phone",
        "contact.section",
    ]
    assert all(c.changed_by_id == people["yamada"].id for c in changes)
    history = browser.get(url(survey_round, "/history")).get_data(as_text=True)
    assert "回答担当者（電話番号）" in history
    assert "contact.phone" not in history
    # a colleague's page, opened before, still showing the old (empty) contact: saving an
    # answer there does not take the contact back
    other = Browser(browser.app)
    other.login("sato")
    reply = other.post(
        page,
        {
            "base_version": str(version),
            "q_basic_department": "企画課",
            "shown-q_basic_department": '"総務課"',
            **{k: "" for k in CONTACT},
            **{f"shown-{k}": "" for k in CONTACT},
        },
    )
    assert reply.status_code == 302
    db.session.expire_all()
    stored = db.session.scalar(select(Response))
    assert stored is not None
    assert stored.contact_name == "山田 花子"
    # shown on the review page and the 確認票
    review = browser.get(url(survey_round, "/review")).get_data(as_text=True)
    assert "yamada@town.example.lg.jp" in review
    text = flat(pdftext(browser.get(url(survey_round, "/confirmation.pdf")).data, tmp_path))
    assert "yamada@town.example.lg.jp" in text
    assert "総務課情報係" in text


@pytest.mark.parametrize("width", [390])
def test_review_page_has_no_fixed_width(width: int) -> None:
    """The review list uses no table: it reflows at phone width (the browser test looks)."""
    css = Path("dx_assess/web/static/style.css").read_text(encoding="utf-8")
    assert ".review-a { white-space: pre-line; overflow-wrap: anywhere; }" in css


def test_receipt_downloads_for_the_towns_staff_its_adviser_and_the_prefecture(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    response: Response,
    people: dict[str, User],
    make_user: Callable[..., User],
    assign: Callable[[object, list[str]], None],
) -> None:
    _answer_everything(response, questionnaire, people["yamada"])
    ours = make_user("adviser", login="ours")
    theirs = make_user("adviser", login="theirs")
    assign(ours, [TOWN])
    assign(theirs, [OTHER_TOWN])
    browser.login("yamada")
    browser.post(url(survey_round, "/submit"), form_page=url(survey_round, "/submit"))
    for login, status in (
        ("yamada", 200),
        ("sato", 200),
        ("ours", 200),
        ("pref", 200),
        ("theirs", 403),
    ):
        other = Browser(browser.app)
        other.login(login)
        assert other.get(url(survey_round, "/receipt.pdf")).status_code == status, login


def test_receipt_is_made_when_first_asked_if_none_was_kept(
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    response: Response,
    people: dict[str, User],
    tmp_path: Path,
) -> None:
    """A submission made without a receipt (the PDF engine was missing then): the first
    request makes it from the submitted state and keeps it; the next gets the same bytes."""
    from dx_assess.services.responses import submit

    _answer_everything(response, questionnaire, people["yamada"])
    assert submit(db.session, response, questionnaire, people["yamada"]) == []
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SubmissionReceipt)) == 0
    first = receipt_pdf(db.session, response)
    db.session.commit()
    assert first is not None
    assert "提出控え" in pdftext(first, tmp_path)
    assert db.session.scalar(select(func.count()).select_from(SubmissionReceipt)) == 1
    assert receipt_pdf(db.session, response) == first


def test_home_shows_the_submission_time_in_wareki_and_links_the_receipt(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    response: Response,
    people: dict[str, User],
) -> None:
    """The municipal home names when the response was submitted (和暦 and Japan time through
    the ``wareki_time`` filter; ISO in English) and links its 提出控え, which downloads the
    receipt kept at submission."""
    import datetime as dt

    _answer_everything(response, questionnaire, people["yamada"])
    browser.login("yamada")
    home = browser.get("/").get_data(as_text=True)
    receipt_link = f'href="{url(survey_round, "/receipt.pdf")}"'
    assert receipt_link not in home  # a draft has no receipt
    browser.post(url(survey_round, "/submit"), form_page=url(survey_round, "/submit"))
    db.session.expire_all()
    stored = db.session.scalars(select(Response)).one()
    # 05:05 UTC is 14:05 in Japan (UTC+9)
    stored.submitted_at = dt.datetime(2026, 11, 22, 5, 5, tzinfo=dt.UTC)
    db.session.commit()

    home = browser.get("/").get_data(as_text=True)
    assert receipt_link in home
    assert "提出控え（PDF）" in home
    assert "令和8年11月22日 14:05 提出" in home
    overview = browser.get(url(survey_round)).get_data(as_text=True)
    assert "（令和8年11月22日 14:05）" in overview  # the overview's 回答の状態, same filter
    download = browser.get(url(survey_round, "/receipt.pdf"))
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    kept = db.session.scalars(select(SubmissionReceipt)).one()
    assert download.data == kept.pdf

    browser.post("/language", {"lang": "en", "next": "/"}, form_page="/")
    home = browser.get("/").get_data(as_text=True)
    assert "submitted 2026-11-22 14:05" in home
    assert "Submission receipt (PDF)" in home
    assert "令和8年11月22日" not in home
