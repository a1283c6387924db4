"""Statistics import: population and My Number cards from the 総務省 CSV. Pure: no database.

The prefecture uploads 総務省「マイナンバーカード交付状況について」 as a CSV (the format
published by codeforjapan/mynumbercard_statistics: 算出基準日, 都道府県名, 市区町村名,
総数（人口）, 交付枚数, 人口に対する交付枚数率, 人口算出基準日, 交付件数基準日, 団体コード).
``parse_statistics`` finds the columns (:mod:`.layout`), keeps the Hokkaido rows and matches
each to a registry municipality (:mod:`.matching`; wards of 札幌市 are skipped and counted),
and reads and checks each row's counts and dates here. It returns a
:class:`~.model.StatisticsFile` or raises :class:`~.model.StatisticsError` listing every
problem; :mod:`.proposals` turns the result into proposed answers for the review screen.

UTF-8, UTF-8 with a BOM and Shift_JIS/CP932 are accepted (see dx_assess.core.csvio).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date

from dx_assess.core.csvio import CsvDecodeError, read_csv
from dx_assess.core.registry.supported_list import RegistryEntry, normalise
from dx_assess.core.statistics.layout import Layout, find_header
from dx_assess.core.statistics.matching import Matcher
from dx_assess.core.statistics.model import (
    StatisticsError,
    StatisticsFile,
    StatisticsProblem,
    StatisticsRow,
)

_INTEGER = re.compile(r"\d+(\.0*)?")
_NEGATIVE = re.compile(r"-\d+(\.\d*)?")
_DECIMAL = re.compile(r"\d*\.\d+")
_DATE = re.compile(r"(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_ERA_DATE = re.compile(r"(令和|平成)(\d{1,2}|元)年(\d{1,2})月(\d{1,2})日")
_ERA_START = {"令和": 2018, "平成": 1988}


def parse_count(raw: str) -> int | str:
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


def parse_date(raw: str) -> date | str | None:
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

    header_at = find_header(decoded.rows)
    layout = Layout.of(*decoded.rows[header_at])
    body = decoded.rows[header_at + 1 :]
    lost_zero_file = any(len(normalise(layout.cell(c, layout.code))) == 6 for _, c in body)
    matcher = Matcher(layout, entries, lost_zero_file)
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
            number = parse_count(raw)
            if isinstance(number, str):
                row_problems.append(StatisticsProblem(line, layout.title(col), raw, number))
            else:
                numbers.append(number)
        dates: list[date | None] = []
        for date_col in (layout.population_date, layout.cards_date):
            raw = layout.cell(cells, date_col)
            parsed = parse_date(raw)
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
