"""Opening and closing survey rounds (調査回)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from dx_assess.core.messages import N_, FiscalYear
from dx_assess.core.questionnaire import Questionnaire
from dx_assess.core.round_choice import RoundFacts, default_round_id, opening_day
from dx_assess.core.vocabulary import RoundState, reiwa, today
from dx_assess.models import Response, SurveyRound, User
from dx_assess.models.base import DbSession, utcnow
from dx_assess.models.survey import POPULATION_ALL, POPULATIONS
from dx_assess.services import notices
from dx_assess.services.versions import load_published, publish


class RoundError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def check_fiscal_year_dates(fiscal_year: int, opens_on: date, closes_on: date) -> None:
    """A round's dates lie in its fiscal year (April to March); raises RoundError."""
    first, last = date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)
    span = {"year": FiscalYear(fiscal_year), "first": first, "last": last}
    if not first <= opens_on <= last:
        raise RoundError(
            "opens_on",
            N_("開始日は%(year)s（%(first)s〜%(last)s）の中の日付にしてください。", **span),
        )
    if not first <= closes_on <= last:
        raise RoundError(
            "closes_on",
            N_("締切日は%(year)s（%(first)s〜%(last)s）の中の日付にしてください。", **span),
        )


def check_deadline_near_fiscal_year(fiscal_year: int, closes_on: date) -> None:
    """A new deadline (reopening a round to correct answers) lies no later than the end of the
    following fiscal year: a 令和7年度 round reopens until 令和9年3月31日 at the latest."""
    last = date(fiscal_year + 2, 3, 31)
    if closes_on > last:
        raise RoundError(
            "closes_on",
            N_(
                "%(year)sの調査回の締切日は、%(last)sまでの日付にしてください。",
                year=FiscalYear(fiscal_year),
                last=last,
            ),
        )


SCHEDULED, OPEN, CLOSED = RoundState.SCHEDULED, RoundState.OPEN, RoundState.CLOSED


def round_state(survey_round: SurveyRound, on: date | None = None) -> RoundState:
    day = on or today()
    if survey_round.closed_at is not None or day > survey_round.closes_on:
        return CLOSED
    if day < survey_round.opens_on:
        return SCHEDULED
    return OPEN


def open_round(
    session: DbSession,
    root: Path,
    *,
    fiscal_year: int,
    key: str,
    version: str,
    opens_on: date,
    closes_on: date,
    actor: User | None,
    is_demo: bool = False,
    population: str = POPULATION_ALL,
) -> SurveyRound:
    """Create a round; its questionnaire version is published now if it was not yet. Every
    answering municipality is mailed the news (queued with the round, sent after the commit).

    ``population``: who answers, ``all`` (every municipality, the default) or ``programme``
    (the support programme, 対象市町村)."""
    if population not in POPULATIONS:
        raise RoundError("population", N_("回答する市町村の範囲を選んでください。"))
    if closes_on < opens_on:
        raise RoundError("closes_on", N_("締切日は開始日より後の日付にしてください。"))
    if session.scalar(select(SurveyRound.id).where(SurveyRound.fiscal_year == fiscal_year)):
        raise RoundError(
            "fiscal_year", N_("%(year)sの調査回は既にあります。", year=FiscalYear(fiscal_year))
        )
    row, _created = publish(session, root, key, version, actor=actor.login if actor else "system")
    questionnaire = load_published(row)
    if row.fiscal_year != fiscal_year:
        raise RoundError(
            "questionnaire",
            N_(
                "選んだ調査票（%(title)s、%(version)s版）は%(its_year)s用です"
                "（調査回は%(year)s）。%(year)s用の調査票を選んでください。",
                title=questionnaire.title,
                version=version,
                its_year=FiscalYear(row.fiscal_year),
                year=FiscalYear(fiscal_year),
            ),
        )
    survey_round = SurveyRound(
        fiscal_year=fiscal_year,
        title=f"{reiwa(fiscal_year)} {questionnaire.title}".replace(
            f"（{reiwa(fiscal_year)}）", ""
        ),
        questionnaire_version=row,
        opens_on=opens_on,
        closes_on=closes_on,
        is_demo=is_demo,
        created_by_id=actor.id if actor else None,
        population=population,
    )
    session.add(survey_round)
    session.flush()
    notices.round_opened(session, survey_round)
    return survey_round


def close_round(session: DbSession, survey_round: SurveyRound) -> None:
    """Close now: no more edits (a reopened response stays editable)."""
    if survey_round.closed_at is None:
        survey_round.closed_at = utcnow()
        session.flush()


def reschedule_round(session: DbSession, survey_round: SurveyRound, closes_on: date) -> None:
    """Move the closing date (extend a deadline, or reopen a closed round until that day)."""
    if closes_on < today():
        raise RoundError("closes_on", N_("締切日は今日以降の日付にしてください。"))
    if closes_on < survey_round.opens_on:
        raise RoundError("closes_on", N_("締切日は回答受付の開始日より後にしてください。"))
    survey_round.closes_on = closes_on
    survey_round.closed_at = None
    session.flush()


POPULATION_LABELS = {
    "all": N_("全道の全市町村（179市町村）"),
    "programme": N_("支援対象の市町村（対象市町村）"),
}


def population_label(survey_round: SurveyRound) -> str:
    """Who answers ``survey_round``, in words for pages, exports and reports."""
    return POPULATION_LABELS.get(survey_round.population, survey_round.population)


def round_questionnaire(survey_round: SurveyRound) -> Questionnaire:
    """The round's questionnaire as published (parsing is cached by content hash)."""
    return load_published(survey_round.questionnaire_version)


def rounds_newest_first(session: DbSession) -> list[SurveyRound]:
    """Every round, the newest fiscal year first (the order of the round pickers)."""
    return list(session.scalars(select(SurveyRound).order_by(SurveyRound.fiscal_year.desc())))


def default_round(
    session: DbSession, rounds: list[SurveyRound] | None = None, on: date | None = None
) -> SurveyRound | None:
    """The round a page opens when the address names none (one rule for every page, see
    :mod:`dx_assess.core.round_choice`): the open round, else the latest with responses."""
    rounds = rounds_newest_first(session) if rounds is None else rounds
    if not rounds:
        return None
    counts = dict(
        session.execute(
            select(Response.round_id, func.count(Response.id))
            .where(Response.round_id.in_([r.id for r in rounds]))
            .group_by(Response.round_id)
        ).all()
    )
    chosen = default_round_id(
        [RoundFacts(r.id, r.fiscal_year, round_state(r, on), counts.get(r.id, 0)) for r in rounds]
    )
    return next((r for r in rounds if r.id == chosen), None)


def chosen_round(
    session: DbSession, wanted: int | None, rounds: list[SurveyRound] | None = None
) -> SurveyRound | None:
    """The round ``wanted`` (?round=) when it exists, else the default round."""
    rounds = rounds_newest_first(session) if rounds is None else rounds
    found = next((r for r in rounds if r.id == wanted), None) if wanted is not None else None
    return found or default_round(session, rounds)


def opens_on_of(survey_round: SurveyRound | None) -> str | None:
    """The opening day in 和暦 of a round not yet open (for 「この調査回は…から回答できます」)."""
    if survey_round is None:
        return None
    return opening_day(round_state(survey_round), survey_round.opens_on)
