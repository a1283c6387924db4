"""Prefill a new round's draft from the municipality's previous response."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from dx_assess.core.answers.values import to_json
from dx_assess.core.messages import N_
from dx_assess.core.questionnaire import Questionnaire, build_mapping, carry_forward
from dx_assess.core.questionnaire.mapping import DIRECT, Carry, VersionMapping
from dx_assess.core.questionnaire.model import AnswerValue
from dx_assess.models import (
    Answer,
    AnswerChange,
    Channel,
    EventKind,
    Municipality,
    Response,
    ResponseEvent,
    SurveyRound,
    User,
)
from dx_assess.models.base import DbSession, utcnow
from dx_assess.services.responses import (
    NotEditable,
    bump_version,
    current_answers,
    editable_reason,
)
from dx_assess.services.rounds import round_questionnaire


@dataclass(frozen=True)
class PrefillResult:
    source_title: str
    filled: list[str]  # question ids prefilled
    kept: list[str]  # already answered here: left as they are (and reference-only ones)


def _earlier(session: DbSession, municipality_id: int, fiscal_year: int) -> Response | None:
    return session.scalar(
        select(Response)
        .join(Response.round)
        .where(
            Response.municipality_id == municipality_id,
            SurveyRound.fiscal_year < fiscal_year,
        )
        .order_by(SurveyRound.fiscal_year.desc())
        .limit(1)
    )


def previous_response(session: DbSession, response: Response) -> Response | None:
    """The municipality's response in the latest earlier round."""
    return _earlier(session, response.municipality_id, response.round.fiscal_year)


def has_earlier_response(
    session: DbSession, survey_round: SurveyRound, municipality: Municipality
) -> bool:
    return _earlier(session, municipality.id, survey_round.fiscal_year) is not None


def _mapping(old: Questionnaire, new: Questionnaire) -> VersionMapping:
    if old.key != new.key:
        raise NotEditable(
            N_(
                "前回の調査票（%(old)s）と今回の調査票（%(new)s）は別の種類です。",
                old=old.key,
                new=new.key,
            )
        )
    if old.version == new.version:
        carries = tuple(Carry(q.id, (q.id,), DIRECT) for q in new.questions)
        return VersionMapping(new.key, old.version, new.version, carries, ())
    if new.version_map is None or new.version_map.previous_version != old.version:
        raise NotEditable(
            N_(
                "調査票 %(new)s には前回の版 %(old)s との対応が書かれていないため、"
                "引き継げません。",
                new=new.version,
                old=old.version,
            )
        )
    return build_mapping(old, new)


@dataclass(frozen=True)
class References:
    """Last round's answers to the questions that carry over only as a reference."""

    source_title: str
    values: dict[str, AnswerValue]


def reference_answers(
    session: DbSession,
    survey_round: SurveyRound,
    municipality: Municipality,
    questionnaire: Questionnaire,
) -> References | None:
    """Last round's answers (through the version map) to this version's ``carry: reference``
    questions, to show beside their fields; None when there are none."""
    if not any(q.carries_as_reference for q in questionnaire.questions):
        return None
    previous = _earlier(session, municipality.id, survey_round.fiscal_year)
    if previous is None:
        return None
    old_questionnaire = round_questionnaire(previous.round)
    try:
        mapping = _mapping(old_questionnaire, questionnaire)
    except NotEditable:
        return None
    carried = carry_forward(mapping, questionnaire, current_answers(previous, old_questionnaire))
    values: dict[str, AnswerValue] = {
        qid: value  # type: ignore[misc]
        for qid, value in carried.items()
        if questionnaire.question(qid).carries_as_reference and value is not None
    }
    return References(previous.round.title, values) if values else None


def prefill(
    session: DbSession, response: Response, questionnaire: Questionnaire, user: User | None
) -> PrefillResult:
    """Fill unanswered questions from the previous round, each marked to be confirmed."""
    if why := editable_reason(response):
        raise NotEditable(why)
    previous = previous_response(session, response)
    if previous is None:
        raise NotEditable(N_("引き継げる前回の回答がありません。"))
    old_questionnaire = round_questionnaire(previous.round)
    carried = carry_forward(
        _mapping(old_questionnaire, questionnaire),
        questionnaire,
        current_answers(previous, old_questionnaire),
    )
    current = current_answers(response, questionnaire)
    fill = {
        qid: value
        for qid, value in carried.items()
        if qid not in current
        and not questionnaire.question(qid).derived
        and not questionnaire.question(qid).carries_as_reference  # shown beside the field
    }
    kept = sorted(qid for qid in carried if qid in current)
    if not fill:
        return PrefillResult(previous.round.title, [], kept)
    version = bump_version(session, response, user)
    now = utcnow()
    reason = f"{previous.round.title}の回答から引き継ぎ"
    by = user.id if user else None
    for qid, value in fill.items():
        response.answers.append(
            Answer(
                question_id=qid,
                value=to_json(value),
                carried_over=True,
                updated_at=now,
                updated_by_id=by,
            )
        )
        session.add(
            AnswerChange(
                response_id=response.id,
                question_id=qid,
                old_value=None,
                new_value=to_json(value),
                response_version=version,
                channel=Channel.PREFILL,
                reason=reason,
                changed_at=now,
                changed_by_id=by,
            )
        )
    session.add(
        ResponseEvent(
            response_id=response.id,
            kind=EventKind.PREFILLED,
            reason=reason,
            response_version=version,
            by_id=by,
        )
    )
    session.flush()
    return PrefillResult(previous.round.title, sorted(fill), kept)
