"""Fill the demo's rounds with synthetic answers: 令和6年度 (FY2024) and 令和7年度 (FY2025),
answered by the support programme and closed, and 令和8年度 (FY2026, questionnaire 2026.1),
answered by all 179 municipalities and open now.

Every answer goes through the same service as the form (channel 「デモデータ」), so the audit
trail, versions and submission checks are real. Every round is marked as demo data. The
令和8年度 answers follow the seeds' facts where the plan states them: open data published in
174 of the 179 municipalities, online applications (ぴったりサービス) everywhere (達成済).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select

from dx_assess.core.vocabulary import today
from dx_assess.models import Channel, Municipality, Response, SurveyRound, User
from dx_assess.models.base import DbSession
from dx_assess.models.survey import POPULATION_ALL, POPULATION_PROGRAMME
from dx_assess.services.demo.synthetic import DemoTown, maturity, synthetic_answers
from dx_assess.services.responses import get_or_create_response, submit
from dx_assess.services.rounds import open_round, round_questionnaire
from dx_assess.services.saving import save_answers
from dx_assess.services.versions import questionnaire_root

SEED = 2026
#: 令和8年度: the municipalities with open data (the plan's indicator: 174 of 179).
OPEN_DATA_MUNICIPALITIES = 174
#: The demo's rounds: fiscal year, questionnaire version, who answers, the real dates of a
#: closed round (None: open now).
ROUNDS = (
    (2024, "2024.1", POPULATION_PROGRAMME, (dt.date(2024, 6, 3), dt.date(2024, 9, 30))),
    (2025, "2025.1", POPULATION_PROGRAMME, (dt.date(2025, 6, 2), dt.date(2025, 9, 30))),
    (2026, "2026.1", POPULATION_ALL, None),
)


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
    population: str,
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
        population=population,
    )


def _demo_town(town: Municipality) -> DemoTown:
    return DemoTown(town.code, town.name, town.population or 1000)


def facts(towns: list[Municipality], fiscal_year: int) -> dict[str, dict[str, object]]:
    """Answers the seeds fix, per municipality code (令和8年度 only): open data in 174 of 179
    (the 5 least mature have none), ぴったりサービス everywhere."""
    if fiscal_year < 2026:
        return {}
    by_maturity = sorted(towns, key=lambda t: (maturity(_demo_town(t), fiscal_year, SEED), t.code))
    without = {t.code for t in by_maturity[: max(0, len(towns) - OPEN_DATA_MUNICIPALITIES)]}
    return {
        t.code: {"od_published": "no" if t.code in without else "yes", "onl_pittari": "yes"}
        for t in towns
    }


def fill_town(
    session: DbSession,
    survey_round: SurveyRound,
    town: Municipality,
    share: float | None,
    fixed: dict[str, object] | None = None,
) -> str:
    """Answer (all, or the first ``share`` of the sections); submit when all. Returns the state.
    ``fixed``: answers the seeds' facts set (they replace the synthetic ones)."""
    questionnaire = round_questionnaire(survey_round)
    answers = synthetic_answers(questionnaire, _demo_town(town), survey_round.fiscal_year, SEED)
    answers.update({k: v for k, v in (fixed or {}).items() if questionnaire.has_question(k)})
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
    """FY2024 and FY2025 (the programme; closed, nearly all submitted) and FY2026 (all 179;
    open, in progress). Idempotent.

    ``keep_untouched`` is a municipality code left without an FY2026 response (the demo's
    municipal account), so that carrying over last year's answers can be tried.
    """
    everyone = list(session.scalars(select(Municipality).order_by(Municipality.code)))
    start = today() - dt.timedelta(days=14)
    reports = []
    for fiscal_year, version, population, closed in ROUNDS:
        closes = today() + dt.timedelta(days=1 if closed else 45)
        survey_round = _round(session, fiscal_year, version, prefecture, start, closes, population)
        if session.scalar(select(Response.id).where(Response.round_id == survey_round.id)):
            if closed:  # a demo made before this round closed: it has closed since
                survey_round.opens_on, survey_round.closes_on = closed
            continue  # already filled
        towns = [t for t in everyone if survey_round.answered_by_all or t.supported]
        fixed = facts(towns, fiscal_year)
        counts = {"submitted": 0, "draft": 0, "untouched": 0}
        for town in towns:
            rng = random.Random(f"{SEED}:{town.code}:{fiscal_year}:progress")
            roll = rng.random()
            if closed:  # nearly all submitted; the demo account's town has answers to carry
                share = None if roll < 0.94 or town.code == keep_untouched else 0.5
            elif town.code == keep_untouched or roll < 0.12:
                counts["untouched"] += 1
                continue
            else:
                share = None if roll < 0.72 else rng.choice((0.25, 0.5, 0.75))
            state = fill_town(session, survey_round, town, share, fixed.get(town.code))
            counts[state] += 1
        reports.append(
            SeedReport(fiscal_year, counts["submitted"], counts["draft"], counts["untouched"])
        )
        if closed:  # it ran in its own fiscal year: set its real dates now that it is filled
            survey_round.opens_on, survey_round.closes_on = closed
    session.flush()
    return reports


#: The password of every demo municipality's staff account (m + 団体コード, e.g. m012025).
TOWN_PASSWORD = "demo-town-2026"  # noqa: S105 - a documented demo password


def town_login(code: str) -> str:
    return f"m{code}"


def ensure_town_accounts(session: DbSession) -> int:
    """An account for the staff of every municipality that answers a demo round and has none
    (login ``m`` + 団体コード, password :data:`TOWN_PASSWORD`). Returns how many were created."""
    from dx_assess.core.vocabulary import Role
    from dx_assess.services.accounts import UserData, create_user

    all_answer = False
    for survey_round in session.scalars(select(SurveyRound).where(SurveyRound.is_demo)):
        all_answer = all_answer or survey_round.answered_by_all
    towns = session.scalars(select(Municipality).order_by(Municipality.code)).all()
    answering = {t.id for t in towns if all_answer or t.supported}
    with_account = set(
        session.scalars(
            select(User.municipality_id).where(
                User.role == Role.MUNICIPAL, User.municipality_id.is_not(None)
            )
        )
    )
    taken = set(session.scalars(select(User.login)))
    created = 0
    for town in towns:
        login = town_login(town.code)
        if town.id not in answering or town.id in with_account or login in taken:
            continue
        create_user(
            session,
            UserData(login, f"{town.name} 担当（デモ）", Role.MUNICIPAL, town.code),
            TOWN_PASSWORD,
        )
        created += 1
    return created
