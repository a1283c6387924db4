"""Writing responses: the only place that changes answers.

Every save is a compare-and-set on ``response.version``: the caller says which version the
user's page showed (``base_version``). When it is stale, the changes made meanwhile are merged
question by question: a question only the other person changed keeps their answer; a question
only this user changed takes this user's answer; a question both changed differently is a
conflict, and then nothing is saved and the user chooses per question. Every change to an
answer writes an ``answer_change`` row (who, when, old, new, channel, reason).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from dx_assess.models import (
    Answer,
    AnswerChange,
    Channel,
    EventKind,
    Municipality,
    Response,
    ResponseEvent,
    ResponseStatus,
    SurveyRound,
    User,
)
from dx_assess.models.base import DbSession, utcnow
from dx_assess.observability import counted_save
from dx_assess.questionnaire import (
    AnswerError,
    AnswerIssue,
    Questionnaire,
    check_answers,
    normalize_answer,
    visible_question_ids,
)
from dx_assess.questionnaire.model import AnswerValue
from dx_assess.survey.glyphs import font_warnings
from dx_assess.survey.rounds import OPEN, round_state
from dx_assess.survey.values import from_json, same, to_json


class WriteRefused(Exception):
    """A write that was not made; ``message`` says why, in Japanese, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotEditable(WriteRefused):
    """The response cannot be changed now (submitted, or the round is not open)."""


class StaleWrite(WriteRefused):
    """Another save landed between reading and writing; the caller retries once."""

    def __init__(self) -> None:
        super().__init__("ほかの方が同時に更新しました。もう一度お試しください。")


@dataclass(frozen=True)
class Conflict:
    question_id: str
    theirs: AnswerValue | None  # the answer now stored
    theirs_by: str
    theirs_at: datetime
    mine: AnswerValue | None  # what this user sent


@dataclass
class SaveResult:
    status: str  # saved / unchanged / invalid / conflict
    version: int
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    merged_from: list[str] = field(default_factory=list)  # others whose changes were kept
    changed: list[str] = field(default_factory=list)  # question ids written
    warnings: list[AnswerIssue] = field(default_factory=list)  # cross-field checks


def get_or_create_response(
    session: DbSession, survey_round: SurveyRound, municipality: Municipality
) -> Response:
    response = session.scalar(
        select(Response).where(
            Response.round_id == survey_round.id, Response.municipality_id == municipality.id
        )
    )
    if response is None:
        response = Response(round=survey_round, municipality=municipality, version=0)
        session.add(response)
        session.flush()
    return response


def current_answers(response: Response, questionnaire: Questionnaire) -> dict[str, AnswerValue]:
    """The stored answers in normal form (answers to questions not in the version are ignored)."""
    out: dict[str, AnswerValue] = {}
    for answer in response.answers:
        if questionnaire.has_question(answer.question_id):
            value = from_json(questionnaire.question(answer.question_id), answer.value)
            if value is not None:
                out[answer.question_id] = value
    return out


def editable_reason(response: Response) -> str | None:
    """None if municipal staff may edit now, else why not (Japanese)."""
    if response.status is ResponseStatus.SUBMITTED:
        return "提出済みのため編集できません。修正が必要な場合は道庁に差し戻しを依頼してください。"
    if response.status is ResponseStatus.REOPENED:
        return None
    if round_state(response.round) is not OPEN:
        return "この調査回は回答を受け付けていません。"
    return None


def _changes_since(
    session: DbSession, response: Response, version: int
) -> dict[str, list[AnswerChange]]:
    rows = session.scalars(
        select(AnswerChange)
        .where(AnswerChange.response_id == response.id, AnswerChange.response_version > version)
        .order_by(AnswerChange.id)
    )
    out: dict[str, list[AnswerChange]] = {}
    for row in rows:
        out.setdefault(row.question_id, []).append(row)
    return out


def bump_version(session: DbSession, response: Response, user: User | None) -> int:
    """Compare-and-set the response version; raise StaleWrite if someone got there first."""
    new_version = response.version + 1
    result = session.execute(
        update(Response)
        .where(Response.id == response.id, Response.version == response.version)
        .values(version=new_version, updated_at=utcnow(), updated_by_id=user.id if user else None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleWrite
    session.expire(response, ["version", "updated_at", "updated_by_id"])
    return new_version


@counted_save
def save_answers(
    session: DbSession,
    response: Response,
    questionnaire: Questionnaire,
    posted: Mapping[str, object],
    *,
    base_version: int,
    user: User | None,
    channel: Channel,
    reason: str | None = None,
    check_editable: bool = True,
    keep_mine: Collection[str] = (),
    conflict_version: int | None = None,
) -> SaveResult:
    """Validate and save ``posted`` answers (question id -> raw value; empty clears).

    Bad values change nothing (status ``invalid``, a Japanese message per question).

    ``keep_mine`` names conflicts the user has resolved in favour of their own answer on a
    conflict page that showed the response at ``conflict_version``; such a question is saved
    unless someone changed it again after that page was shown. Changes made meanwhile under
    the same login (another tab, a shared office login) are conflicts like any other; the
    page's script waits for its own autosave in flight before saving, so that one is not.
    """
    if check_editable and (why := editable_reason(response)):
        raise NotEditable(why)
    stored = {a.question_id: a for a in response.answers}
    current = current_answers(response, questionnaire)

    errors: dict[str, str] = {}
    normalized: dict[str, AnswerValue | None] = {}
    for qid, raw in posted.items():
        if not questionnaire.has_question(qid):
            errors[qid] = f"調査票にない設問です: {qid}"
            continue
        question = questionnaire.question(qid)
        if question.derived:
            continue
        try:
            normalized[qid] = normalize_answer(question, raw)
        except AnswerError as exc:
            errors[qid] = exc.message
    if errors:
        return SaveResult("invalid", response.version, errors=errors)

    candidate = {**current, **{k: v for k, v in normalized.items() if v is not None}}
    for k, v in normalized.items():
        if v is None:
            candidate.pop(k, None)
    visible = set(visible_question_ids(questionnaire, candidate))
    changes = {
        qid: v for qid, v in normalized.items() if qid in visible and not same(v, current.get(qid))
    }
    confirmed = [
        qid for qid in normalized if qid in visible and qid in stored and stored[qid].carried_over
    ]

    merged_from: set[str] = set()
    if base_version != response.version:
        meanwhile = _changes_since(session, response, base_version)
        conflicts = []
        for qid, mine in list(changes.items()):
            if qid not in meanwhile:
                continue
            history = meanwhile[qid]
            seen_value = history[0].old_value  # what this user's page showed
            question = questionnaire.question(qid)
            if same(mine, from_json(question, seen_value) if seen_value is not None else None):
                del changes[qid]  # this user did not touch it: keep the other answer
                continue
            if (
                qid in keep_mine
                and conflict_version is not None
                and all(c.response_version <= conflict_version for c in history)
            ):
                continue  # resolved on the conflict page, and untouched since
            last = history[-1]
            conflicts.append(
                Conflict(
                    question_id=qid,
                    theirs=current.get(qid),
                    theirs_by=last.changed_by.display_name if last.changed_by else "システム",
                    theirs_at=last.changed_at,
                    mine=mine,
                )
            )
        if conflicts:
            return SaveResult("conflict", response.version, conflicts=conflicts)
        merged_from = {
            c.changed_by.display_name if c.changed_by else "システム"
            for rows in meanwhile.values()
            for c in rows
            if not user or c.changed_by_id != user.id
        }

    if not changes and not confirmed:
        return SaveResult("unchanged", response.version, merged_from=sorted(merged_from))

    version = bump_version(session, response, user)
    now = utcnow()
    for qid, value in changes.items():
        old = stored.get(qid)
        session.add(
            AnswerChange(
                response_id=response.id,
                question_id=qid,
                old_value=old.value if old else None,
                new_value=to_json(value) if value is not None else None,
                response_version=version,
                channel=channel,
                reason=reason,
                changed_at=now,
                changed_by_id=user.id if user else None,
            )
        )
        if value is None:
            if old is not None:
                response.answers.remove(old)
            continue
        if old is None:
            response.answers.append(
                Answer(
                    question_id=qid,
                    value=to_json(value),
                    updated_at=now,
                    updated_by_id=user.id if user else None,
                )
            )
        else:
            old.value = to_json(value)
            old.carried_over = False
            old.updated_at = now
            old.updated_by_id = user.id if user else None
    for qid in confirmed:
        stored[qid].carried_over = False
    if confirmed:
        session.add(
            ResponseEvent(
                response_id=response.id,
                kind=EventKind.CONFIRMED,
                reason="、".join(confirmed),
                response_version=version,
                by_id=user.id if user else None,
            )
        )
    session.flush()
    _values, issues = check_answers(questionnaire, current_answers(response, questionnaire))
    return SaveResult(
        "saved",
        version,
        changed=sorted(changes),
        merged_from=sorted(merged_from),
        warnings=[i for i in issues if i.check_id] + font_warnings(questionnaire, changes),
    )


def submission_issues(response: Response, questionnaire: Questionnaire) -> list[AnswerIssue]:
    """What stops this response from being submitted (empty when it can be)."""
    values = current_answers(response, questionnaire)
    _checked, issues = check_answers(questionnaire, values, require_complete=True)
    visible = set(visible_question_ids(questionnaire, values))
    for answer in response.answers:
        if answer.carried_over and answer.question_id in visible:
            issues.append(
                AnswerIssue(
                    "前回から引き継いだ回答です。内容を確認して保存してください。",
                    answer.question_id,
                )
            )
    return issues


def submit(
    session: DbSession, response: Response, questionnaire: Questionnaire, user: User | None
) -> list[AnswerIssue]:
    """Submit if complete and consistent; otherwise return the issues and change nothing."""
    if why := editable_reason(response):
        raise NotEditable(why)
    issues = submission_issues(response, questionnaire)
    if issues:
        return issues
    version = bump_version(session, response, user)
    response.status = ResponseStatus.SUBMITTED
    response.submitted_at = utcnow()
    response.submitted_by_id = user.id if user else None
    session.add(
        ResponseEvent(
            response_id=response.id,
            kind=EventKind.SUBMITTED,
            response_version=version,
            by_id=user.id if user else None,
        )
    )
    session.flush()
    return []


def reopen(session: DbSession, response: Response, user: User, reason: str) -> None:
    """The prefecture sends a submitted response back for changes, with a reason."""
    if response.status is not ResponseStatus.SUBMITTED:
        raise NotEditable("提出済みの回答だけを差し戻せます。")
    if not reason.strip():
        raise NotEditable("差し戻しの理由を入力してください。")
    version = bump_version(session, response, user)
    response.status = ResponseStatus.REOPENED
    session.add(
        ResponseEvent(
            response_id=response.id,
            kind=EventKind.REOPENED,
            reason=reason.strip(),
            response_version=version,
            by_id=user.id,
        )
    )
    session.flush()


def raw_for_form(values: Mapping[str, AnswerValue]) -> dict[str, Any]:
    """Stored values as JSON data, e.g. for hidden fields of the conflict page."""
    return {k: to_json(v) for k, v in values.items()}
