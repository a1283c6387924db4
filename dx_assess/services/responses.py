"""A response's life: created on its first save (race-free), its stored answers, whether it
may be edited, submitted, sent back (reopen), and the compare-and-set on its version that
every write makes. The errors a refused write raises are here too.

Changing answers is :mod:`dx_assess.services.saving` (the save protocol, conflicts and the
audit trail of each answer).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dx_assess.core.answers.values import from_json, to_json
from dx_assess.core.messages import N_
from dx_assess.core.questionnaire import (
    AnswerIssue,
    Questionnaire,
    check_answers,
    visible_question_ids,
)
from dx_assess.core.questionnaire.model import AnswerValue
from dx_assess.core.questionnaire.qtypes import type_of
from dx_assess.core.round_choice import first_unfinished_section
from dx_assess.models import (
    EventKind,
    Municipality,
    Response,
    ResponseEvent,
    ResponseStatus,
    SurveyRound,
    User,
)
from dx_assess.models.base import DbSession, utcnow
from dx_assess.services.rounds import OPEN, round_state


class WriteRefused(Exception):
    """A write that was not made; ``message`` says why, in Japanese, for the user (a
    :class:`~dx_assess.core.messages.Message` that pages translate)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotEditable(WriteRefused):
    """The response cannot be changed now (submitted, or the round is not open)."""


class StaleWrite(WriteRefused):
    """Another save landed between reading and writing; the caller retries once."""

    def __init__(self) -> None:
        super().__init__(N_("ほかの方が同時に更新しました。もう一度お試しください。"))


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
        return N_(
            "提出済みのため編集できません。修正が必要な場合は道庁に差し戻しを依頼してください。"
        )
    if response.status is ResponseStatus.REOPENED:
        return None
    if round_state(response.round) is not OPEN:
        return N_("この調査回は回答を受け付けていません。")
    return None


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


def submission_issues(response: Response, questionnaire: Questionnaire) -> list[AnswerIssue]:
    """What stops this response from being submitted (empty when it can be)."""
    values = current_answers(response, questionnaire)
    _checked, issues = check_answers(questionnaire, values, require_complete=True)
    visible = set(visible_question_ids(questionnaire, values))
    for answer in response.answers:
        if answer.carried_over and answer.question_id in visible:
            issues.append(
                AnswerIssue(
                    N_("前回から引き継いだ回答です。内容を確認して保存してください。"),
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
        raise NotEditable(N_("提出済みの回答だけを差し戻せます。"))
    if not reason.strip():
        raise NotEditable(N_("差し戻しの理由を入力してください。"))
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


def resume_section(response: Response | None, questionnaire: Questionnaire) -> str | None:
    """Where 「回答する」 leads: the first section with a shown, answerable question not yet
    answered (the first section for a response not started); None when all are answered."""
    answers = current_answers(response, questionnaire) if response is not None else {}
    sections = [
        (s.id, [q.id for q in s.questions if type_of(q).answerable]) for s in questionnaire.sections
    ]
    return first_unfinished_section(
        sections, set(visible_question_ids(questionnaire, answers)), answers
    )
