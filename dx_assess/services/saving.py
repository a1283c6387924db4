"""Saving answers: the form, the Excel upload and the statistics import all save through
:func:`save_answers`.

A save is decided per answer, from what the server holds. For each posted answer the caller
says what the user's page showed for it (``shown``: the page sends it per field; without it,
the value the response had at ``base_version``, read back from the audit trail). Then:

- posted value = shown value: the user did not touch it; it is never written;
- shown value = stored value: the user changed it and nobody else did; it is written;
- otherwise someone else changed it since the page showed it: a conflict. Nothing of the
  save is written and the user chooses per question (unless the posted value is the one now
  stored: both made the same change).

A shown value only ever decides; it is never stored. The write itself is a compare-and-set on
``response.version`` (``responses.bump_version``: ``StaleWrite`` when another save landed
between read and write; the caller reads again and retries, each try in a
``unit_of_work.attempt``). Every change to an
answer writes an ``answer_change`` row (who, when, old, new, channel, reason). Carried-over
answers are confirmed only by an explicit act (``confirm``) or by changing them, never as a
side effect of saving another answer.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from dx_assess.core.answers.values import from_json, same, to_json
from dx_assess.core.messages import N_
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
    Response,
    ResponseEvent,
    User,
)
from dx_assess.models.base import DbSession, utcnow
from dx_assess.observability import counted_save
from dx_assess.services.responses import NotEditable, bump_version, current_answers, editable_reason


@dataclass(frozen=True)
class Conflict:
    question_id: str
    theirs: AnswerValue | None  # the answer now stored
    theirs_by: str
    theirs_at: datetime
    mine: AnswerValue | None  # what this user sent
    before: AnswerValue | None = None  # what this user's page showed (before both edits)


@dataclass
class SaveResult:
    status: str  # saved / unchanged / invalid / conflict
    version: int
    errors: dict[str, str] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    merged_from: list[str] = field(default_factory=list)  # others whose changes were kept
    changed: list[str] = field(default_factory=list)  # question ids written
    warnings: list[AnswerIssue] = field(default_factory=list)  # cross-field checks


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
            errors[qid] = N_("調査票にない設問です: %(id)s", id=qid)
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
                theirs_by=last.changed_by.display_name
                if last and last.changed_by
                else N_("システム"),
                theirs_at=last.changed_at if last else utcnow(),
                mine=mine,
                before=seen(qid),
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
        c.changed_by.display_name if c.changed_by else N_("システム")
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
