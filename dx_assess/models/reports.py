"""Batch jobs that build a round's PDF reports in the background (progress for the web page)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dx_assess.models.accounts import User
from dx_assess.models.base import Base, UTCDateTime, utcnow
from dx_assess.models.survey import SurveyRound


class ReportJobStatus(enum.StrEnum):
    QUEUED = "queued"  # 待機中: created, its process not started yet
    RUNNING = "running"  # 作成中
    DONE = "done"  # 完了: the ZIP is ready
    FAILED = "failed"  # 失敗: see ``error``


class ReportJob(Base):
    """One batch run: every report of a round, rendered (or taken from the cache) and zipped."""

    __tablename__ = "report_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # last progress
    status: Mapped[ReportJobStatus] = mapped_column(
        Enum(
            ReportJobStatus,
            native_enum=False,
            length=20,
            create_constraint=True,
            name="report_job_status",
            values_callable=lambda members: [m.value for m in members],
        ),
        default=ReportJobStatus.QUEUED,
    )
    total: Mapped[int] = mapped_column(default=0)  # reports in the batch
    done: Mapped[int] = mapped_column(default=0)  # finished (rendered or cached)
    rendered: Mapped[int] = mapped_column(default=0)  # of those, rendered now (not cached)
    failed: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    zip_path: Mapped[str | None] = mapped_column(String(500))  # relative to the reports folder
    zip_hash: Mapped[str | None] = mapped_column(String(64))

    round: Mapped[SurveyRound] = relationship()
    requested_by: Mapped[User | None] = relationship()
