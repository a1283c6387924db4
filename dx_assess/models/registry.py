"""The municipality registry: 14 振興局 (subprefectures) and 179 municipalities."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dx_assess.models.base import Base, UTCDateTime, utcnow

MUNICIPALITY_KINDS = ("市", "町", "村")


class Subprefecture(Base):
    """振興局: a subprefectural bureau of Hokkaido."""

    __tablename__ = "subprefecture"

    id: Mapped[int] = mapped_column(primary_key=True)
    order: Mapped[int] = mapped_column(unique=True)  # 1..14, the prefecture's customary order
    short_name: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. 空知
    name: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. 空知総合振興局
    kind: Mapped[str] = mapped_column(String(20))  # 総合振興局 or 振興局

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="subprefecture", order_by="Municipality.code"
    )


class Municipality(Base):
    """市町村, identified by its 6-digit 全国地方公共団体コード (JIS X 0402 with check digit)."""

    __tablename__ = "municipality"
    __table_args__ = (
        CheckConstraint("kind IN ('市', '町', '村')", name="kind"),
        CheckConstraint("length(code) = 6", name="code_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    name_kana: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(1))
    county: Mapped[str | None] = mapped_column(String(40))
    subprefecture_id: Mapped[int] = mapped_column(ForeignKey("subprefecture.id"), index=True)
    population: Mapped[int | None]
    population_date: Mapped[date | None]
    office_lat: Mapped[float | None]
    office_lng: Mapped[float | None]
    url: Mapped[str | None] = mapped_column(String(200))
    supported: Mapped[bool] = mapped_column(default=False, index=True)

    subprefecture: Mapped[Subprefecture] = relationship(back_populates="municipalities")


class SupportedListChange(Base):
    """One change of the support-programme list (対象市町村): who, when, from which file."""

    __tablename__ = "supported_list_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(64))  # login, or "cli:<os user>"
    source_name: Mapped[str] = mapped_column(String(200))
    is_demo: Mapped[bool] = mapped_column(default=False)
    supported_count: Mapped[int]
    added_codes: Mapped[str] = mapped_column(String(4000), default="")  # comma-separated
    removed_codes: Mapped[str] = mapped_column(String(4000), default="")
