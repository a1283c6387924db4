"""Published questionnaire versions: the exact file content a round was run against."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dx_assess.models.base import Base, UTCDateTime, utcnow


class QuestionnaireVersion(Base):
    """One published version. Immutable: the content is stored and never updated."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (
        UniqueConstraint("key", "version", name="uq_questionnaire_version_key_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    fiscal_year: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the file bytes
    source_name: Mapped[str] = mapped_column(String(200))  # e.g. dx-maturity/fy2025.yaml
    # the file as published (UTF-8); deferred: read only when a process first parses it
    # (services.versions.load_published caches the parse by id and content hash)
    content: Mapped[str] = mapped_column(Text, deferred=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by: Mapped[str] = mapped_column(String(64))
