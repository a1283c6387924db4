"""Applying the 総務省 statistics to a round's responses (the shell around survey.statistics).

Preview first (what would change, per municipality), then apply as one transaction: every
changed answer goes through save_answers with the channel 「統計データ取込」 and a reason that
names the file and its reference dates, so it is in the audit trail like any other change.
Submitted responses are not changed (reopen them first); a closed round refuses the import.

The parsed file is staged on the server (:mod:`dx_assess.services.staged`): apply names only the
staged row, recomputes the proposals against the current answers, and refuses (showing the
preview again) when an answer changed since the preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from dx_assess.core.messages import N_
from dx_assess.core.questionnaire.bindings import CARDS_HELD, POPULATION, ROLES
from dx_assess.core.statistics.model import StatisticsFile, StatisticsRow, staleness_note
from dx_assess.core.statistics.proposals import Proposal, proposals
from dx_assess.core.statistics.reading import parse_statistics
from dx_assess.core.vocabulary import reference_date
from dx_assess.models import (
    Channel,
    Municipality,
    Response,
    ResponseStatus,
    StagedUpload,
    SurveyRound,
    UploadKind,
    User,
)
from dx_assess.models.base import DbSession
from dx_assess.services import staged
from dx_assess.services.official_figures import record_official_figures
from dx_assess.services.registry import registry_entries
from dx_assess.services.responses import NotEditable, current_answers, get_or_create_response
from dx_assess.services.rounds import OPEN, round_questionnaire, round_state
from dx_assess.services.saving import save_answers
from dx_assess.services.versions import published_bindings

#: The bindings whose questions the import fills: population and cards held.
STATISTICS_ROLES = (POPULATION, CARDS_HELD)


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
        if survey_round.answered_by_all or m.supported or m.id in responses:
            out[m.code] = responses.get(m.id)
    return out


def _proposals(
    session: DbSession, survey_round: SurveyRound, stats: StatisticsFile
) -> list[MunicipalityProposal]:
    """The file's figures against the round's current answers, per municipality."""
    questionnaire = round_questionnaire(survey_round)
    population_id, cards_id = _question_ids(session, survey_round)
    in_round = _round_municipalities(session, survey_round)
    current: dict[str, Mapping[str, object]] = {
        code: current_answers(r, questionnaire) if r else {} for code, r in in_round.items()
    }
    by_code: dict[str, dict[str, Proposal]] = {}
    for p in proposals(stats, current, (population_id, cards_id)):
        if p.code in in_round:
            by_code.setdefault(p.code, {})[p.question_id] = p
    return [
        MunicipalityProposal(
            code=code,
            name=props[population_id].name,
            population=props[population_id],
            cards=props[cards_id],
            submitted=(r := in_round[code]) is not None and r.status is ResponseStatus.SUBMITTED,
        )
        for code, props in by_code.items()
    ]


def _question_ids(session: DbSession, survey_round: SurveyRound) -> tuple[str, str]:
    """The questions bound to population and cards held in the round's questionnaire
    (raises NotEditable when it binds either to none)."""
    bindings = published_bindings(session, survey_round.questionnaire_version)
    missing = [ROLES[role].label for role in STATISTICS_ROLES if bindings.question(role) is None]
    if missing:
        raise NotEditable(
            N_(
                "この調査回の調査票では、%(roles)sの設問が決められていない"
                "（bindings がない）ため、統計データを取り込めません。",
                roles="・".join(missing),
            )
        )
    population_id, cards_id = bindings.questions(STATISTICS_ROLES)
    return population_id, cards_id


def preview(
    session: DbSession, survey_round: SurveyRound, data: bytes
) -> tuple[StatisticsFile, list[MunicipalityProposal]]:
    """Parse the file and propose values for the round's municipalities (raises StatisticsError)."""
    _question_ids(session, survey_round)
    stats = parse_statistics(data, registry_entries(session))
    return stats, _proposals(session, survey_round, stats)


def preview_notes(survey_round: SurveyRound, stats: StatisticsFile) -> tuple[str, ...]:
    """What the review screen says about the file for this round: the file's own notes, and a
    warning when its date is more than a year before the round's 基準日."""
    stale = staleness_note(stats, reference_date(survey_round.fiscal_year))
    return (stale, *stats.notes) if stale else stats.notes


def reason_text(stats: StatisticsFile, source_name: str) -> str:
    pop = "・".join(d.isoformat() for d in stats.population_dates) or "不明"
    cards = "・".join(d.isoformat() for d in stats.cards_dates) or "不明"
    return (
        f"統計データ取込「{source_name}」（人口 基準日 {pop}、{stats.cards_column} 基準日 {cards}）"
    )


# ---------------------------------------------------------------------------- staged


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _undate(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def stats_to_json(stats: StatisticsFile) -> dict[str, Any]:
    """What the file says, as JSON for the staged row (everything the preview shows)."""
    return {
        "encoding_label": stats.encoding_label,
        "rows": [
            [
                r.code,
                r.name,
                r.population,
                r.cards,
                _date(r.population_date),
                _date(r.cards_date),
                r.line,
            ]
            for r in stats.rows
        ],
        "unmatched_hokkaido": list(stats.unmatched_hokkaido),
        "skipped_other_prefectures": stats.skipped_other_prefectures,
        "skipped_wards": stats.skipped_wards,
        "cards_column": stats.cards_column,
        "population_dates": [d.isoformat() for d in stats.population_dates],
        "cards_dates": [d.isoformat() for d in stats.cards_dates],
        "skipped_totals": list(stats.skipped_totals),
        "sapporo_from_wards": stats.sapporo_from_wards,
    }


def stats_from_json(data: Mapping[str, Any]) -> StatisticsFile:
    return StatisticsFile(
        encoding_label=str(data["encoding_label"]),
        rows=tuple(
            StatisticsRow(
                code=str(code),
                name=str(name),
                population=int(population),
                cards=int(cards),
                population_date=_undate(pop_date),
                cards_date=_undate(cards_date),
                line=int(line),
            )
            for code, name, population, cards, pop_date, cards_date, line in data["rows"]
        ),
        unmatched_hokkaido=tuple(data["unmatched_hokkaido"]),
        skipped_other_prefectures=int(data["skipped_other_prefectures"]),
        skipped_wards=int(data["skipped_wards"]),
        cards_column=str(data["cards_column"]),
        population_dates=tuple(date.fromisoformat(d) for d in data["population_dates"]),
        cards_dates=tuple(date.fromisoformat(d) for d in data["cards_dates"]),
        skipped_totals=tuple(data.get("skipped_totals", ())),
        sapporo_from_wards=bool(data.get("sapporo_from_wards", False)),
    )


def seen_of(rows: list[MunicipalityProposal]) -> dict[str, list[int | None]]:
    """The current answers a preview showed, per municipality code: [population, cards]."""
    return {r.code: [r.population.current, r.cards.current] for r in rows}


@dataclass(frozen=True)
class StagedPreview:
    """A staged statistics upload recomputed against the current answers."""

    staged: StagedUpload
    stats: StatisticsFile
    rows: list[MunicipalityProposal]
    changed_since: list[MunicipalityProposal]  # answers changed since the last preview

    @property
    def to_apply(self) -> list[MunicipalityProposal]:
        return [r for r in self.rows if r.changes and not r.submitted]


def stage_statistics(
    session: DbSession,
    survey_round: SurveyRound,
    data: bytes,
    source_name: str,
    user: User,
) -> StagedPreview:
    """Parse the file, stage it, and return the preview (raises StatisticsError)."""
    stats, rows = preview(session, survey_round, data)
    payload = {"stats": stats_to_json(stats), "reason": reason_text(stats, source_name)}
    row = staged.stage(
        session,
        kind=UploadKind.STATISTICS,
        data=data,
        source_name=source_name,
        survey_round=survey_round,
        municipality_id=None,
        user=user,
        payload=payload,
        seen=seen_of(rows),
    )
    return StagedPreview(row, stats, rows, [])


def review(session: DbSession, survey_round: SurveyRound, row: StagedUpload) -> StagedPreview:
    """The staged file against the current answers; ``changed_since`` lists municipalities
    whose answers differ from what the last preview showed. Records the new preview as seen
    (the view keeps it with `unit_of_work.keep()` when it shows it)."""
    _question_ids(session, survey_round)
    stats = stats_from_json(row.payload["stats"])
    rows = _proposals(session, survey_round, stats)
    now = seen_of(rows)
    before = row.seen or {}
    changed = [r for r in rows if before.get(r.code) != now[r.code]]
    row.seen = now
    return StagedPreview(row, stats, rows, changed)


def apply_staged(
    session: DbSession, survey_round: SurveyRound, reviewed: StagedPreview, *, user: User
) -> tuple[list[str], list[str]]:
    """Write what ``reviewed`` proposes (it must have no ``changed_since``). Returns (applied,
    skipped) municipality names. The audit reason is the server's own, from the staged row.
    It only flushes: on any exception the unit of work applies nothing."""
    if reviewed.changed_since:
        raise NotEditable(N_("確認の画面を表示した後に変更された回答があります。"))
    if round_state(survey_round) is not OPEN:
        raise NotEditable(N_("この調査回は回答を受け付けていないため、取り込めません。"))
    staged.mark_applied(session, reviewed.staged, user)
    questionnaire = round_questionnaire(survey_round)
    in_round = _round_municipalities(session, survey_round)
    codes = [r.code for r in reviewed.to_apply]
    municipalities = {
        m.code: m for m in session.scalars(select(Municipality).where(Municipality.code.in_(codes)))
    }
    reason = str(reviewed.staged.payload["reason"])
    applied: list[str] = []
    skipped = [r.name for r in reviewed.rows if r.changes and r.submitted]
    for proposal in reviewed.to_apply:
        municipality = municipalities[proposal.code]
        response = in_round[proposal.code] or get_or_create_response(
            session, survey_round, municipality
        )
        changes = {
            p.question_id: p.proposed for p in (proposal.population, proposal.cards) if p.changes
        }
        result = save_answers(
            session,
            response,
            questionnaire,
            changes,
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
    # every row of the file (all 179, not only those answering) as prefecture-wide official figures
    record_official_figures(
        session, survey_round, reviewed.stats, source_name=reviewed.staged.source_name, user=user
    )
    return applied, skipped
