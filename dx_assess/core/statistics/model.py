"""What reading a 総務省 My Number card CSV gives: the matched rows and what the review screen
says about them, or the problems found. Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: The two measures of cards in the 総務省 files (canonical column names).
CARDS_HELD_COLUMN = "保有枚数"  # the measure 総務省 uses since 2023, and the survey asks for
CARDS_ISSUED_COLUMN = "交付枚数"  # the older measure (cards issued), as in the 2022 file


@dataclass(frozen=True)
class StatisticsRow:
    """One Hokkaido municipality matched to the registry."""

    code: str  # 6 digits, as in the registry
    name: str  # the registry's name
    population: int
    cards: int
    population_date: date | None
    cards_date: date | None
    line: int  # line in the CSV


@dataclass(frozen=True)
class StatisticsProblem:
    line: int | None
    column: str | None  # the column's name as written in the file
    value: str
    message: str  # Japanese; follows the value, e.g. "は数値ではありません"

    def __str__(self) -> str:
        where = f"{self.line}行目" if self.line is not None else ""
        if self.column:
            where = f"{where} 「{self.column}」".strip()
        shown = f"「{self.value}」" if self.value else ""
        return f"{where}: {shown}{self.message}" if where else f"{shown}{self.message}"


class StatisticsError(ValueError):
    def __init__(self, problems: list[StatisticsProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class StatisticsFile:
    encoding_label: str
    rows: tuple[StatisticsRow, ...]  # Hokkaido municipalities matched, registry order
    # Registry municipalities missing from the file, as "code name".
    unmatched_hokkaido: tuple[str, ...]
    skipped_other_prefectures: int
    skipped_wards: int
    cards_column: str = CARDS_ISSUED_COLUMN  # "交付枚数" or "保有枚数"
    population_dates: tuple[date, ...] = ()  # distinct 人口算出基準日 in the file, sorted
    cards_dates: tuple[date, ...] = ()  # distinct 交付件数基準日 (or 算出基準日), sorted

    @property
    def notes(self) -> tuple[str, ...]:
        """What the review screen should say about the figures before they are applied."""
        notes = [
            f"人口の基準日: {_dates_text(self.population_dates)}",
            f"枚数（{self.cards_column}）の基準日: {_dates_text(self.cards_dates)}",
        ]
        if self.cards_column != CARDS_HELD_COLUMN:
            notes.append(
                f"このファイルの枚数は「{self.cards_column}」（これまでに交付したカードの枚数）です。"
                "調査票の「保有枚数」（交付済みで有効なカードの枚数）とは数え方が異なり、"
                "失効・返納の分だけ多くなります。回答として反映するかどうかは県で判断してください。"
            )
        if self.population_dates and self.cards_dates and self.population_dates != self.cards_dates:
            notes.append(
                "人口と枚数の基準日が異なります。調査票は、保有枚数を人口と同じ基準日で尋ねています。"
            )
        if self.unmatched_hokkaido:
            notes.append(
                f"ファイルにない北海道の市町村が{len(self.unmatched_hokkaido)}件あります: "
                + "、".join(self.unmatched_hokkaido)
            )
        return tuple(notes)


def _dates_text(dates: tuple[date, ...]) -> str:
    if not dates:
        return "ファイルに書かれていません"
    return "、".join(f"{d.year}年{d.month}月{d.day}日" for d in dates)
