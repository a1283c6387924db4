"""Official figures (公表値): the 総務省 statistics for every municipality, kept per round.

The statistics import matches all 179 municipalities of a file but writes answers only for the
round's municipalities; the rows themselves are kept here as prefecture-wide official figures
(population and My Number cards), whatever population answers the round.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dx_assess.models.base import Base, UTCDateTime, utcnow


class OfficialFigure(Base):
    """One municipality's population and cards from one statistics file, for one round."""

    __tablename__ = "official_figure"
    __table_args__ = (
        UniqueConstraint("round_id", "municipality_id", name="uq_official_figure_round_town"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    population: Mapped[int]
    cards: Mapped[int]
    cards_measure: Mapped[str] = mapped_column(String(20))  # 保有枚数 or 交付枚数
    population_date: Mapped[date | None]
    cards_date: Mapped[date | None]
    source_name: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
