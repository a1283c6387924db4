"""Fill the demo's two rounds with synthetic answers (FY2024 closed, FY2025 open).

Every answer goes through the same service as the form (channel 「デモデータ」), so the audit
trail, versions and submission checks are real. Both rounds are marked as demo data.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select

from dx_assess.core.vocabulary import today
from dx_assess.models import Channel, Municipality, Response, SurveyRound, User
from dx_assess.models.base import DbSession
from dx_assess.services.demo.synthetic import DemoTown, synthetic_answers
from dx_assess.services.responses import get_or_create_response, submit
from dx_assess.services.rounds import open_round, round_questionnaire
from dx_assess.services.saving import save_answers
from dx_assess.services.versions import questionnaire_root

SEED = 2026


@dataclass(frozen=True)
class SeedReport:
    fiscal_year: int
    submitted: int
    drafts: int
    untouched: int


def _round(
    session: DbSession,
    fiscal_year: int,
    version: str,
    actor: User | None,
    opens_on: dt.date,
    closes_on: dt.date,
) -> SurveyRound:
    existing = session.scalar(select(SurveyRound).where(SurveyRound.fiscal_year == fiscal_year))
    if existing is not None:
        return existing
    return open_round(
        session,
        questionnaire_root(),
        fiscal_year=fiscal_year,
        key="dx-maturity",
        version=version,
        opens_on=opens_on,
        closes_on=closes_on,
        actor=actor,
        is_demo=True,
        population="programme",  # the demo fills the programme's municipalities only
    )


def fill_town(
    session: DbSession, survey_round: SurveyRound, town: Municipality, share: float | None
) -> str:
    """Answer (all, or the first ``share`` of the sections); submit when all. Returns the state."""
    questionnaire = round_questionnaire(survey_round)
    answers = synthetic_answers(
        questionnaire,
        DemoTown(town.code, town.name, town.population or 1000),
        survey_round.fiscal_year,
        SEED,
    )
    if share is not None:
        keep = {
            q.id
            for s in questionnaire.sections[: max(1, round(len(questionnaire.sections) * share))]
            for q in s.questions
        }
        answers = {k: v for k, v in answers.items() if k in keep}
    response = get_or_create_response(session, survey_round, town)
    save_answers(
        session,
        response,
        questionnaire,
        answers,
        base_version=response.version,
        user=None,
        channel=Channel.DEMO,
        reason="デモ用の合成データ",
        check_editable=False,
    )
    if share is None and not submit(session, response, questionnaire, None):
        return "submitted"
    return "draft"


def seed_rounds(
    session: DbSession, prefecture: User | None, keep_untouched: str
) -> list[SeedReport]:
    """FY2024 (closed, nearly all submitted) and FY2025 (open, in progress). Idempotent.

    ``keep_untouched`` is a municipality code left without an FY2025 response (the demo's
    municipal account), so that carrying over last year's answers can be tried.
    """
    towns = list(
        session.scalars(
            select(Municipality).where(Municipality.supported).order_by(Municipality.code)
        )
    )
    start = today() - dt.timedelta(days=14)
    fy2024 = _round(session, 2024, "2024.1", prefecture, start, today() + dt.timedelta(days=1))
    fy2025 = _round(session, 2025, "2025.1", prefecture, start, today() + dt.timedelta(days=45))
    reports = []
    for survey_round in (fy2024, fy2025):
        if session.scalar(select(Response.id).where(Response.round_id == survey_round.id)):
            continue  # already filled
        counts = {"submitted": 0, "draft": 0, "untouched": 0}
        for town in towns:
            rng = random.Random(f"{SEED}:{town.code}:{survey_round.fiscal_year}:progress")
            roll = rng.random()
            if survey_round is fy2024:
                share = None if roll < 0.94 else 0.5
            elif town.code == keep_untouched or roll < 0.12:
                counts["untouched"] += 1
                continue
            else:
                share = None if roll < 0.72 else rng.choice((0.25, 0.5, 0.75))
            counts[fill_town(session, survey_round, town, share)] += 1
        reports.append(
            SeedReport(
                survey_round.fiscal_year, counts["submitted"], counts["draft"], counts["untouched"]
            )
        )
    # FY2024 ran from June to September 2024: set its real dates now that it is filled.
    fy2024.opens_on, fy2024.closes_on = dt.date(2024, 6, 3), dt.date(2024, 9, 30)
    session.flush()
    return reports
