"""``dx-assess mail send`` and ``dx-assess mail reminders`` (run from the systemd timers in
deploy/)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from dx_assess import unit_of_work
from dx_assess.core.vocabulary import today, wareki
from dx_assess.extensions import db
from dx_assess.models import MailStatus, OutgoingMail, SurveyRound
from dx_assess.services import notices
from dx_assess.services.mail import send_pending
from dx_assess.services.rounds import OPEN, round_state


@click.group("mail", cls=AppGroup, help="メールの送信（送信待ちのメール、締切前のお願い）")
def mail_cli() -> None:
    pass


@mail_cli.command(
    "send",
    help="送信待ちのメールを送ります。送れなかったメールは時間をおいて再送します"
    "（DX_MAIL_MAX_ATTEMPTS 回まで）。",
)
@click.option("--limit", default=500, show_default=True, help="一度に送る最大の件数")
def send(limit: int) -> None:
    if current_app.config.get("DX_MAIL_BACKEND") != "smtp":
        click.echo(
            "DX_MAIL_BACKEND=outbox のため送信しません（メールは「送信メール」で読めます）。"
        )
        return
    report = send_pending(db.session, limit=limit)
    waiting = len(
        db.session.scalars(
            select(OutgoingMail.id).where(OutgoingMail.status == MailStatus.QUEUED)
        ).all()
    )
    click.echo(
        f"送信: {report.sent}件、失敗: {report.failed}件（うち再送をやめた: "
        f"{report.given_up}件）、送信待ち: {waiting}件"
    )
    for error in report.errors:
        click.echo(f"  送れなかったメール {error}", err=True)


@mail_cli.command(
    "reminders",
    help="回答受付中の調査回で、締切まであと N 日（--days、既定は DX_REMINDER_DAYS）の日に、"
    "未提出の市町村へ締切前のお願いを送ります。同じ日に同じ市町村へは1回だけです。",
)
@click.option(
    "--days",
    "days",
    multiple=True,
    type=click.IntRange(min=0),
    help="締切の何日前か（複数指定できます）",
)
def reminders(days: tuple[int, ...]) -> None:
    wanted = set(days or current_app.config.get("DX_REMINDER_DAYS") or ())
    day = today()
    sent_any = False
    for survey_round in db.session.scalars(select(SurveyRound).order_by(SurveyRound.fiscal_year)):
        if round_state(survey_round, day) is not OPEN:
            continue
        left = (survey_round.closes_on - day).days
        if left not in wanted:
            continue
        sent_any = True
        result = notices.reminders(db.session, survey_round, day=day)
        click.echo(
            f"{survey_round.title}（締切 {wareki(survey_round.closes_on)}、あと{left}日）: "
            f"{result.queued}団体に送りました（本日送信済み {result.already}団体、"
            f"宛先なし {result.unreachable}団体）"
        )
    if sent_any and current_app.config.get("DX_MAIL_BACKEND") == "smtp":
        unit_of_work.release(db.session)  # the reminders are queued: send them now
        report = send_pending(db.session)
        click.echo(f"送信: {report.sent}件、失敗: {report.failed}件（失敗したメールは再送します）")
    if not sent_any:
        days_text = "・".join(str(d) for d in sorted(wanted)) or "（なし）"
        click.echo(f"締切まであと {days_text} 日の、回答受付中の調査回はありません。")
