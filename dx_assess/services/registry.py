"""Writes to the registry. They only flush (the unit of work commits); on an exception
nothing is changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from dx_assess.core.registry.files import read_registry
from dx_assess.core.registry.supported_list import RegistryEntry, parse_supported_list
from dx_assess.models import Municipality, Subprefecture, SupportedListChange
from dx_assess.models.base import DbSession


@dataclass
class RegistryLoadReport:
    subprefectures_added: list[str] = field(default_factory=list)
    subprefectures_updated: list[str] = field(default_factory=list)
    municipalities_added: list[str] = field(default_factory=list)
    # "012025 函館市: population 248106 → 250000"
    municipalities_updated: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)  # in the database, not in the file
    subprefecture_total: int = 0
    municipality_total: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.subprefectures_added
            or self.subprefectures_updated
            or self.municipalities_added
            or self.municipalities_updated
        )

    def lines(self) -> list[str]:
        """A plain Japanese summary for the CLI."""
        if not self.changed:
            out = [
                f"変更はありません（振興局 {self.subprefecture_total}、"
                f"市町村 {self.municipality_total} は登録済みの内容と同じです）。"
            ]
        else:
            out = [
                f"振興局: 追加 {len(self.subprefectures_added)}、"
                f"更新 {len(self.subprefectures_updated)}",
                f"市町村: 追加 {len(self.municipalities_added)}、"
                f"更新 {len(self.municipalities_updated)}",
            ]
            out += [f"  更新 {u}" for u in self.subprefectures_updated]
            out += [f"  更新 {u}" for u in self.municipalities_updated]
        out += [
            f"注意: ファイルにない登録済みの市町村 {c}（削除はしていません）"
            for c in self.not_in_file
        ]
        return out


def _apply(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set changed attributes; return "field: old → new" for each change."""
    changes = []
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes.append(f"{name}: {old} → {new}")
            setattr(obj, name, new)
    return changes


def load_registry(session: DbSession) -> RegistryLoadReport:
    """Add or update the 14 振興局 and 179 municipalities from the shipped CSVs. Idempotent."""
    sub_rows, muni_rows = read_registry()
    report = RegistryLoadReport(
        subprefecture_total=len(sub_rows), municipality_total=len(muni_rows)
    )

    by_name = {s.name: s for s in session.scalars(select(Subprefecture))}
    for row in sub_rows:
        values = {"order": row.order, "short_name": row.short_name, "kind": row.kind}
        existing = by_name.get(row.name)
        if existing is None:
            sub = Subprefecture(name=row.name, **values)
            session.add(sub)
            by_name[row.name] = sub
            report.subprefectures_added.append(row.name)
        elif changes := _apply(existing, values):
            report.subprefectures_updated.append(f"{row.name}: {', '.join(changes)}")
    session.flush()

    by_code = {m.code: m for m in session.scalars(select(Municipality))}
    for m_row in muni_rows:
        values = {
            "name": m_row.name,
            "name_kana": m_row.name_kana,
            "kind": m_row.kind,
            "county": m_row.county,
            "subprefecture_id": by_name[m_row.subprefecture_name].id,
            "population": m_row.population,
            "population_date": m_row.population_date,
            "office_lat": m_row.office_lat,
            "office_lng": m_row.office_lng,
            "url": m_row.url,
        }
        existing_m = by_code.pop(m_row.code, None)
        if existing_m is None:
            session.add(Municipality(code=m_row.code, supported=False, **values))
            report.municipalities_added.append(f"{m_row.code} {m_row.name}")
        elif changes := _apply(existing_m, values):
            report.municipalities_updated.append(f"{m_row.code} {m_row.name}: {', '.join(changes)}")
    report.not_in_file = [f"{m.code} {m.name}" for m in by_code.values()]
    session.flush()
    return report


@dataclass(frozen=True)
class SupportedListResult:
    encoding_label: str
    supported_count: int
    added: list[str]  # "012025 函館市"
    removed: list[str]
    is_demo: bool

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)

    def lines(self) -> list[str]:
        label = "（デモ用の選定）" if self.is_demo else ""
        out = [
            f"文字コード: {self.encoding_label}",
            f"支援対象: {self.supported_count} 市町村{label}",
        ]
        if not self.changed:
            out.append("変更はありません。")
        out += [f"  追加 {a}" for a in self.added]
        out += [f"  除外 {r}" for r in self.removed]
        return out


def registry_entries(session: DbSession) -> list[RegistryEntry]:
    return [
        RegistryEntry(code=m.code, name=m.name, county=m.county)
        for m in session.scalars(select(Municipality).order_by(Municipality.code))
    ]


def set_supported_list(
    session: DbSession, data: bytes, *, source_name: str, actor: str, is_demo: bool = False
) -> SupportedListResult:
    """Replace the support-programme list with the municipalities named in a CSV.

    Raises SupportedListError (every problem, with its line) and changes nothing
    when any entry is unknown, ambiguous or malformed.
    """
    parsed = parse_supported_list(data, registry_entries(session))
    wanted = set(parsed.codes)
    added, removed = [], []
    for m in session.scalars(select(Municipality).order_by(Municipality.code)):
        if m.code in wanted and not m.supported:
            added.append(f"{m.code} {m.name}")
        elif m.code not in wanted and m.supported:
            removed.append(f"{m.code} {m.name}")
        m.supported = m.code in wanted
    session.add(
        SupportedListChange(
            changed_by=actor[:64],
            source_name=source_name[:200],
            is_demo=is_demo,
            supported_count=len(wanted),
            added_codes=",".join(a.split()[0] for a in added),
            removed_codes=",".join(r.split()[0] for r in removed),
        )
    )
    session.flush()
    return SupportedListResult(
        encoding_label=parsed.encoding_label,
        supported_count=len(wanted),
        added=added,
        removed=removed,
        is_demo=is_demo,
    )


def latest_supported_list_change(session: DbSession) -> SupportedListChange | None:
    return session.scalar(
        select(SupportedListChange).order_by(SupportedListChange.id.desc()).limit(1)
    )
