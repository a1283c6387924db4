"""Keep the 総務省 statistics of every municipality as official figures (公表値) of a round.

:func:`record_official_figures` is called by the statistics import when the prefecture applies a
file: it stores every matched row (all 179 municipalities of an all-Japan or Hokkaido file),
not only those that answer the round, replacing the round's earlier figures. The plan's
indicator マイナンバーカード普及率 is prefecture-wide, so :func:`official_card_rate` gives it
from these figures (Σ cards ÷ Σ population × 100) beside the rate computed from the answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select

from dx_assess.core.statistics.model import StatisticsFile
from dx_assess.models import Municipality, OfficialFigure, SurveyRound, User
from dx_assess.models.base import DbSession


@dataclass(frozen=True)
class OfficialRate:
    rate: float  # %
    cards: int
    population: int
    municipalities: int
    cards_measure: str
    cards_dates: tuple[date, ...]
    source_name: str


def record_official_figures(
    session: DbSession,
    survey_round: SurveyRound,
    stats: StatisticsFile,
    *,
    source_name: str,
    user: User | None,
) -> int:
    """Replace the round's official figures with every row of ``stats``; returns the count.

    Flushes only: the unit of work commits it together with the answers it applies."""
    ids = {code: mid for code, mid in session.execute(select(Municipality.code, Municipality.id))}
    session.execute(delete(OfficialFigure).where(OfficialFigure.round_id == survey_round.id))
    count = 0
    for row in stats.rows:
        municipality_id = ids.get(row.code)
        if municipality_id is None:
            continue
        session.add(
            OfficialFigure(
                round_id=survey_round.id,
                municipality_id=municipality_id,
                population=row.population,
                cards=row.cards,
                cards_measure=stats.cards_column,
                population_date=row.population_date,
                cards_date=row.cards_date,
                source_name=source_name[:200],
                imported_by_id=user.id if user else None,
            )
        )
        count += 1
    session.flush()
    return count


def official_card_rate(session: DbSession, survey_round: SurveyRound) -> OfficialRate | None:
    """The prefecture-wide card rate from the round's official figures (None: none stored)."""
    rows = session.scalars(
        select(OfficialFigure).where(OfficialFigure.round_id == survey_round.id)
    ).all()
    population = sum(r.population for r in rows)
    if not rows or population <= 0:
        return None
    cards = sum(r.cards for r in rows)
    return OfficialRate(
        rate=100 * cards / population,
        cards=cards,
        population=population,
        municipalities=len(rows),
        cards_measure=rows[0].cards_measure,
        cards_dates=tuple(sorted({r.cards_date for r in rows if r.cards_date is not None})),
        source_name=rows[0].source_name,
    )
