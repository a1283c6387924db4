"""Fixtures and helpers for answering: an open FY2025 round, a municipal user, answer sets."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import Response, SurveyRound, User
from dx_assess.services.responses import get_or_create_response
from dx_assess.services.rounds import round_questionnaire
from tests.support.answers import complete_answers, open_test_round

__all__ = ["complete_answers", "make_round"]

TOWN = "014630"  # 占冠村
OTHER_TOWN = "012025"  # 函館市


def make_round(fiscal_year: int, version: str, user: User | None = None) -> SurveyRound:
    return open_test_round(fiscal_year, version, user)


@pytest.fixture
def people(registry: None, make_user: Callable[..., User]) -> dict[str, User]:
    """Two colleagues of the town (in the support programme) and the prefecture."""
    from sqlalchemy import select

    from dx_assess.models import Municipality

    town = db.session.scalar(select(Municipality).where(Municipality.code == TOWN))
    assert town is not None
    town.supported = True
    db.session.commit()
    return {
        "yamada": make_user("municipal", TOWN, login="yamada"),
        "sato": make_user("municipal", TOWN, login="sato"),
        "pref": make_user("prefecture", login="pref"),
    }


@pytest.fixture
def survey_round(people: dict[str, User]) -> SurveyRound:
    return make_round(2025, "2025.1", people["pref"])


@pytest.fixture
def questionnaire(survey_round: SurveyRound) -> Questionnaire:
    return round_questionnaire(survey_round)


@pytest.fixture
def response(survey_round: SurveyRound) -> Response:
    from sqlalchemy import select

    from dx_assess.models import Municipality

    town = db.session.scalar(select(Municipality).where(Municipality.code == TOWN))
    assert town is not None
    response = get_or_create_response(db.session, survey_round, town)
    db.session.commit()
    return response
