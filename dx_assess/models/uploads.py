"""Staged uploads: a parsed upload kept on the server between its preview and its apply."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from dx_assess.models.base import Base, UTCDateTime, string_enum, utcnow


class UploadKind(enum.StrEnum):
    EXCEL = "excel"  # a response's answers from its Excel file
    STATISTICS = "statistics"  # the 総務省 My Number card CSV, for a whole round


class StagedUpload(Base):
    """One uploaded file, parsed, waiting to be applied (at most once).

    ``payload`` holds what the file says (parsed values, never the raw file); ``seen`` holds
    the answers the preview compared it with, so that apply can tell what changed since.
    Apply names only the row's id: values and the audit reason never come from the browser.
    """

    __tablename__ = "staged_upload"
    # Ids are never reused (SQLite would reuse a pruned row's id): an old preview page can
    # never name a newer file.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[UploadKind] = mapped_column(string_enum(UploadKind, "upload_kind"))
    sha256: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(255))
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"), index=True)
    # The municipality whose response an Excel file targets (None for statistics).
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    payload: Mapped[Any] = mapped_column(JSON)
    seen: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    applied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
