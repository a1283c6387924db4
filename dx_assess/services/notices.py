"""The mails the service sends, queued in the caller's transaction (``services.mail``): a
round opened, reminders before the deadline, a response sent back, the submission receipt.
(The password reset mail is :mod:`dx_assess.services.password_reset`.)

Whom a municipality's mail goes to: the contact person of its response (回答担当者; for a new
round, the one of its latest response that names one) and its active municipal staff accounts
that have an e-mail address."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from dx_assess.core import mail as compose
from dx_assess.core.vocabulary import today as today_in_japan
from dx_assess.models import (
    Municipality,
    OutgoingMail,
    Response,
    ResponseStatus,
    Role,
    SurveyRound,
    User,
)
from dx_assess.models.base import DbSession
from dx_assess.models.survey import POPULATION_PROGRAMME
from dx_assess.services.mail import Attachment, contact, external_url, queue


def municipality_recipients(
    session: DbSession, municipality: Municipality, response: Response | None = None
) -> list[str | None]:
    """The response's contact (else the latest one named) and the town's staff with e-mail."""
    contact_email = response.contact_email if response is not None else None
    if not contact_email:
        contact_email = session.scalar(
            select(Response.contact_email)
            .where(
                Response.municipality_id == municipality.id,
                Response.contact_email.is_not(None),
                Response.contact_email != "",
            )
            .order_by(Response.created_at.desc(), Response.id.desc())
            .limit(1)
        )
    staff = session.scalars(
        select(User.email)
        .where(
            User.municipality_id == municipality.id,
            User.role == Role.MUNICIPAL,
            User.active.is_(True),
            User.email.is_not(None),
        )
        .order_by(User.id)
    )
    return [contact_email, *staff]


def recipients_by_town(
    session: DbSession, towns: Iterable[Municipality]
) -> dict[int, list[str | None]]:
    """``municipality_recipients`` for many towns at once (for a round's every municipality):
    the latest contact named and the staff with e-mail, in two queries."""
    ids = [t.id for t in towns]
    latest: dict[int, str] = {}
    for town_id, email in session.execute(
        select(Response.municipality_id, Response.contact_email)
        .where(
            Response.municipality_id.in_(ids),
            Response.contact_email.is_not(None),
            Response.contact_email != "",
        )
        .order_by(Response.created_at, Response.id)  # the latest last: it stays
    ):
        if email:
            latest[town_id] = email
    out: dict[int, list[str | None]] = {i: [latest.get(i)] for i in ids}
    for staff_town, staff_email in session.execute(
        select(User.municipality_id, User.email)
        .where(
            User.municipality_id.in_(ids),
            User.role == Role.MUNICIPAL,
            User.active.is_(True),
            User.email.is_not(None),
        )
        .order_by(User.id)
    ):
        if staff_town is not None:
            out[staff_town].append(staff_email)
    return out


def answering_municipalities(session: DbSession, survey_round: SurveyRound) -> list[Municipality]:
    """Who answers the round: every municipality, or the support programme's."""
    query = select(Municipality).order_by(Municipality.code)
    if survey_round.population == POPULATION_PROGRAMME:
        query = query.where(Municipality.supported.is_(True))
    return list(session.scalars(query))


def _overview_url(survey_round: SurveyRound, municipality: Municipality) -> str:
    return external_url("survey.overview", round_id=survey_round.id, code=municipality.code)


def round_opened(session: DbSession, survey_round: SurveyRound) -> int:
    """One mail to each answering municipality; returns how many were queued."""
    queued = 0
    who = contact()
    towns = answering_municipalities(session, survey_round)
    recipients = recipients_by_town(session, towns)
    for town in towns:
        content = compose.round_opened(
            round_title=survey_round.title,
            municipality=town.name,
            opens_on=survey_round.opens_on,
            closes_on=survey_round.closes_on,
            answer_url=_overview_url(survey_round, town),
            contact=who,
            today=today_in_japan(),
        )
        if queue(session, content, recipients[town.id]) is not None:
            queued += 1
    return queued


@dataclass(frozen=True)
class ReminderResult:
    queued: int  # municipalities sent a reminder now
    already: int  # municipalities that had today's reminder for this round already
    unreachable: int  # municipalities without any e-mail address


def reminder_key(survey_round: SurveyRound, day: date, municipality: Municipality) -> str:
    """A reminder goes at most once per round, day and municipality."""
    return f"reminder:{survey_round.id}:{day.isoformat()}:{municipality.code}"


def not_submitted(session: DbSession, survey_round: SurveyRound) -> list[Municipality]:
    """The answering municipalities whose response is not submitted (none, draft, sent back)."""
    submitted = set(
        session.scalars(
            select(Response.municipality_id).where(
                Response.round_id == survey_round.id, Response.status == ResponseStatus.SUBMITTED
            )
        )
    )
    return [m for m in answering_municipalities(session, survey_round) if m.id not in submitted]


def reminders(
    session: DbSession,
    survey_round: SurveyRound,
    *,
    day: date | None = None,
    only: Iterable[str] | None = None,
) -> ReminderResult:
    """A reminder to every municipality that has not submitted (``only``: those codes), at most
    one per municipality and day for this round."""
    on = day or today_in_japan()
    codes = set(only) if only is not None else None
    responses = {
        r.municipality_id: r
        for r in session.scalars(select(Response).where(Response.round_id == survey_round.id))
    }
    who = contact()
    queued = already = unreachable = 0
    for town in not_submitted(session, survey_round):
        if codes is not None and town.code not in codes:
            continue
        key = reminder_key(survey_round, on, town)
        if session.scalar(select(OutgoingMail.id).where(OutgoingMail.dedupe_key == key)):
            already += 1
            continue
        content = compose.reminder(
            round_title=survey_round.title,
            municipality=town.name,
            closes_on=survey_round.closes_on,
            today=on,
            answer_url=_overview_url(survey_round, town),
            contact=who,
        )
        recipients = municipality_recipients(session, town, responses.get(town.id))
        if queue(session, content, recipients, dedupe_key=key) is None:
            unreachable += 1
        else:
            queued += 1
    return ReminderResult(queued, already, unreachable)


def sent_back(session: DbSession, response: Response, reason: str) -> OutgoingMail | None:
    """The response was sent back (差し戻し): tell the town why."""
    survey_round, town = response.round, response.municipality
    content = compose.sent_back(
        round_title=survey_round.title,
        municipality=town.name,
        reason=reason,
        closes_on=survey_round.closes_on,
        answer_url=_overview_url(survey_round, town),
        contact=contact(),
    )
    return queue(session, content, municipality_recipients(session, town, response))


def receipt(
    session: DbSession, response: Response, *, attachment: Attachment | None = None
) -> OutgoingMail | None:
    """The submission receipt, to the response's contact and the submitter.

    ``attachment``: the 提出控え PDF (the submitted answers with date, time and who), made by
    the review/receipt service, e.g. ``Attachment("提出控え.pdf", "application/pdf", data)``."""
    survey_round, town = response.round, response.municipality
    submitter = session.get(User, response.submitted_by_id) if response.submitted_by_id else None
    if response.submitted_at is None:
        return None
    content = compose.submission_receipt(
        round_title=survey_round.title,
        municipality=town.name,
        submitted_at=response.submitted_at,
        submitted_by=submitter.display_name if submitter else "（システム）",
        overview_url=_overview_url(survey_round, town),
        contact=contact(),
        with_copy=attachment is not None,
    )
    recipients = [response.contact_email, submitter.email if submitter else None]
    return queue(session, content, recipients, attachment=attachment)
