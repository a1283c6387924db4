"""Plain data for templates: ORM objects never reach a template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from dx_assess.core.vocabulary import jst
from dx_assess.models import Municipality, SupportedListChange, User


@dataclass(frozen=True)
class MunicipalityView:
    code: str
    name: str
    name_kana: str
    kind: str
    county: str | None
    subprefecture: str
    subprefecture_short: str
    population: int | None
    population_date: date | None
    supported: bool
    url: str | None

    @property
    def full_name(self) -> str:
        return f"{self.county}{self.name}" if self.county else self.name


def municipality_view(m: Municipality) -> MunicipalityView:
    return MunicipalityView(
        code=m.code,
        name=m.name,
        name_kana=m.name_kana,
        kind=m.kind,
        county=m.county,
        subprefecture=m.subprefecture.name,
        subprefecture_short=m.subprefecture.short_name,
        population=m.population,
        population_date=m.population_date,
        supported=m.supported,
        url=m.url,
    )


@dataclass(frozen=True)
class ProgrammeStatus:
    """The support-programme list as last set: size, and whether it is a demo selection."""

    count: int
    is_demo: bool
    changed_at: str
    changed_by: str
    source_name: str


def programme_status(change: SupportedListChange | None) -> ProgrammeStatus | None:
    if change is None:
        return None
    return ProgrammeStatus(
        count=change.supported_count,
        is_demo=change.is_demo,
        changed_at=jst(change.changed_at),
        changed_by=change.changed_by,
        source_name=change.source_name,
    )


@dataclass(frozen=True)
class SubprefectureCount:
    order: int
    short_name: str
    cities: int = 0
    towns: int = 0
    villages: int = 0
    supported: int = 0

    @property
    def total(self) -> int:
        return self.cities + self.towns + self.villages


@dataclass(frozen=True)
class RegistryCounts:
    rows: list[SubprefectureCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    @property
    def supported(self) -> int:
        return sum(r.supported for r in self.rows)

    def by_kind(self, kind: str) -> int:
        attr = {"市": "cities", "町": "towns", "村": "villages"}[kind]
        return sum(getattr(r, attr) for r in self.rows)


def registry_counts(rows: Sequence[Any]) -> RegistryCounts:
    """From (order, short_name, kind, supported, count) rows."""
    acc: dict[tuple[int, str], dict[str, int]] = {}
    for order, short_name, kind, supported, count in rows:
        bucket = acc.setdefault((order, short_name), {})
        attr = {"市": "cities", "町": "towns", "村": "villages"}[kind]
        bucket[attr] = bucket.get(attr, 0) + count
        if supported:
            bucket["supported"] = bucket.get("supported", 0) + count
    return RegistryCounts(
        rows=[SubprefectureCount(order, name, **acc[(order, name)]) for order, name in sorted(acc)]
    )


ROLE_LABELS = {
    "municipal": _l("市町村職員"),
    "adviser": _l("アドバイザー"),
    "prefecture": _l("道庁（DX推進課）"),
    "admin": _l("システム管理者"),
}


@dataclass(frozen=True)
class UserView:
    id: int
    login: str
    display_name: str
    role: str
    role_label: str
    municipality: str | None
    municipality_code: str | None
    active: bool
    last_login_at: str
    assigned: list[str]


def user_view(u: User) -> UserView:
    return UserView(
        id=u.id,
        login=u.login,
        display_name=u.display_name,
        role=u.role.value,
        role_label=str(ROLE_LABELS[u.role.value]),
        municipality=u.municipality.name if u.municipality else None,
        municipality_code=u.municipality.code if u.municipality else None,
        active=u.active,
        last_login_at=jst(u.last_login_at),
        assigned=[f"{a.municipality.code} {a.municipality.name}" for a in u.assignments],
    )
