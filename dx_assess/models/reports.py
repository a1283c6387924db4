"""Report batches on the task queue: the batch, one row per report of it, every render (the
claim that stops two machines rendering the same report at once), and the stored files.

* ``report_job``: one batch of a round. At most one queued or running batch per round: the
  database refuses a second one (a partial unique index), so two requests at the same moment,
  on any instances, make one job.
* ``report_item``: one report of a batch. Progress is counted from these rows, so every
  instance shows the same.
* ``report_render``: one render of a PDF (by content hash). An unfinished row is a claim: the
  partial unique index allows one per hash, so a report is rendered once whoever asks; the
  renderer renews ``heartbeat_at``, and a claim whose holder stopped renewing (its machine
  died) may be taken over.
* ``report_file``: the generated PDFs and ZIPs, when they are stored in the database
  (``DX_REPORT_STORAGE=database``, the default on PostgreSQL).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dx_assess.models.accounts import User
from dx_assess.models.base import Base, UTCDateTime, string_enum, utcnow
from dx_assess.models.survey import SurveyRound


class ReportJobStatus(enum.StrEnum):
    QUEUED = "queued"  # 待機中: created, not planned yet
    RUNNING = "running"  # 作成中
    DONE = "done"  # 完了: the ZIP is ready
    FAILED = "failed"  # 失敗: see ``error``


#: A job in these states is active; ``ACTIVE_JOB``, the same as SQL, lets the database keep
#: at most one per round.
ACTIVE_JOB_STATUSES = (ReportJobStatus.QUEUED, ReportJobStatus.RUNNING)
ACTIVE_JOB = "status IN (" + ", ".join(f"'{s.value}'" for s in ACTIVE_JOB_STATUSES) + ")"


class ReportItemStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for (or being rendered by) a worker
    RENDERED = "rendered"  # rendered for this batch
    CACHED = "cached"  # already stored: not rendered again
    FAILED = "failed"  # failed three times: see ``error``


class ReportJob(Base):
    """One batch run: every report of a round, rendered (or taken from storage) and zipped."""

    __tablename__ = "report_job"
    __table_args__ = (
        Index(
            "uq_report_job_active_round",
            "round_id",
            unique=True,
            sqlite_where=text(ACTIVE_JOB),
            postgresql_where=text(ACTIVE_JOB),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # last progress
    status: Mapped[ReportJobStatus] = mapped_column(
        string_enum(ReportJobStatus, "report_job_status"), default=ReportJobStatus.QUEUED
    )
    total: Mapped[int] = mapped_column(default=0)  # reports in the batch
    # Kept for the rows of batches run before the queue; progress now comes from report_item.
    done: Mapped[int] = mapped_column(default=0)
    rendered: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    zip_path: Mapped[str | None] = mapped_column(String(500))  # the ZIP's key in storage
    zip_hash: Mapped[str | None] = mapped_column(String(64))
    # The digest of the batch's inputs when it was planned (jobs.batch_fingerprint): a new
    # batch with the same digest takes this one's ZIP instead of planning again.
    inputs_fingerprint: Mapped[str | None] = mapped_column(String(64))

    round: Mapped[SurveyRound] = relationship()
    requested_by: Mapped[User | None] = relationship()
    items: Mapped[list[ReportItem]] = relationship(
        back_populates="job", order_by="ReportItem.id", cascade="all, delete-orphan"
    )


class ReportItem(Base):
    """One report of a batch (a municipality's, or the regional report)."""

    __tablename__ = "report_item"
    __table_args__ = (Index("uq_report_item_job_id_key", "job_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("report_job.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # municipality / regional
    key: Mapped[str] = mapped_column(String(20))  # municipality code, or "regional"
    filename: Mapped[str] = mapped_column(String(300))
    digest: Mapped[str] = mapped_column(String(64))  # content hash of its inputs
    status: Mapped[ReportItemStatus] = mapped_column(
        string_enum(ReportItemStatus, "report_item_status"), default=ReportItemStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    pages: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
    worker: Mapped[str | None] = mapped_column(String(200))  # host:pid that finished it
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    job: Mapped[ReportJob] = relationship(back_populates="items")


class ReportRender(Base):
    """One render of a PDF; while ``finished_at`` is empty, the claim on its hash."""

    __tablename__ = "report_render"
    __table_args__ = (
        Index(
            "uq_report_render_claim",
            "digest",
            unique=True,
            sqlite_where=text("finished_at IS NULL"),
            postgresql_where=text("finished_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    owner: Mapped[str] = mapped_column(String(200))  # host:pid
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pages: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str | None] = mapped_column(Text)  # None once finished: stored


class ReportFile(Base):
    """A generated PDF (``pdf/<hash>``) or ZIP (``zip/<name>``), in the database."""

    __tablename__ = "report_file"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
