"""Outbox rows as plain data for the templates."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from dx_assess.core.vocabulary import jst
from dx_assess.models import MailStatus, OutgoingMail

STATUS_LABELS = {
    MailStatus.QUEUED: _l("送信待ち"),
    MailStatus.SENT: _l("送信済み"),
    MailStatus.FAILED: _l("送信できませんでした（再送しません）"),
    MailStatus.KEPT: _l("保存のみ（送信しない設定）"),
}


@dataclass(frozen=True)
class MailView:
    id: int
    kind: str
    status: str
    status_code: str
    recipients: list[str]
    subject: str
    text: str
    created_at: str
    sent_at: str
    attempts: int
    last_error: str
    attachment: str | None


def mail_view(mail: OutgoingMail) -> MailView:
    return MailView(
        id=mail.id,
        kind=mail.kind.label,
        status=str(STATUS_LABELS[mail.status]),
        status_code=mail.status.value,
        recipients=mail.recipient_list(),
        subject=mail.subject,
        text=mail.text,
        created_at=jst(mail.created_at),
        sent_at=jst(mail.sent_at),
        attempts=mail.attempts,
        last_error=mail.last_error or "",
        attachment=mail.attachment_name,
    )
