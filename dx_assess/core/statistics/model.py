"""What reading a 総務省 My Number card CSV gives: the matched rows and what the review screen
says about them, or the problems found. Pure: no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dx_assess.core.messages import N_, Message
from dx_assess.core.vocabulary import wareki

SAPPORO_WARD_NAMES = (
    "中央区",
    "北区",
    "東区",
    "白石区",
    "豊平区",
    "南区",
    "西区",
    "厚別区",
    "手稲区",
    "清田区",
)

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
    message: str  # Japanese; follows the value, e.g. "は数値ではありません" (or a Message)

    def as_message(self) -> Message:
        """The problem with its line and column, as pages show it (translatable); its text
        is ``str(self)``."""
        where: list[str] = []
        if self.line is not None:
            where.append(N_("%(n)d行目", n=self.line))
        if self.column:
            where.append(f"「{self.column}」")
        shown = f"「{self.value}」" if self.value else ""
        if where:
            return N_(
                "%(where)s: %(value)s%(message)s",
                where=tuple(where),
                value=shown,
                message=self.message,
            )
        return N_("%(value)s%(message)s", value=shown, message=self.message)

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
    # Rows that are not a municipality (全国, 合計, a prefecture), as "N行目「全国」".
    skipped_totals: tuple[str, ...] = ()
    # 札幌市 summed from its 10 wards (the file had no row for the whole city).
    sapporo_from_wards: bool = False

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
                "失効・返納の分だけ多くなります。回答として反映するかどうかは道で判断してください。"
            )
        if self.population_dates and self.cards_dates and self.population_dates != self.cards_dates:
            notes.append(
                "人口と枚数の基準日が異なります。調査票は、保有枚数を人口と同じ基準日で尋ねています。"
            )
        if self.skipped_totals:
            notes.append(
                f"合計・全国・都道府県の行 {len(self.skipped_totals)}件は市町村の行ではないため"
                "使いません: " + "、".join(self.skipped_totals)
            )
        if self.sapporo_from_wards:
            notes.append(
                "ファイルに札幌市全体の行がないため、札幌市の人口と枚数は10区"
                f"（{'・'.join(SAPPORO_WARD_NAMES)}）の合計です。"
            )
        elif self.skipped_wards:
            notes.append(
                f"札幌市の区の行 {self.skipped_wards}件は、札幌市全体の行があるため使いません。"
            )
        if self.unmatched_hokkaido:
            notes.append(
                f"ファイルにない北海道の市町村が{len(self.unmatched_hokkaido)}件あります: "
                + "、".join(self.unmatched_hokkaido)
            )
        return tuple(notes)


def file_date(stats: StatisticsFile) -> date | None:
    """The file's reference date: the latest of its population and cards dates."""
    dates = stats.population_dates + stats.cards_dates
    return max(dates) if dates else None


def staleness_note(stats: StatisticsFile, reference_date: date) -> str | None:
    """A warning when the file's date is more than a year before the round's 基準日."""
    latest = file_date(stats)
    if latest is None:
        return None
    try:
        year_before = reference_date.replace(year=reference_date.year - 1)
    except ValueError:  # 29 February
        year_before = reference_date.replace(year=reference_date.year - 1, day=28)
    if latest >= year_before:
        return None
    return (
        f"注意: このファイルの基準日（{wareki(latest)}）は、調査回の基準日"
        f"（{wareki(reference_date)}）より1年以上前です。新しい統計がないか確認してください。"
    )


def _dates_text(dates: tuple[date, ...]) -> str:
    if not dates:
        return "ファイルに書かれていません"
    return "、".join(wareki(d) for d in dates)
