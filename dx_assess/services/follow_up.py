"""What the list of municipalities not yet submitted reads besides the status table: each
response's contact person and who saved it last (read only)."""

from __future__ import annotations

from sqlalchemy import select

from dx_assess.core.dashboards.follow_up import Contact
from dx_assess.models import Municipality, Response, SurveyRound, User
from dx_assess.models.base import DbSession


def round_contacts(session: DbSession, survey_round: SurveyRound) -> dict[str, Contact]:
    """Per municipality code with a response in ``survey_round``: its contact and last saver."""
    rows = session.execute(
        select(
            Municipality.code,
            Response.contact_name,
            Response.contact_section,
            Response.contact_phone,
            Response.contact_email,
            User.display_name,
        )
        .join(Response.municipality)
        .outerjoin(User, User.id == Response.updated_by_id)
        .where(Response.round_id == survey_round.id)
    ).all()
    return {
        code: Contact(name, section, phone, email, saver)
        for code, name, section, phone, email, saver in rows
    }
