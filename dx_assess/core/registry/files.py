"""Reading the registry CSVs shipped in dx_assess/data/registry (see SOURCES.md there).

Pure: returns plain rows, or raises RegistryFileError listing every problem.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from importlib import resources

from dx_assess.core.registry.codes import is_valid_code

MUNICIPALITIES_FILE = "hokkaido_municipalities.csv"
SUBPREFECTURES_FILE = "hokkaido_subprefectures.csv"
POPULATION_FILE = "hokkaido_mynumbercard_20221231.csv"


@dataclass(frozen=True)
class SubprefectureRow:
    order: int
    short_name: str
    name: str
    kind: str


@dataclass(frozen=True)
class MunicipalityRow:
    code: str
    name: str
    name_kana: str
    kind: str
    county: str | None
    subprefecture_name: str
    population: int | None
    population_date: date | None
    office_lat: float | None
    office_lng: float | None
    url: str | None


class RegistryFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _read(name: str) -> list[tuple[int, dict[str, str]]]:
    text = (resources.files("dx_assess") / "data" / "registry" / name).read_text("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [(reader.line_num, row) for row in reader]


def _optional_float(value: str) -> float | None:
    return float(value) if value else None


def read_registry() -> tuple[list[SubprefectureRow], list[MunicipalityRow]]:
    """The 14 振興局 and 179 municipalities, validated; raises RegistryFileError."""
    problems: list[str] = []
    subprefectures = [
        SubprefectureRow(
            int(r["subprefecture_order"]), r["subprefecture_short"], r["subprefecture"], r["kind"]
        )
        for _, r in _read(SUBPREFECTURES_FILE)
    ]
    known_subprefectures = {s.name for s in subprefectures}
    population = {r["lg_code"]: r for _, r in _read(POPULATION_FILE)}

    municipalities: list[MunicipalityRow] = []
    seen: set[str] = set()
    for line, r in _read(MUNICIPALITIES_FILE):
        where = f"{MUNICIPALITIES_FILE} {line}行目"
        code = r["lg_code"]
        if not is_valid_code(code):
            problems.append(f"{where}: 団体コード {code} の検査数字が正しくありません")
        if code in seen:
            problems.append(f"{where}: 団体コード {code} が重複しています")
        seen.add(code)
        if r["type"] not in ("市", "町", "村"):
            problems.append(f"{where}: 種別 {r['type']} は 市・町・村 のいずれでもありません")
        if r["subprefecture"] not in known_subprefectures:
            problems.append(f"{where}: 振興局 {r['subprefecture']} が振興局一覧にありません")
        pop = population.get(code)
        municipalities.append(
            MunicipalityRow(
                code=code,
                name=r["name"],
                name_kana=r["name_kana"],
                kind=r["type"],
                county=r["county"] or None,
                subprefecture_name=r["subprefecture"],
                population=int(pop["population"]) if pop else None,
                population_date=date.fromisoformat(pop["population_date"]) if pop else None,
                office_lat=_optional_float(r["office_lat"]),
                office_lng=_optional_float(r["office_lng"]),
                url=r["url"] or None,
            )
        )
    if problems:
        raise RegistryFileError(problems)
    return subprefectures, municipalities
