"""Helpers for the answering pages' tests (tests/web/answering): the town's response pages,
what is stored, a section's form fields, and two colleagues of the town logged in at once."""

from __future__ import annotations

from sqlalchemy import select

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import Response, SurveyRound
from dx_assess.services.responses import current_answers
from dx_assess.web.answering.forms import FIELD_PREFIX
from tests.support import Browser
from tests.web.answering.survey_fixtures import TOWN


def url(survey_round: SurveyRound, rest: str = "") -> str:
    """The town's response in ``survey_round``, then ``rest`` (e.g. ``/sections/basic``)."""
    return f"/rounds/{survey_round.id}/responses/{TOWN}{rest}"


def stored(questionnaire: Questionnaire) -> dict[str, object]:
    """The answers the response now holds (empty: no response yet)."""
    db.session.expire_all()
    response = db.session.scalar(select(Response))
    return dict(current_answers(response, questionnaire)) if response else {}


def form_data(answers: dict[str, object]) -> dict[str, object]:
    """The form fields of ``answers`` (a table's rows as ``{row: value}``)."""
    data: dict[str, object] = {}
    for qid, value in answers.items():
        if isinstance(value, dict):
            data.update({f"{FIELD_PREFIX}{qid}-{row}": v for row, v in value.items()})
        else:
            data[FIELD_PREFIX + qid] = value
    return data


def two_colleagues(app: object) -> tuple[Browser, Browser]:
    """The town's 山田 and 佐藤 (fixture ``people``), each logged in in a browser of their own."""
    yamada, sato = Browser(app), Browser(app)  # type: ignore[arg-type]
    yamada.login("yamada")
    sato.login("sato")
    return yamada, sato
