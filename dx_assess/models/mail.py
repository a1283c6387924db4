"""The outbox: every mail, queued in the same transaction as the action that caused it, sent
after the commit (``dx_assess.services.mail``)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dx_assess.core.mail import MailKind as MailKind  # defined there, re-exported
from dx_assess.models.base import Base, UTCDateTime, string_enum, utcnow


class MailStatus(enum.StrEnum):
    QUEUED = "queued"  # 送信待ち (sent by the next try)
    SENT = "sent"  # 送信済み
    FAILED = "failed"  # 送信できず、再送もしない（上限回数に達した）
    KEPT = "kept"  # 送信しない設定（DX_MAIL_BACKEND=outbox）: 画面で読むだけ


class OutgoingMail(Base):
    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MailKind] = mapped_column(string_enum(MailKind, "mail_kind", length=30))
    #: The addresses, one per line.
    recipients: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    status: Mapped[MailStatus] = mapped_column(
        string_enum(MailStatus, "mail_status"), default=MailStatus.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    #: Not tried again before this time (the backoff after a failed try).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set for a mail that must never go twice (a reminder: round, day, municipality).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    #: One optional attachment (the 提出控え PDF of a receipt).
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_type: Mapped[str | None] = mapped_column(String(100))
    attachment_data: Mapped[bytes | None] = mapped_column(LargeBinary)

    def recipient_list(self) -> list[str]:
        return [r for r in self.recipients.splitlines() if r]
