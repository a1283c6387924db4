"""The outbox: mails are queued in the database in the transaction of the action that caused
them, and sent after the commit.

* :func:`queue` adds an ``outgoing_mail`` row (it only flushes: the unit of work commits it
  with the action, or rolls both back). With ``DX_MAIL_BACKEND=outbox`` (the embedded default)
  the row is kept for the admin to read on 「送信メール」 and never sent.
* :func:`send_pending` sends the queued mails whose time has come through SMTP (smtplib,
  ``DX_SMTP_*``), committing after each one. A failed try (SMTP down, a refused recipient)
  changes nothing for the user: the mail stays queued with its error and is tried again after
  a backoff (1, 2, 4 … 60 minutes) until ``DX_MAIL_MAX_ATTEMPTS`` tries, then it is marked
  failed. It runs opportunistically after every request that queued a mail
  (``dx_assess.web.mail``), and from ``dx-assess mail send`` (a systemd timer in deploy/).
  On PostgreSQL the rows are claimed with ``FOR UPDATE SKIP LOCKED``, so two senders at once
  never send the same mail twice.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dx_assess import unit_of_work
from dx_assess.config import prefecture_contact
from dx_assess.core.mail import MailContent, PrefectureContact
from dx_assess.models import MailStatus, OutgoingMail
from dx_assess.models.base import DbSession, utcnow

log = logging.getLogger("dx_assess.mail")

#: ``session.info`` key set when a mail was queued: the web layer then sends after the commit.
QUEUED_FLAG = "dx_mail_queued"
MAX_BACKOFF = timedelta(minutes=60)


@dataclass(frozen=True)
class Attachment:
    """A file sent with a mail: the receipt's 提出控え PDF (``services.notices.receipt``)."""

    filename: str
    content_type: str  # e.g. "application/pdf"
    data: bytes


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0  # tries that failed this time (the mails stay queued or are given up)
    given_up: int = 0  # of those, the mails that reached the maximum number of tries
    errors: list[str] = field(default_factory=list)


def contact() -> PrefectureContact:
    """The prefecture's contact from the app's settings."""
    return prefecture_contact(current_app.config)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for a mail: under ``DX_BASE_URL`` when set (always in production with
    SMTP), else the address of the current request (or http://localhost/ on the command line)."""
    base = str(current_app.config.get("DX_BASE_URL") or "")
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base or "http://localhost")
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def clean_addresses(addresses: Iterable[str | None]) -> list[str]:
    """Addresses without blanks and duplicates (compared without case), in order."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in addresses:
        address = (raw or "").strip()
        if address and "@" in address and address.lower() not in seen:
            seen.add(address.lower())
            out.append(address)
    return out


def queue(
    session: DbSession,
    content: MailContent,
    recipients: Iterable[str | None],
    *,
    dedupe_key: str | None = None,
    attachment: Attachment | None = None,
) -> OutgoingMail | None:
    """Queue one mail to ``recipients`` (flush only). None when there is nobody to send to, or
    when a mail with the same ``dedupe_key`` was queued before (it never goes twice)."""
    addresses = clean_addresses(recipients)
    if not addresses:
        return None
    backend = current_app.config.get("DX_MAIL_BACKEND", "outbox")
    mail = OutgoingMail(
        kind=content.kind,
        recipients="\n".join(addresses),
        subject=content.subject[:300],
        text=content.text,
        html=content.html,
        status=MailStatus.QUEUED if backend == "smtp" else MailStatus.KEPT,
        attempts=0,
        next_attempt_at=utcnow(),
        dedupe_key=dedupe_key,
        attachment_name=attachment.filename if attachment else None,
        attachment_type=attachment.content_type if attachment else None,
        attachment_data=attachment.data if attachment else None,
    )
    if dedupe_key is None:
        session.add(mail)
        session.flush()
    else:
        try:  # queued before (or by a request at the same moment): the unique key refuses it
            with session.begin_nested():
                session.add(mail)
        except IntegrityError:
            return None
    session.info[QUEUED_FLAG] = True
    return mail


def message_of(mail: OutgoingMail, config: Mapping[str, Any]) -> EmailMessage:
    """The MIME message: multipart/alternative (text, then HTML), plus the attachment if any."""
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = str(config.get("DX_MAIL_FROM") or "dx-assess@localhost")
    message["To"] = ", ".join(mail.recipient_list())
    message["Date"] = format_datetime(mail.created_at)
    domain = str(config.get("DX_MAIL_FROM") or "localhost").rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(f"dx-assess.{mail.id}", domain=domain)
    message.set_content(mail.text, charset="utf-8")
    message.add_alternative(mail.html, subtype="html", charset="utf-8")
    if mail.attachment_data is not None and mail.attachment_name:
        maintype, _, subtype = (mail.attachment_type or "application/octet-stream").partition("/")
        message.add_attachment(
            mail.attachment_data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=mail.attachment_name,
        )
    return message


def smtp_send(message: EmailMessage, config: Mapping[str, Any]) -> None:
    """Send one message through the configured SMTP server (raises on any failure)."""
    host = str(config.get("DX_SMTP_HOST") or "")
    port = int(config.get("DX_SMTP_PORT") or 25)
    timeout = float(config.get("DX_SMTP_TIMEOUT") or 10)
    client: smtplib.SMTP
    if config.get("DX_SMTP_SSL"):
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if config.get("DX_SMTP_STARTTLS"):
            client.starttls(context=ssl.create_default_context())
        user = str(config.get("DX_SMTP_USER") or "")
        if user:
            client.login(user, str(config.get("DX_SMTP_PASSWORD") or ""))
        client.send_message(message)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 1, 2, 4 … minutes, at most 60."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def send_pending(
    session: DbSession, *, now: datetime | None = None, limit: int = 100
) -> SendReport:
    """Send up to ``limit`` queued mails whose time has come; commit after each one."""
    config = current_app.config
    report = SendReport()
    if config.get("DX_MAIL_BACKEND") != "smtp":
        return report
    max_attempts = int(config.get("DX_MAIL_MAX_ATTEMPTS") or 8)
    for _ in range(limit):
        moment = now or utcnow()
        mail = session.scalar(
            select(OutgoingMail)
            .where(
                OutgoingMail.status == MailStatus.QUEUED,
                OutgoingMail.next_attempt_at <= moment,
            )
            .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if mail is None:
            break
        mail.attempts += 1
        try:
            smtp_send(message_of(mail, config), config)
        except (OSError, smtplib.SMTPException) as exc:
            mail.last_error = _describe(exc)
            report.failed += 1
            report.errors.append(f"{mail.id}: {mail.last_error}")
            if mail.attempts >= max_attempts:
                mail.status = MailStatus.FAILED
                report.given_up += 1
                log.error("mail %s given up after %s tries: %s", mail.id, mail.attempts, exc)
            else:
                mail.next_attempt_at = moment + backoff(mail.attempts)
                log.warning("mail %s not sent (try %s): %s", mail.id, mail.attempts, exc)
        else:
            mail.status = MailStatus.SENT
            mail.sent_at = utcnow()
            mail.last_error = None
            report.sent += 1
        session.flush()
        unit_of_work.release(session)
    return report


def outbox_page(
    session: DbSession, *, page: int = 1, per_page: int = 50
) -> tuple[list[OutgoingMail], bool]:
    """The newest mails first, without their attachments; (rows, whether there are more)."""
    rows = list(
        session.scalars(
            select(OutgoingMail)
            .order_by(OutgoingMail.created_at.desc(), OutgoingMail.id.desc())
            .offset((max(page, 1) - 1) * per_page)
            .limit(per_page + 1)
        )
    )
    return rows[:per_page], len(rows) > per_page
