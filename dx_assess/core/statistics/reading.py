"""Statistics import: population and My Number cards from the 総務省 CSV. Pure: no database.

The prefecture uploads 総務省「マイナンバーカード交付状況について」 as a CSV (the format
published by codeforjapan/mynumbercard_statistics: 算出基準日, 都道府県名, 市区町村名,
総数（人口）, 交付枚数, 人口に対する交付枚数率, 人口算出基準日, 交付件数基準日, 団体コード).
``parse_statistics`` keeps the Hokkaido rows and matches each to a registry municipality:
by 団体コード (6 digits, 5 digits, or 6 digits that lost the leading zero in a spreadsheet:
011002 -> 11002), or by name (石狩郡当別町 or 当別町) when the code is empty. Wards of
札幌市 are skipped and counted. ``proposals`` turns the result into one proposed answer per
municipality and question for the review screen; applying them is the caller's business.

UTF-8, UTF-8 with a BOM and Shift_JIS/CP932 are accepted (see dx_assess.core.csvio).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dx_assess.core.csvio import CsvDecodeError, read_csv
from dx_assess.core.registry.codes import is_valid_code
from dx_assess.core.registry.supported_list import RegistryEntry, Resolver, normalise

HOKKAIDO = "北海道"
HOKKAIDO_PREFIX = "01"

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
CARDS_HELD_HEADERS = ("保有枚数",)  # the measure 総務省 uses since 2023, and the survey asks for
CARDS_ISSUED_HEADERS = ("交付枚数",)  # the older measure (cards issued), as in the 2022 file
POPULATION_DATE_HEADERS = ("人口算出基準日",)
CARDS_DATE_HEADERS = ("交付件数基準日", "保有件数基準日", "保有枚数基準日", "算出基準日")

# 札幌市 (01100) is Hokkaido's only designated city; its wards have codes 01101–01110.
SAPPORO = "札幌市"
SAPPORO_WARDS = {
    "01101": "中央区",
    "01102": "北区",
    "01103": "東区",
    "01104": "白石区",
    "01105": "豊平区",
    "01106": "南区",
    "01107": "西区",
    "01108": "厚別区",
    "01109": "手稲区",
    "01110": "清田区",
}

# Written in the code column for "no code": the codeforjapan files have <NA> for two villages.
NO_CODE_MARKERS = {"<NA>", "NA", "N/A", "NAN", "-", "ー", "―"}

_HEADER_SEARCH_ROWS = 10  # a header may follow a title row or two


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
    cards_column: str = CARDS_ISSUED_HEADERS[0]  # "交付枚数" or "保有枚数"
    population_dates: tuple[date, ...] = ()  # distinct 人口算出基準日 in the file, sorted
    cards_dates: tuple[date, ...] = ()  # distinct 交付件数基準日 (or 算出基準日), sorted

    @property
    def notes(self) -> tuple[str, ...]:
        """What the review screen should say about the figures before they are applied."""
        notes = [
            f"人口の基準日: {_dates_text(self.population_dates)}",
            f"枚数（{self.cards_column}）の基準日: {_dates_text(self.cards_dates)}",
        ]
        if self.cards_column != CARDS_HELD_HEADERS[0]:
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


@dataclass(frozen=True)
class Proposal:
    """What the review screen shows for one municipality and question."""

    code: str
    name: str
    question_id: str
    current: int | None
    proposed: int

    @property
    def changes(self) -> bool:
        return self.current != self.proposed


def _dates_text(dates: tuple[date, ...]) -> str:
    if not dates:
        return "ファイルに書かれていません"
    return "、".join(f"{d.year}年{d.month}月{d.day}日" for d in dates)


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


def _find_header(rows: list[tuple[int, list[str]]]) -> int:
    """Index in ``rows`` of the header row: the first with a population column, else 0."""
    for i, (_, cells) in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        if _Columns(cells).has_required():
            return i
    return 0


_INTEGER = re.compile(r"\d+(\.0*)?")
_NEGATIVE = re.compile(r"-\d+(\.\d*)?")
_DECIMAL = re.compile(r"\d*\.\d+")
_DATE = re.compile(r"(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_ERA_DATE = re.compile(r"(令和|平成)(\d{1,2}|元)年(\d{1,2})月(\d{1,2})日")
_ERA_START = {"令和": 2018, "平成": 1988}


def _parse_count(raw: str) -> int | str:
    """A non-negative integer ("1,960,668", "１９６０６６８"), or an error message."""
    value = normalise(raw).replace(",", "").replace("−", "-")
    if not value:
        return "値がありません"
    if _INTEGER.fullmatch(value):
        return int(value.split(".")[0])
    if _NEGATIVE.fullmatch(value):
        return "は0以上の数でなければなりません"
    if _DECIMAL.fullmatch(value):
        return "は整数ではありません"
    return "は数値ではありません"


def _parse_date(raw: str) -> date | str | None:
    """A date ("2022/12/31", "2022-12-31", "2022年12月31日", "令和4年12月31日"), None when
    empty, or an error message."""
    value = unicodedata.normalize("NFKC", raw).strip()
    if not value:
        return None
    try:
        if match := _DATE.fullmatch(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _ERA_DATE.fullmatch(normalise(value)):
            year = 1 if match[2] == "元" else int(match[2])
            return date(_ERA_START[match[1]] + year, int(match[3]), int(match[4]))
    except ValueError:
        return "は正しい日付ではありません"
    return "は日付として読めません（例: 2022/12/31）"


def _code5(raw: str) -> str | None:
    """The 5-digit code written as 6 digits, 5 digits, lost-zero 6 digits or lost-zero 5."""
    digits = normalise(raw)
    if not digits.isdigit():
        return None
    if len(digits) == 6:
        return digits[:5]
    if len(digits) == 5:
        return digits if digits.startswith("0") else digits.zfill(6)[:5]
    if len(digits) == 4:
        return digits.zfill(5)
    return None


def _is_sapporo_ward(code: str, name: str) -> bool:
    if code:
        return _code5(code) in SAPPORO_WARDS
    plain = normalise(name).removeprefix(HOKKAIDO)
    return plain.startswith(SAPPORO) and plain.removeprefix(SAPPORO) in SAPPORO_WARDS.values()


def _code_prefecture(raw: str, lost_zero_file: bool) -> str | None:
    """The 2-digit prefecture of a code, when its form tells (for files without 都道府県名).

    A 5-digit code not starting with 0 is either a 6-digit code that lost its zero (12025,
    函館市) or the 5-digit code of a prefecture numbered 10–47 (13101, 千代田区): it is taken as
    the former when the file also has 6-digit codes or when its check digit fits.
    """
    digits = normalise(raw)
    if not digits.isdigit():
        return None
    if len(digits) == 6:
        return digits[:2]
    if len(digits) == 5:
        if digits.startswith("0"):
            return digits[:2]
        lost_zero = lost_zero_file or is_valid_code(digits.zfill(6))
        return digits.zfill(6)[:2] if lost_zero else digits[:2]
    if len(digits) == 4:
        return digits.zfill(5)[:2]
    return None


@dataclass(frozen=True)
class _Layout:
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
    def of(header_line: int, header: list[str]) -> _Layout:
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
        return _Layout(
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


class _Matcher:
    """Decides, row by row, which registry municipality a row is about."""

    def __init__(self, layout: _Layout, entries: Sequence[RegistryEntry], lost_zero_file: bool):
        self.layout = layout
        self.resolver = Resolver(list(entries))
        self.lost_zero_file = lost_zero_file
        self.code_title = layout.title(layout.code, CODE_HEADERS[0])
        self.name_title = layout.title(layout.name, NAME_HEADERS[0])

    def in_hokkaido(self, cells: list[str]) -> bool:
        """By 都道府県名; without it, by the code's prefecture digits; else by name.

        A row whose code tells nothing but whose name is in Hokkaido is kept, to be reported.
        """
        prefecture = normalise(self.layout.cell(cells, self.layout.prefecture))
        if prefecture:
            return prefecture == HOKKAIDO
        code = self.code(cells)
        by_code = _code_prefecture(code, self.lost_zero_file) if code else None
        if by_code is not None:
            return by_code == HOKKAIDO_PREFIX
        name = self.layout.cell(cells, self.layout.name)
        return normalise(name).startswith(HOKKAIDO) or not isinstance(self.resolver.name(name), str)

    def code(self, cells: list[str]) -> str:
        code = self.layout.cell(cells, self.layout.code)
        return "" if normalise(code).upper() in NO_CODE_MARKERS else code

    def is_ward(self, cells: list[str]) -> bool:
        return _is_sapporo_ward(self.code(cells), self.layout.cell(cells, self.layout.name))

    def entry(self, line: int, cells: list[str]) -> RegistryEntry | StatisticsProblem:
        code = self.code(cells)
        name = self.layout.cell(cells, self.layout.name)
        if code:
            resolved = self.resolver.code(code)
            if isinstance(resolved, str):
                return StatisticsProblem(line, self.code_title, code, resolved)
            if name and resolved not in self.resolver.by_name.get(normalise(name), []):
                return StatisticsProblem(
                    line,
                    None,
                    f"{code} {name}",
                    f"：団体コード {resolved.code} は{resolved.name}で、"
                    f"{self.name_title}と一致しません",
                )
            return resolved
        if name:
            resolved = self.resolver.name(name)
            if isinstance(resolved, str):
                return StatisticsProblem(line, self.name_title, name, resolved)
            return resolved
        return StatisticsProblem(line, None, "", f"{self.code_title}も{self.name_title}も空です")


def parse_statistics(data: bytes, entries: Sequence[RegistryEntry]) -> StatisticsFile:
    """Match the Hokkaido rows of a 総務省 My Number card CSV to the registry.

    Raises StatisticsError listing every problem: bad encoding; missing required columns
    (named, with the columns found); a Hokkaido row whose code or name matches no registry
    entry; code and name that disagree; numbers that are not non-negative integers; cards
    more than the population; the same municipality twice; no Hokkaido row at all.
    """
    try:
        decoded = read_csv(data)
    except CsvDecodeError as exc:
        raise StatisticsError([StatisticsProblem(None, None, "", str(exc))]) from exc
    if not decoded.rows:
        raise StatisticsError([StatisticsProblem(None, None, "", "ファイルが空です")])

    header_at = _find_header(decoded.rows)
    layout = _Layout.of(*decoded.rows[header_at])
    body = decoded.rows[header_at + 1 :]
    lost_zero_file = any(len(normalise(layout.cell(c, layout.code))) == 6 for _, c in body)
    matcher = _Matcher(layout, entries, lost_zero_file)
    population_title = layout.title(layout.population)
    cards_title = layout.title(layout.cards)

    problems: list[StatisticsProblem] = []
    matched: dict[str, StatisticsRow] = {}
    seen: dict[str, int] = {}  # code -> first line
    skipped_other = skipped_wards = 0
    for line, cells in body:
        if not matcher.in_hokkaido(cells):
            skipped_other += 1
            continue
        if matcher.is_ward(cells):
            skipped_wards += 1
            continue
        row_problems: list[StatisticsProblem] = []
        entry = matcher.entry(line, cells)
        if isinstance(entry, StatisticsProblem):
            row_problems.append(entry)
        elif entry.code in seen:
            row_problems.append(
                StatisticsProblem(
                    line,
                    None,
                    f"{entry.code} {entry.name}",
                    f"は{seen[entry.code]}行目と同じ市町村です（重複）",
                )
            )
        else:
            seen[entry.code] = line

        numbers: list[int] = []
        for col in (layout.population, layout.cards):
            raw = layout.cell(cells, col)
            number = _parse_count(raw)
            if isinstance(number, str):
                row_problems.append(StatisticsProblem(line, layout.title(col), raw, number))
            else:
                numbers.append(number)
        dates: list[date | None] = []
        for date_col in (layout.population_date, layout.cards_date):
            raw = layout.cell(cells, date_col)
            parsed = _parse_date(raw)
            if isinstance(parsed, str):
                row_problems.append(StatisticsProblem(line, layout.title(date_col), raw, parsed))
                dates.append(None)
            else:
                dates.append(parsed)
        if len(numbers) == 2 and numbers[1] > numbers[0]:
            row_problems.append(
                StatisticsProblem(
                    line,
                    None,
                    "",
                    f"{cards_title}（{numbers[1]:,}）が{population_title}（{numbers[0]:,}）"
                    "を上回っています",
                )
            )

        problems.extend(row_problems)
        if row_problems or isinstance(entry, StatisticsProblem):
            continue
        matched[entry.code] = StatisticsRow(
            code=entry.code,
            name=entry.name,
            population=numbers[0],
            cards=numbers[1],
            population_date=dates[0],
            cards_date=dates[1],
            line=line,
        )

    if not problems and not matched:
        problems.append(
            StatisticsProblem(None, None, "", "ファイルに北海道の市町村の行が1件もありません")
        )
    if problems:
        raise StatisticsError(problems)
    rows = tuple(matched[e.code] for e in entries if e.code in matched)
    return StatisticsFile(
        encoding_label=decoded.encoding_label,
        rows=rows,
        unmatched_hokkaido=tuple(f"{e.code} {e.name}" for e in entries if e.code not in matched),
        skipped_other_prefectures=skipped_other,
        skipped_wards=skipped_wards,
        cards_column=layout.cards_column,
        population_dates=tuple(sorted({r.population_date for r in rows if r.population_date})),
        cards_dates=tuple(sorted({r.cards_date for r in rows if r.cards_date})),
    )


def _as_int(value: object) -> int | None:
    """A stored answer as an integer, or None when there is none (or it is not a whole number)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, Decimal):
        return int(value) if value.is_finite() and value == value.to_integral_value() else None
    if isinstance(value, str):
        parsed = _parse_count(value)
        return parsed if isinstance(parsed, int) else None
    return None


def proposals(
    stats: StatisticsFile,
    current: Mapping[str, Mapping[str, object]],
    question_ids: tuple[str, str],
) -> list[Proposal]:
    """One proposal per municipality and question, in registry order. ``question_ids``: the
    questions bound to population and cards held (the round's bindings).

    ``current`` maps a municipality code to {question id: current answer}; a municipality or
    question missing from it has no current answer.
    """
    population_id, cards_id = question_ids
    result: list[Proposal] = []
    for row in stats.rows:
        answers = current.get(row.code, {})
        for question_id, proposed in ((population_id, row.population), (cards_id, row.cards)):
            result.append(
                Proposal(
                    row.code, row.name, question_id, _as_int(answers.get(question_id)), proposed
                )
            )
    return result
