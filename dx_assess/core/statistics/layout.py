"""Where the columns are in a 総務省 statistics CSV: the header row (which may follow a title
row or two) and the accepted names of each column. Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass

from dx_assess.core.registry.supported_list import normalise
from dx_assess.core.statistics.model import (
    CARDS_HELD_COLUMN,
    CARDS_ISSUED_COLUMN,
    StatisticsError,
    StatisticsProblem,
)

# Accepted column names, compared after NFKC and whitespace removal (so 総数(人口) and
# 「総数（人口）」 with spaces around it are the same). The first name is the one shown.
PREFECTURE_HEADERS = ("都道府県名", "都道府県")
CODE_HEADERS = (
    "団体コード",
    "全国地方公共団体コード",
    "市区町村コード",
    "市町村コード",
    "lg_code",
    "code",
)
NAME_HEADERS = ("市区町村名", "市町村名", "団体名", "自治体名", "name")
POPULATION_HEADERS = ("総数（人口）", "人口", "住民基本台帳人口", "総数")
CARDS_HELD_HEADERS = (CARDS_HELD_COLUMN,)
CARDS_ISSUED_HEADERS = (CARDS_ISSUED_COLUMN,)
POPULATION_DATE_HEADERS = ("人口算出基準日",)
CARDS_DATE_HEADERS = ("交付件数基準日", "保有件数基準日", "保有枚数基準日", "算出基準日")
_HEADER_SEARCH_ROWS = 10  # a header may follow a title row or two


def _key(header: str) -> str:
    return normalise(header).lower()


class _Columns:
    def __init__(self, header: list[str]) -> None:
        self.header = header
        self.index: dict[str, int] = {}
        for i, cell in enumerate(header):
            self.index.setdefault(_key(cell), i)

    def find(self, names: tuple[str, ...]) -> int | None:
        for name in names:
            found = self.index.get(_key(name))
            if found is not None:
                return found
        return None

    def has_required(self) -> bool:
        return self.find(POPULATION_HEADERS) is not None


def looks_like_header(cells: list[str]) -> bool:
    """True for a row that names a population column (the header of a statistics table)."""
    return _Columns(cells).has_required()


def find_header(rows: list[tuple[int, list[str]]]) -> int:
    """Index in ``rows`` of the header row: the first with a population column, else 0."""
    for i, (_, cells) in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        if _Columns(cells).has_required():
            return i
    return 0


@dataclass(frozen=True)
class Layout:
    """Where the columns are in one file, and their names as written there."""

    header_line: int
    header: list[str]
    prefecture: int | None
    code: int | None
    name: int | None
    population: int
    cards: int
    cards_column: str  # the canonical name: 交付枚数 or 保有枚数
    population_date: int | None
    cards_date: int | None

    @staticmethod
    def of(header_line: int, header: list[str]) -> Layout:
        """Find the columns; raise StatisticsError naming those missing and those found."""
        columns = _Columns(header)
        code = columns.find(CODE_HEADERS)
        name = columns.find(NAME_HEADERS)
        population = columns.find(POPULATION_HEADERS)
        cards = columns.find(CARDS_HELD_HEADERS)
        cards_column = CARDS_HELD_HEADERS[0]
        if cards is None:
            cards = columns.find(CARDS_ISSUED_HEADERS)
            cards_column = CARDS_ISSUED_HEADERS[0]
        missing = []
        if code is None and name is None:
            missing.append(f"「{CODE_HEADERS[0]}」または「{NAME_HEADERS[0]}」")
        if population is None:
            missing.append(f"「{POPULATION_HEADERS[0]}」")
        if cards is None:
            missing.append(f"「{CARDS_ISSUED_HEADERS[0]}」または「{CARDS_HELD_HEADERS[0]}」")
        if missing or population is None or cards is None:
            found = "".join(f"「{cell}」" for cell in header if cell) or "なし"
            message = f"必要な列 {'、'.join(missing)} がありません（見つかった列: {found}）"
            raise StatisticsError([StatisticsProblem(header_line, None, "", message)])
        return Layout(
            header_line=header_line,
            header=header,
            prefecture=columns.find(PREFECTURE_HEADERS),
            code=code,
            name=name,
            population=population,
            cards=cards,
            cards_column=cards_column,
            population_date=columns.find(POPULATION_DATE_HEADERS),
            cards_date=columns.find(CARDS_DATE_HEADERS),
        )

    def title(self, col: int | None, default: str = "") -> str:
        return self.header[col] if col is not None else default

    @staticmethod
    def cell(cells: list[str], col: int | None) -> str:
        return cells[col] if col is not None and col < len(cells) else ""
