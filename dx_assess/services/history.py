"""The audit trail of a response, as plain data (read only: nothing here writes)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dx_assess.core.answers.contact import CONTACT_LABELS
from dx_assess.core.answers.display import display_value
from dx_assess.core.answers.values import from_json
from dx_assess.core.messages import N_
from dx_assess.core.questionnaire import Questionnaire
from dx_assess.core.questionnaire.numbering import question_numbers, short_label
from dx_assess.core.vocabulary import jst
from dx_assess.models import AnswerChange, Channel, EventKind, Response, ResponseEvent
from dx_assess.models.base import DbSession

CHANNEL_LABELS = {
    Channel.FORM: N_("画面"),
    Channel.EXCEL: N_("Excelアップロード"),
    Channel.STATISTICS: N_("統計データ取込"),
    Channel.PREFILL: N_("前回からの引き継ぎ"),
    Channel.DEMO: N_("デモデータ"),
}
EVENT_LABELS = {
    EventKind.SUBMITTED: N_("提出"),
    EventKind.REOPENED: N_("差し戻し"),
    EventKind.PREFILLED: N_("前回からの引き継ぎ"),
    EventKind.CONFIRMED: N_("引き継いだ回答の確認"),
}

__all__ = ["HistoryEntry", "entries", "jst"]


@dataclass(frozen=True)
class HistoryEntry:
    at: str
    by: str
    what: str  # 回答の変更 / 提出 / 差し戻し … (Messages: pages translate them)
    question_id: str | None
    question_text: str
    old: str
    new: str
    channel: str
    reason: str
    version: int


def _event_reason(questionnaire: Questionnaire, event: ResponseEvent) -> str:
    """An event's reason as people read it: the confirmed carried-over answers are stored as
    question ids and shown as 「問3-1 マイナンバーカードの保有枚数」."""
    reason = event.reason or ""
    if event.kind is not EventKind.CONFIRMED or not reason:
        return reason
    numbers = question_numbers(questionnaire)
    names = []
    for qid in reason.split("、"):
        if questionnaire.has_question(qid):
            names.append(f"{numbers[qid]} {short_label(questionnaire.question(qid))}")
        else:
            names.append(N_("（この版にない設問）"))
    return "、".join(names)


def _contact_entry(c: AnswerChange) -> HistoryEntry:
    return HistoryEntry(
        at=jst(c.changed_at),
        by=c.changed_by.display_name if c.changed_by else N_("システム"),
        what=N_("回答担当者の変更"),
        question_id=None,
        question_text=CONTACT_LABELS[c.question_id],
        old=str(c.old_value) if c.old_value is not None else N_("（未記入）"),
        new=str(c.new_value) if c.new_value is not None else N_("（未記入）"),
        channel=CHANNEL_LABELS[c.channel],
        reason=c.reason or "",
        version=c.response_version,
    )


def entries(
    session: DbSession,
    response: Response,
    questionnaire: Questionnaire,
    question_id: str | None = None,
) -> list[HistoryEntry]:
    """Newest first: every answer change (optionally of one question) and status event."""
    changes = select(AnswerChange).where(AnswerChange.response_id == response.id)
    if question_id:
        changes = changes.where(AnswerChange.question_id == question_id)
    out: list[tuple[int, int, HistoryEntry]] = []
    for c in session.scalars(changes.options(selectinload(AnswerChange.changed_by))):
        known = questionnaire.has_question(c.question_id)
        q = questionnaire.question(c.question_id) if known else None
        if c.question_id in CONTACT_LABELS:  # the contact person: plain text, no question
            out.append((c.response_version, c.id, _contact_entry(c)))
            continue
        out.append(
            (
                c.response_version,
                c.id,
                HistoryEntry(
                    at=jst(c.changed_at),
                    by=c.changed_by.display_name if c.changed_by else N_("システム"),
                    what=N_("回答の変更"),
                    question_id=c.question_id,
                    question_text=q.text if q else c.question_id,
                    old=display_value(q, from_json(q, c.old_value))
                    if q and c.old_value is not None
                    else N_("（未回答）"),
                    new=display_value(q, from_json(q, c.new_value))
                    if q and c.new_value is not None
                    else N_("（未回答）"),
                    channel=CHANNEL_LABELS[c.channel],
                    reason=c.reason or "",
                    version=c.response_version,
                ),
            )
        )
    if not question_id:
        events = select(ResponseEvent).where(ResponseEvent.response_id == response.id)
        for e in session.scalars(events.options(selectinload(ResponseEvent.by))):
            out.append(
                (
                    e.response_version,
                    -e.id,
                    HistoryEntry(
                        at=jst(e.at),
                        by=e.by.display_name if e.by else N_("システム"),
                        what=EVENT_LABELS[e.kind],
                        question_id=None,
                        question_text="",
                        old="",
                        new="",
                        channel="",
                        reason=_event_reason(questionnaire, e),
                        version=e.response_version,
                    ),
                )
            )
    out.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [entry for _v, _i, entry in out]
