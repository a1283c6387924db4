"""The answering blueprint ``survey`` and what each of its pages starts from: the round, the
municipality (access checked), its response if there is one and the round's questionnaire.

The pages are in :mod:`~dx_assess.web.answering.section` (a section's page and its save) and
:mod:`~dx_assess.web.answering.overview` (the response as a whole: overview, submit, prefill,
reopen, history); importing :mod:`dx_assess.web.answering` puts their routes on ``bp``.
"""

from __future__ import annotations

from flask import Blueprint, abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response as WerkzeugResponse

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import Municipality, Response, SurveyRound
from dx_assess.services.rounds import round_questionnaire
from dx_assess.web.access import Action, require_municipality

bp = Blueprint("survey", __name__, template_folder="templates")

ViewResult = str | WerkzeugResponse | tuple[str, int] | tuple[WerkzeugResponse, int]


def _survey_round(round_id: int) -> SurveyRound:
    # with its questionnaire version (not its content: round_questionnaire caches the parse)
    survey_round = db.session.get(
        SurveyRound, round_id, options=[joinedload(SurveyRound.questionnaire_version)]
    )
    if survey_round is None:
        abort(404)
    return survey_round


def _response(survey_round: SurveyRound, municipality: Municipality) -> Response | None:
    """The response with its answers, in one query."""
    return (
        db.session.scalars(
            select(Response)
            .where(
                Response.round_id == survey_round.id, Response.municipality_id == municipality.id
            )
            .options(joinedload(Response.answers))
        )
        .unique()
        .first()
    )


def context(
    round_id: int, code: str, action: Action
) -> tuple[SurveyRound, Municipality, Response | None, Questionnaire]:
    municipality = require_municipality(code, action)
    survey_round = _survey_round(round_id)
    response = _response(survey_round, municipality)
    if response is None and not (survey_round.answered_by_all or municipality.supported):
        abort(404)  # a programme-only round is for the municipalities in the support programme
    return survey_round, municipality, response, round_questionnaire(survey_round)
