"""Survey rounds, responses, answers and their audit trail."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dx_assess.core.vocabulary import ResponseStatus as ResponseStatus  # re-exported
from dx_assess.models.accounts import User
from dx_assess.models.base import Base, UTCDateTime, string_enum, utcnow
from dx_assess.models.questionnaires import QuestionnaireVersion
from dx_assess.models.registry import Municipality

#: Who answers a round (SurveyRound.population).
POPULATION_ALL = "all"  # every municipality of the registry (全道179市町村)
POPULATION_PROGRAMME = "programme"  # the support programme only (対象市町村)
POPULATIONS = (POPULATION_ALL, POPULATION_PROGRAMME)


class SurveyRound(Base):
    """調査回: one fiscal year's survey with one questionnaire version."""

    __tablename__ = "survey_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # closed early by hand
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: Who answers: ``all`` (every municipality, the default) or ``programme`` (対象市町村).
    population: Mapped[str] = mapped_column(
        String(20), default=POPULATION_ALL, server_default=POPULATION_ALL
    )

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()

    @property
    def answered_by_all(self) -> bool:
        return self.population != POPULATION_PROGRAMME


class Response(Base):
    """One municipality's response to one round. ``version`` grows with every saved change."""

    __tablename__ = "response"
    __table_args__ = (
        UniqueConstraint("round_id", "municipality_id", name="uq_response_round_municipality"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    status: Mapped[ResponseStatus] = mapped_column(
        string_enum(ResponseStatus, "response_status"), default=ResponseStatus.DRAFT
    )
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The response's contact person (回答担当者), asked on the first page.
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_section: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(254))

    round: Mapped[SurveyRound] = relationship()
    municipality: Mapped[Municipality] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )


class Answer(Base):
    """The current answer to one question; its history is in ``answer_change``."""

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id", name="uq_answer_response_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON)  # normalised answer, JSON-encoded (dates as ISO)
    carried_over: Mapped[bool] = mapped_column(default=False)  # prefilled, to be confirmed
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    response: Mapped[Response] = relationship(back_populates="answers")


class Channel(enum.StrEnum):
    FORM = "form"  # the browser form (manual save or autosave)
    EXCEL = "excel"  # an uploaded Excel file
    STATISTICS = "statistics"  # the prefecture's statistics import
    PREFILL = "prefill"  # carried over from the previous round
    DEMO = "demo"  # synthetic demo data


class AnswerChange(Base):
    """Audit trail: one change of one answer. Append-only (a database trigger refuses updates)."""

    __tablename__ = "answer_change"
    __table_args__ = (Index("ix_answer_change_response_question", "response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[Any | None] = mapped_column(JSON)
    new_value: Mapped[Any | None] = mapped_column(JSON)
    response_version: Mapped[int]  # the response version this change produced
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, "change_channel"))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    changed_by: Mapped[User | None] = relationship()


class EventKind(enum.StrEnum):
    SUBMITTED = "submitted"
    REOPENED = "reopened"
    PREFILLED = "prefilled"
    CONFIRMED = "confirmed"  # carried-over answers confirmed


class ResponseEvent(Base):
    """Audit trail of status changes (submit, reopen with its reason, prefill). Append-only."""

    __tablename__ = "response_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EventKind] = mapped_column(string_enum(EventKind, "event_kind"))
    reason: Mapped[str | None] = mapped_column(Text)
    response_version: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    by: Mapped[User | None] = relationship()


class SubmissionReceipt(Base):
    """提出控え: the PDF of the answers as submitted, made at the moment of submitting and kept
    (one per submission: a response sent back and submitted again has one more)."""

    __tablename__ = "submission_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    response_version: Mapped[int]  # the version the submission produced
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
