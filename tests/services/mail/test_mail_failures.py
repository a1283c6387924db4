"""A mail server that is down never fails the user's action: the mail stays queued with its
error, is tried again after a backoff, and ``dx-assess mail send`` delivers it once the server
is back; after DX_MAIL_MAX_ATTEMPTS tries it is given up. With DX_MAIL_BACKEND=outbox nothing
is sent and the admin reads the mails on 「送信メール」."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select, update

from dx_assess.extensions import db
from dx_assess.models import MailKind, MailStatus, OutgoingMail, Response, ResponseStatus, User
from dx_assess.models.base import utcnow
from dx_assess.services.mail import backoff, send_pending
from dx_assess.services.rounds import round_questionnaire
from tests.services.mail.conftest import TOWN, YAMADA
from tests.support import Browser
from tests.support.answers import complete_answers, fill, open_test_round, town_response
from tests.support.smtp import SmtpServer


def _submit_while_down(smtp_app: Flask, smtp_server: SmtpServer, people: dict[str, User]) -> int:
    survey_round = open_test_round(2025, "2025.1", people["pref"])
    db.session.execute(OutgoingMail.__table__.delete())
    questionnaire = round_questionnaire(survey_round)
    fill(
        town_response(survey_round, TOWN),
        questionnaire,
        people["yamada"],
        complete_answers(questionnaire),
    )
    smtp_server.stop()  # the mail server is down
    browser = Browser(smtp_app)
    browser.login("yamada")
    overview = f"/rounds/{survey_round.id}/responses/{TOWN}"
    answer = browser.post(f"{overview}/submit", form_page=overview)
    assert answer.status_code == 302  # the submission went through
    answer.close()  # the send after the request fails
    assert "提出しました。" in browser.get(overview).get_data(as_text=True)
    return survey_round.id


def test_server_down_then_up(
    smtp_app: Flask, smtp_server: SmtpServer, people: dict[str, User]
) -> None:
    _submit_while_down(smtp_app, smtp_server, people)
    db.session.expire_all()
    response = db.session.scalar(select(Response))
    assert response is not None
    assert response.status is ResponseStatus.SUBMITTED
    (mail,) = db.session.scalars(select(OutgoingMail)).all()
    assert mail.kind is MailKind.RECEIPT
    assert mail.status is MailStatus.QUEUED
    assert mail.attempts == 1
    assert mail.last_error is not None
    assert "ConnectionRefusedError" in mail.last_error
    assert mail.next_attempt_at > utcnow()  # not before the backoff (1 minute)

    runner = smtp_app.test_cli_runner()
    early = runner.invoke(args=["mail", "send"])  # too early: nothing is tried
    assert "送信: 0件、失敗: 0件" in early.output

    smtp_server.start()  # the server is back (same port)
    db.session.execute(
        update(OutgoingMail).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1))
    )  # a minute has passed
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "送信: 1件、失敗: 0件（うち再送をやめた: 0件）、送信待ち: 0件" in result.output
    (received,) = smtp_server.wait_for(1)
    assert YAMADA in received.rcpt_tos
    assert received.subject.endswith("の提出を受け付けました（占冠村）")
    db.session.expire_all()
    sent = db.session.get(OutgoingMail, mail.id)
    assert sent is not None
    assert sent.status is MailStatus.SENT
    assert sent.attempts == 2
    assert sent.last_error is None
    assert sent.sent_at is not None


def test_given_up_after_the_maximum_number_of_tries(
    smtp_app: Flask,
    smtp_server: SmtpServer,
    people: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(smtp_app.config, "DX_MAIL_MAX_ATTEMPTS", 3)
    _submit_while_down(smtp_app, smtp_server, people)  # try 1
    later = utcnow() + dt.timedelta(hours=3)
    assert send_pending(db.session, now=later).failed == 1  # try 2
    report = send_pending(db.session, now=later + dt.timedelta(hours=3))  # try 3: the last
    assert (report.failed, report.given_up) == (1, 1)
    (mail,) = db.session.scalars(select(OutgoingMail)).all()
    assert mail.status is MailStatus.FAILED
    assert mail.attempts == 3
    assert send_pending(db.session, now=later + dt.timedelta(days=1)).failed == 0


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 8, 20)] == [
        1,
        2,
        4,
        8,
        60,
        60,
        60,
    ]


def test_outbox_backend_keeps_the_mails_for_the_admin(
    app: Flask,
    smtp_server: SmtpServer,
    people: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "DX_MAIL_BACKEND", "outbox")
    survey_round = open_test_round(2025, "2025.1", people["pref"])
    (mail,) = db.session.scalars(select(OutgoingMail)).all()
    assert mail.status is MailStatus.KEPT
    assert send_pending(db.session).sent == 0
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "DX_MAIL_BACKEND=outbox のため送信しません" in result.output
    assert smtp_server.messages == []

    admin = Browser(app)
    admin.login("admin")
    listing = admin.get("/admin/mail").get_data(as_text=True)
    assert "メールを送信しない設定です" in listing
    assert survey_round.title in listing
    assert "保存のみ（送信しない設定）" in listing
    assert f'href="/admin/mail/{mail.id}"' in listing
    detail = admin.get(f"/admin/mail/{mail.id}").get_data(as_text=True)
    assert "占冠村 ご担当者 様" in detail
    assert f"/rounds/{survey_round.id}/responses/{TOWN}" in detail
    assert admin.get("/admin/mail/999999").status_code == 404

    town = Browser(app)
    town.login("yamada")
    assert town.get("/admin/mail").status_code == 403
    assert town.get(f"/admin/mail/{mail.id}").status_code == 403


def test_a_mail_with_the_same_key_is_queued_once(smtp_app: Flask, people: dict[str, User]) -> None:
    """The unique key refuses the second (a request at the same moment, or a later one) and
    leaves the rest of the transaction as it was."""
    from dx_assess.core.mail import reminder
    from dx_assess.services.mail import contact, queue

    content = reminder(
        round_title="令和7年度 調査",
        municipality="占冠村",
        closes_on=dt.date(2025, 8, 29),
        today=dt.date(2025, 8, 22),
        answer_url="http://dx.example.jp/",
        contact=contact(),
    )
    key = "reminder:1:2025-08-22:014630"
    first = queue(db.session, content, [YAMADA], dedupe_key=key)
    assert first is not None
    assert queue(db.session, content, [YAMADA], dedupe_key=key) is None
    assert queue(db.session, content, [YAMADA], dedupe_key=key + "x") is not None
    db.session.commit()
    assert len(db.session.scalars(select(OutgoingMail)).all()) == 2
