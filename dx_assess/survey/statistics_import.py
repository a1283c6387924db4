"""Applying the 総務省 statistics to a round's responses (the shell around survey.statistics).

Preview first (what would change, per municipality), then apply as one transaction: every
changed answer goes through save_answers with the channel 「統計データ取込」 and a reason that
names the file and its reference dates, so it is in the audit trail like any other change.
Submitted responses are not changed (reopen them first); a closed round refuses the import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from dx_assess.models import Channel, Municipality, Response, ResponseStatus, SurveyRound, User
from dx_assess.models.base import DbSession
from dx_assess.registry.services import registry_entries
from dx_assess.survey.responses import (
    NotEditable,
    current_answers,
    get_or_create_response,
    save_answers,
)
from dx_assess.survey.rounds import OPEN, round_questionnaire, round_state
from dx_assess.survey.statistics import Proposal, StatisticsFile, parse_statistics, proposals

QUESTION_IDS = ("basic_population", "mnc_cards_held")


@dataclass(frozen=True)
class MunicipalityProposal:
    code: str
    name: str
    population: Proposal
    cards: Proposal
    submitted: bool  # shown, but not applied

    @property
    def changes(self) -> bool:
        return self.population.changes or self.cards.changes


def _round_municipalities(
    session: DbSession, survey_round: SurveyRound
) -> dict[str, Response | None]:
    responses = {
        r.municipality_id: r
        for r in session.scalars(select(Response).where(Response.round_id == survey_round.id))
    }
    out: dict[str, Response | None] = {}
    for m in session.scalars(select(Municipality).order_by(Municipality.code)):
        if m.supported or m.id in responses:
            out[m.code] = responses.get(m.id)
    return out


def preview(
    session: DbSession, survey_round: SurveyRound, data: bytes
) -> tuple[StatisticsFile, list[MunicipalityProposal]]:
    """Parse the file and propose values for the round's municipalities (raises StatisticsError)."""
    questionnaire = round_questionnaire(survey_round)
    missing = [q for q in QUESTION_IDS if not questionnaire.has_question(q)]
    if missing:
        raise NotEditable(f"この調査回の調査票には設問 {'、'.join(missing)} がありません。")
    stats = parse_statistics(data, registry_entries(session))
    in_round = _round_municipalities(session, survey_round)
    current: dict[str, Mapping[str, object]] = {
        code: current_answers(r, questionnaire) if r else {} for code, r in in_round.items()
    }
    by_code: dict[str, dict[str, Proposal]] = {}
    for p in proposals(stats, current, QUESTION_IDS):
        if p.code in in_round:
            by_code.setdefault(p.code, {})[p.question_id] = p
    out = [
        MunicipalityProposal(
            code=code,
            name=props[QUESTION_IDS[0]].name,
            population=props[QUESTION_IDS[0]],
            cards=props[QUESTION_IDS[1]],
            submitted=(r := in_round[code]) is not None and r.status is ResponseStatus.SUBMITTED,
        )
        for code, props in by_code.items()
    ]
    return stats, out


def reason_text(stats: StatisticsFile, source_name: str) -> str:
    pop = "・".join(d.isoformat() for d in stats.population_dates) or "不明"
    cards = "・".join(d.isoformat() for d in stats.cards_dates) or "不明"
    return (
        f"統計データ取込「{source_name}」（人口 基準日 {pop}、{stats.cards_column} 基準日 {cards}）"
    )


def apply(
    session: DbSession,
    survey_round: SurveyRound,
    values: Mapping[str, tuple[int, int]],
    *,
    reason: str,
    user: User,
) -> tuple[list[str], list[str]]:
    """Write population and cards for each municipality code. Returns (applied, skipped) names.

    The caller commits; on any exception nothing is applied.
    """
    if round_state(survey_round) is not OPEN:
        raise NotEditable("この調査回は回答を受け付けていないため、取り込めません。")
    questionnaire = round_questionnaire(survey_round)
    in_round = _round_municipalities(session, survey_round)
    municipalities = {
        m.code: m
        for m in session.scalars(select(Municipality).where(Municipality.code.in_(list(values))))
    }
    applied, skipped = [], []
    for code, (population, cards) in values.items():
        municipality = municipalities.get(code)
        if municipality is None or code not in in_round:
            raise NotEditable(f"団体コード {code} はこの調査回の対象ではありません。")
        response = in_round[code] or get_or_create_response(session, survey_round, municipality)
        if response.status is ResponseStatus.SUBMITTED:
            skipped.append(municipality.name)
            continue
        result = save_answers(
            session,
            response,
            questionnaire,
            {QUESTION_IDS[0]: population, QUESTION_IDS[1]: cards},
            base_version=response.version,
            user=user,
            channel=Channel.STATISTICS,
            reason=reason,
            check_editable=False,
        )
        if result.status == "invalid":
            raise NotEditable(f"{municipality.name}: " + " ".join(result.errors.values()))
        if result.status == "saved":
            applied.append(municipality.name)
    return applied, skipped
