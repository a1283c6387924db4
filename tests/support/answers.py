"""Helpers for tests that need rounds and answers (importable from any test folder)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dx_assess.core.questionnaire import Question, Questionnaire
from dx_assess.core.vocabulary import today
from dx_assess.extensions import db
from dx_assess.models import Channel, Municipality, Response, Role, SurveyRound, User
from dx_assess.services.accounts import UserData, create_user
from dx_assess.services.demo.seed import fill_town
from dx_assess.services.registry import load_registry
from dx_assess.services.responses import get_or_create_response
from dx_assess.services.rounds import open_round, round_questionnaire
from dx_assess.services.saving import save_answers
from dx_assess.services.versions import DEFAULT_ROOT
from tests.support import TEST_PASSWORD
from tests.support.people import one_per_role


def sample_value(q: Question) -> Any:
    """A valid raw answer for any question type (numbers are 1 so every cross-field check holds)."""
    if q.type == "yes_no":
        return "yes"
    if q.type == "single_choice":
        return q.choices[0].value
    if q.type == "multiple_choice":
        return [next(c.value for c in q.choices if not c.exclusive)]
    if q.type in ("integer", "decimal"):
        return str(int(max(q.min or 1, 1)))
    if q.type == "percentage":
        return "50"
    if q.type == "date":
        return "2025-06-01"
    if q.type in ("short_text", "long_text"):
        return "テスト回答"
    if q.type == "status_grid":
        return {r.id: q.choices[0].value for r in q.rows}
    return None


def complete_answers(questionnaire: Questionnaire) -> dict[str, Any]:
    return {q.id: sample_value(q) for q in questionnaire.questions if not q.derived}


def open_test_round(
    fiscal_year: int,
    version: str,
    user: User | None = None,
    population: str = "programme",
    *,
    opens_on: dt.date | None = None,
    days: int = 60,
    root: Path = DEFAULT_ROOT,
    key: str = "dx-maturity",
) -> SurveyRound:
    """A round opened yesterday (or on ``opens_on``), closing ``days`` later; answered by the
    support programme unless ``population``; of the shipped questionnaires unless ``root``."""
    start = opens_on if opens_on is not None else today() - dt.timedelta(days=1)
    survey_round = open_round(
        db.session,
        root,
        fiscal_year=fiscal_year,
        key=key,
        version=version,
        opens_on=start,
        closes_on=start + dt.timedelta(days=days),
        actor=user,
        population=population,
    )
    db.session.commit()
    return survey_round


def current_and_upcoming(
    make_user: Callable[..., object], assign: Callable[[object, list[str]], None], town: str
) -> tuple[SurveyRound, SurveyRound]:
    """One account per role for ``town`` (in the programme); 令和7年度 open with the town's
    draft; 令和8年度 created to open on 5月7日 next year."""
    one_per_role(make_user, assign, town)
    support([town])
    db.session.commit()
    current = open_test_round(2025, "2025.1")
    respond(current, town, {"basic_department": "総務課"})
    upcoming = open_test_round(2026, "2026.1", opens_on=dt.date(today().year + 1, 5, 7))
    return current, upcoming


def respond(
    survey_round: SurveyRound, code: str, answers: dict[str, Any], user: User | None = None
) -> Response:
    response = town_response(survey_round, code)
    fill(response, round_questionnaire(survey_round), user, answers)
    return response


def town_response(survey_round: SurveyRound, code: str) -> Response:
    """The response of the municipality ``code`` in ``survey_round`` (created if none)."""
    town = db.session.scalar(select(Municipality).where(Municipality.code == code))
    assert town is not None
    return get_or_create_response(db.session, survey_round, town)


def fill(
    response: Response,
    questionnaire: Questionnaire,
    user: User | None,
    answers: Mapping[str, object],
    accept: tuple[str, ...] = ("saved", "unchanged"),
) -> None:
    """Save ``answers`` as the form does and commit; the save's status must be in ``accept``."""
    result = save_answers(
        db.session,
        response,
        questionnaire,
        answers,
        base_version=response.version,
        user=user,
        channel=Channel.FORM,
    )
    assert result.status in accept, result.errors
    db.session.commit()


def support(codes: Iterable[str]) -> None:
    """Put the municipalities ``codes`` in the support programme (not committed)."""
    wanted = set(codes)
    towns = db.session.scalars(select(Municipality).where(Municipality.code.in_(wanted))).all()
    assert {town.code for town in towns} == wanted
    for town in towns:
        town.supported = True


def submitted_round(towns: Iterable[str]) -> SurveyRound:
    """The registry loaded, ``towns`` in the support programme and a prefecture account
    「pref」; an FY2025 round in which each of them submitted synthetic (demo) answers."""
    codes = tuple(towns)
    load_registry(db.session)
    support(codes)
    create_user(db.session, UserData("pref", "道庁", Role.PREFECTURE, None), TEST_PASSWORD)
    db.session.commit()
    survey_round = open_test_round(2025, "2025.1")
    for code in codes:
        town = town_response(survey_round, code).municipality
        assert fill_town(db.session, survey_round, town, None) == "submitted", code
    db.session.commit()
    return survey_round
