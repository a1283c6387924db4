"""Writing responses: the only place that changes answers.

A save is decided per answer, from what the server holds. For each posted answer the caller
says what the user's page showed for it (``shown``: the page sends it per field; without it,
the value the response had at ``base_version``, read back from the audit trail). Then:

- posted value = shown value: the user did not touch it; it is never written;
- shown value = stored value: the user changed it and nobody else did; it is written;
- otherwise someone else changed it since the page showed it: a conflict. Nothing of the
  save is written and the user chooses per question (unless the posted value is the one now
  stored: both made the same change).

A shown value only ever decides; it is never stored. The write itself is a compare-and-set on
``response.version`` (``StaleWrite`` when another save landed between read and write; the
caller reads again and retries, each try in a ``unit_of_work.attempt``). Every change to an
answer writes an ``answer_change`` row (who, when, old, new, channel, reason). Carried-over
answers are confirmed only by an explicit act (``confirm``) or by changing them, never as a
side effect of saving another answer.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dx_assess.core.answers.values import from_json, same, to_json
from dx_assess.core.questionnaire import (
    AnswerError,
    AnswerIssue,
    Questionnaire,
    check_answers,
    normalize_answer,
    visible_question_ids,
)
from dx_assess.core.questionnaire.model import AnswerValue
from dx_assess.core.reports.glyphs import font_warnings
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
from dx_assess.services.rounds import OPEN, round_state


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
    """The municipality's response to the round, created if there is none yet.

    Race-free: the row is created with ``INSERT … ON CONFLICT DO NOTHING`` and then read, so
    two first saves at once both get the same response (the second waits for the first to
    commit, on PostgreSQL and on SQLite alike) instead of one failing on the unique key.
    """
    query = select(Response).where(
        Response.round_id == survey_round.id, Response.municipality_id == municipality.id
    )
    response = session.scalar(query)
    if response is not None:
        return response
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    statement = (
        insert(Response)
        .values(
            round_id=survey_round.id,
            municipality_id=municipality.id,
            status=ResponseStatus.DRAFT,
            version=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["round_id", "municipality_id"])
    )
    session.execute(statement)
    response = session.scalar(query.execution_options(populate_existing=True))
    if response is None:  # pragma: no cover - the row exists now, ours or the other's
        raise StaleWrite
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
    shown: Mapping[str, object] | None = None,
    confirm: Collection[str] = (),
) -> SaveResult:
    """Validate and save ``posted`` answers (question id -> raw value; empty clears).

    Bad values change nothing (status ``invalid``, a Japanese message per question).

    ``shown`` gives, per question, the raw value the user's page showed (as JSON data; None
    for no answer); a question missing from it is taken as the page showed the response at
    ``base_version``. ``confirm`` names carried-over answers the user confirmed as they are.

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

    meanwhile = (
        _changes_since(session, response, base_version) if base_version != response.version else {}
    )
    resolved_at = (
        _changes_since(session, response, conflict_version)
        if keep_mine and conflict_version is not None and conflict_version != response.version
        else {}
    )

    def value_at(history: Mapping[str, list[AnswerChange]], qid: str) -> AnswerValue | None:
        """The answer as it was before the changes in ``history`` (the stored one if none)."""
        if qid not in history:
            return current.get(qid)
        old = history[qid][0].old_value
        return from_json(questionnaire.question(qid), old) if old is not None else None

    def seen(qid: str) -> AnswerValue | None:
        if qid in keep_mine and conflict_version is not None:
            return value_at(resolved_at, qid)  # resolved on the conflict page
        if shown is not None and qid in shown:
            try:
                return normalize_answer(questionnaire.question(qid), shown[qid])
            except AnswerError:
                pass  # not a value this page can have shown: judge by the version instead
        return value_at(meanwhile, qid)

    # What the user changed, judged against what their page showed (not against the version
    # number it last heard of); only these answers are candidates for writing.
    touched = {qid: v for qid, v in normalized.items() if not same(v, seen(qid))}
    candidate = {**current, **{k: v for k, v in touched.items() if v is not None}}
    for k, v in touched.items():
        if v is None:
            candidate.pop(k, None)
    visible = set(visible_question_ids(questionnaire, candidate))
    changes = {
        qid: v for qid, v in touched.items() if qid in visible and not same(v, current.get(qid))
    }

    conflicts = []
    for qid, mine in changes.items():
        if same(seen(qid), current.get(qid)):
            continue  # changed by this user only
        last = session.scalar(
            select(AnswerChange)
            .where(AnswerChange.response_id == response.id, AnswerChange.question_id == qid)
            .order_by(AnswerChange.id.desc())
            .limit(1)
        )
        conflicts.append(
            Conflict(
                question_id=qid,
                theirs=current.get(qid),
                theirs_by=last.changed_by.display_name if last and last.changed_by else "システム",
                theirs_at=last.changed_at if last else utcnow(),
                mine=mine,
            )
        )
    if conflicts:
        return SaveResult("conflict", response.version, conflicts=conflicts)
    confirmed = [
        qid
        for qid in dict.fromkeys(confirm)
        if qid in visible
        and qid in stored
        and stored[qid].carried_over
        and qid not in changes
        and same(seen(qid), current.get(qid))
    ]
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
