"""Every mail kind, sent through a real SMTP server on 127.0.0.1 (aiosmtpd) and read there:
subject, recipients, the Japanese text, the links (absolute, under DX_BASE_URL), the contact
(問い合わせ先) and the two parts (text and HTML, multipart/alternative)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from dx_assess.core.vocabulary import today, wareki
from dx_assess.extensions import db
from dx_assess.models import MailKind, MailStatus, OutgoingMail, Response, User
from dx_assess.services import notices
from dx_assess.services.mail import send_pending
from dx_assess.services.rounds import round_questionnaire
from tests.services.mail.conftest import TANAKA, TOWN, YAMADA
from tests.support import Browser
from tests.support.answers import complete_answers, fill, open_test_round, town_response
from tests.support.smtp import Received, SmtpServer

BASE = "http://dx.example.jp"
CONTACT_LINES = (
    "北海道経済部 AI・DX推進局 DX推進課",
    "電話: 011-204-5000",
    "dx-suishin@pref.example.jp",
)


def check_common(mail: Received) -> tuple[str, str]:
    """Both parts present (text first, HTML second) and naming the contact; returns them."""
    assert mail.message.get_content_type() in ("multipart/alternative", "multipart/mixed")
    alternative = next(
        p for p in mail.message.walk() if p.get_content_type() == "multipart/alternative"
    )
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    text, html = mail.part("text/plain"), mail.part("text/html")
    for line in CONTACT_LINES:
        assert line in text
    assert "問い合わせ先" in text
    assert "問い合わせ先" in html
    assert "011-204-5000" in html
    assert mail.message["From"] == "dx-assess@pref.example.jp"
    return text, html


def links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def test_round_opened_goes_to_each_answering_town(
    smtp_app: Flask, smtp_server: SmtpServer, people: dict[str, User]
) -> None:
    survey_round = open_test_round(2025, "2025.1", people["pref"])  # programme: 占冠村 only
    assert db.session.scalars(select(OutgoingMail)).all()[0].status is MailStatus.QUEUED
    assert send_pending(db.session).sent == 1
    (mail,) = smtp_server.wait_for(1)
    assert sorted(mail.rcpt_tos) == sorted([YAMADA, TANAKA])
    assert mail.subject == (
        f"【北海道 市町村DX成熟度調査】{survey_round.title}のご案内"
        f"（締切 {wareki(survey_round.closes_on)}）"
    )
    text, html = check_common(mail)
    assert text.startswith("占冠村 ご担当者 様")
    assert f"回答の締切は {wareki(survey_round.closes_on)} です" in text
    assert f"{wareki(survey_round.opens_on)}から回答を受け付けています" in text  # opened yesterday
    url = f"{BASE}/rounds/{survey_round.id}/responses/{TOWN}"
    assert links(text) == [url]
    assert f'href="{url}"' in html


def test_reminder_from_the_round_page_once_a_day(
    smtp_app: Flask, smtp_server: SmtpServer, people: dict[str, User]
) -> None:
    survey_round = open_test_round(2025, "2025.1", people["pref"])
    db.session.execute(OutgoingMail.__table__.delete())  # the opening's mail is another test
    db.session.commit()
    browser = Browser(smtp_app)
    browser.login("pref")
    page = f"/rounds/{survey_round.id}"
    assert "未提出の市町村にメールを送る" in browser.get(page).get_data(as_text=True)
    answer = browser.post(f"{page}/reminders", form_page=page)
    assert answer.status_code == 302
    answer.close()  # the server delivered the answer: the queued mail is sent now
    (mail,) = smtp_server.wait_for(1)
    assert "1団体に締切前のお願いのメールを送りました。" in browser.get(page).get_data(as_text=True)
    assert sorted(mail.rcpt_tos) == sorted([YAMADA, TANAKA])
    assert mail.subject == (
        f"【北海道 市町村DX成熟度調査】{survey_round.title}の締切"
        f"（{wareki(survey_round.closes_on)}）が近づいています"
    )
    text, _html = check_common(mail)
    days = (survey_round.closes_on - today()).days
    assert f"締切まであと{days}日です。" in text
    assert "まだ提出されていない" in text
    assert links(text) == [f"{BASE}/rounds/{survey_round.id}/responses/{TOWN}"]

    again = browser.post(f"{page}/reminders", form_page=page)  # the same day: not again
    again.close()
    assert "0団体に締切前のお願いのメールを送りました。1団体には本日すでに送っています。" in (
        browser.get(page).get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.kind == MailKind.REMINDER))
    assert len(db.session.scalars(select(OutgoingMail)).all()) == 1

    # the timer's command on the same day sends nothing more; the next day it would
    runner = smtp_app.test_cli_runner()
    result = runner.invoke(args=["mail", "reminders", "--days", str(days)])
    assert result.exit_code == 0, result.output
    assert "0団体に送りました（本日送信済み 1団体" in result.output
    tomorrow = today() + dt.timedelta(days=1)
    assert notices.reminders(db.session, survey_round, day=tomorrow).queued == 1
    db.session.rollback()


def test_reminder_command_sends_on_the_configured_days_only(
    smtp_app: Flask, smtp_server: SmtpServer, people: dict[str, User]
) -> None:
    survey_round = open_test_round(2025, "2025.1", people["pref"])  # closes in 59 days
    db.session.execute(OutgoingMail.__table__.delete())
    db.session.commit()
    runner = smtp_app.test_cli_runner()
    result = runner.invoke(args=["mail", "reminders", "--days", "7"])
    assert result.exit_code == 0, result.output
    assert "締切まであと 7 日の、回答受付中の調査回はありません。" in result.output
    days = (survey_round.closes_on - today()).days
    result = runner.invoke(args=["mail", "reminders", "--days", "7", "--days", str(days)])
    assert result.exit_code == 0, result.output
    assert f"あと{days}日）: 1団体に送りました" in result.output
    assert "送信: 1件" in result.output
    (mail,) = smtp_server.wait_for(1)
    assert mail.subject.endswith("が近づいています")
    assert f"締切まであと{days}日です。" in mail.part("text/plain")


def _submitted(smtp_app: Flask, people: dict[str, User]) -> tuple[Browser, Response, int]:
    survey_round = open_test_round(2025, "2025.1", people["pref"])
    db.session.execute(OutgoingMail.__table__.delete())
    response = town_response(survey_round, TOWN)
    response.contact_name, response.contact_email = "回答 担当", "kaitou@town.shimukappu.example.jp"
    fill(
        response,
        round_questionnaire(survey_round),
        people["yamada"],
        complete_answers(round_questionnaire(survey_round)),
    )
    browser = Browser(smtp_app)
    browser.login("yamada")
    overview = f"/rounds/{survey_round.id}/responses/{TOWN}"
    answer = browser.post(f"{overview}/submit", form_page=overview)
    assert answer.status_code == 302
    answer.close()
    return browser, response, survey_round.id


def test_submission_receipt_to_the_contact_and_the_submitter(
    smtp_app: Flask, smtp_server: SmtpServer, people: dict[str, User]
) -> None:
    _browser, response, round_id = _submitted(smtp_app, people)
    (mail,) = smtp_server.wait_for(1)
    assert sorted(mail.rcpt_tos) == sorted(["kaitou@town.shimukappu.example.jp", YAMADA])
    db.session.expire_all()
    assert mail.subject.endswith("の提出を受け付けました（占冠村）")
    text, html = check_common(mail)
    assert "提出した方: yamada さん" in text
    submitted = db.session.get(Response, response.id)
    assert submitted is not None
    assert submitted.submitted_at is not None
    at = submitted.submitted_at.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert f"提出日時: {wareki(at.date())} {at.hour}時{at.minute:02d}分" in text
    url = f"{BASE}/rounds/{round_id}/responses/{TOWN}"
    assert links(text) == [url]
    assert f'href="{url}"' in html


def test_sent_back_with_its_reason(
    smtp_app: Flask, smtp_server: SmtpServer, people: dict[str, User]
) -> None:
    _browser, _response, round_id = _submitted(smtp_app, people)
    smtp_server.wait_for(1)
    pref = Browser(smtp_app)
    pref.login("pref")
    overview = f"/rounds/{round_id}/responses/{TOWN}"
    answer = pref.post(
        f"{overview}/reopen",
        {"reason": "職員数の欄が昨年の10倍です。ご確認ください。"},
        form_page=overview,
    )
    assert answer.status_code == 302
    answer.close()
    mail = smtp_server.wait_for(2)[1]
    assert sorted(mail.rcpt_tos) == sorted(["kaitou@town.shimukappu.example.jp", YAMADA, TANAKA])
    assert mail.subject.endswith("の回答が差し戻されました")
    text, html = check_common(mail)
    assert "差し戻しの理由:\n職員数の欄が昨年の10倍です。ご確認ください。" in text
    assert "職員数の欄が昨年の10倍です。" in html
    assert links(text) == [f"{BASE}{overview}"]


def test_password_reset_mail(
    smtp_app: Flask, smtp_server: SmtpServer, people: dict[str, User]
) -> None:
    browser = Browser(smtp_app)
    answer = browser.post("/password/forgot", {"login_or_email": "yamada"})
    assert answer.status_code == 200
    answer.close()
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == [YAMADA]
    assert mail.subject == "【北海道 市町村DX成熟度調査】パスワード再設定のご案内"
    text, html = check_common(mail)
    assert text.startswith("yamada さん 様")
    assert "ログインID「yamada」" in text
    assert "60分間、1回だけ使えます" in text
    (url,) = links(text)
    assert url.startswith(f"{BASE}/password/reset/")
    assert f'href="{url}"' in html


def test_round_opened_reaches_last_years_contact_and_only_answering_towns(
    smtp_app: Flask,
    smtp_server: SmtpServer,
    people: dict[str, User],
    make_user: Callable[..., User],
) -> None:
    earlier = open_test_round(2024, "2024.1", people["pref"])
    last_year = town_response(earlier, TOWN)
    last_year.contact_email = "kyonen@town.shimukappu.example.jp"
    other = make_user("municipal", "012025", login="hakodate")  # 函館市: not in the programme
    other.email = "it@city.hakodate.example.jp"
    people["tanaka"].active = False  # a stopped account gets nothing
    db.session.execute(OutgoingMail.__table__.delete())
    db.session.commit()
    survey_round = open_test_round(2025, "2025.1", people["pref"])
    assert send_pending(db.session).sent == 1
    (mail,) = smtp_server.wait_for(1)
    assert sorted(mail.rcpt_tos) == sorted(["kyonen@town.shimukappu.example.jp", YAMADA])
    assert f"/rounds/{survey_round.id}/responses/{TOWN}" in mail.part("text/plain")
