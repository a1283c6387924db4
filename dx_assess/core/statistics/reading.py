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

from dx_assess.core.messages import N_, message_of
from dx_assess.core.registry.supported_list import RegistryEntry, normalise
from dx_assess.core.statistics.layout import Layout, find_header, looks_like_header
from dx_assess.core.statistics.matching import SAPPORO, SAPPORO_WARDS, Matcher
from dx_assess.core.statistics.model import (
    StatisticsError,
    StatisticsFile,
    StatisticsProblem,
    StatisticsRow,
)
from dx_assess.core.statistics.workbook import TableReadError, read_table

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
        return N_("値がありません")
    if _INTEGER.fullmatch(value):
        return int(value.split(".")[0])
    if _NEGATIVE.fullmatch(value):
        return N_("は0以上の数でなければなりません")
    if _DECIMAL.fullmatch(value):
        return N_("は整数ではありません")
    return N_("は数値ではありません")


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
        return N_("は正しい日付ではありません")
    return N_("は日付として読めません（例: 2022/12/31）")


def parse_statistics(data: bytes, entries: Sequence[RegistryEntry]) -> StatisticsFile:
    """Match the Hokkaido rows of a 総務省 My Number card CSV to the registry.

    Raises StatisticsError listing every problem: bad encoding; missing required columns
    (named, with the columns found); a Hokkaido row whose code or name matches no registry
    entry; code and name that disagree; numbers that are not non-negative integers; cards
    more than the population; the same municipality twice; no Hokkaido row at all.
    """
    try:
        decoded = read_table(data, looks_like_header)
    except TableReadError as exc:
        raise StatisticsError([StatisticsProblem(None, None, "", message_of(exc))]) from exc
    if not decoded.rows:
        raise StatisticsError([StatisticsProblem(None, None, "", N_("ファイルが空です"))])

    header_at = find_header(decoded.rows)
    layout = Layout.of(*decoded.rows[header_at])
    body = decoded.rows[header_at + 1 :]
    matcher = Matcher(layout, entries, body)

    problems: list[StatisticsProblem] = []
    matched: dict[str, StatisticsRow] = {}
    seen: dict[str, int] = {}  # code -> first line
    skipped_other = 0
    totals: list[str] = []
    wards: dict[str, tuple[int, list[str]]] = {}  # ward code -> (line, cells)
    ward_problems: list[StatisticsProblem] = []
    for line, cells in body:
        if (total := matcher.total_row(cells)) is not None:
            totals.append(f"{line}行目「{total}」")
            continue
        if not matcher.in_hokkaido(cells):
            skipped_other += 1
            continue
        if (ward := matcher.ward(cells)) is not None:
            if ward in wards:
                ward_problems.append(
                    StatisticsProblem(
                        line,
                        None,
                        f"札幌市{SAPPORO_WARDS[ward]}",
                        f"は{wards[ward][0]}行目と同じ区です（重複）",
                    )
                )
            else:
                wards[ward] = (line, cells)
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
        row = _read_row(line, cells, layout, row_problems)

        problems.extend(row_problems)
        if row_problems or isinstance(entry, StatisticsProblem) or row is None:
            continue
        matched[entry.code] = StatisticsRow(entry.code, entry.name, *row)

    sapporo = next((e for e in entries if e.name == SAPPORO), None)
    from_wards = False
    problems.extend(ward_problems)
    if wards and sapporo is not None and sapporo.code not in matched and not ward_problems:
        summed = _sum_wards(wards, layout, sapporo, problems)
        if summed is not None:
            matched[sapporo.code] = summed
            from_wards = True

    if not problems and not matched:
        problems.append(
            StatisticsProblem(None, None, "", N_("ファイルに北海道の市町村の行が1件もありません"))
        )
    if problems:
        raise StatisticsError(problems)
    rows = tuple(matched[e.code] for e in entries if e.code in matched)
    return StatisticsFile(
        encoding_label=decoded.encoding_label,
        rows=rows,
        unmatched_hokkaido=tuple(f"{e.code} {e.name}" for e in entries if e.code not in matched),
        skipped_other_prefectures=skipped_other,
        skipped_wards=0 if from_wards else len(wards),
        cards_column=layout.cards_column,
        population_dates=tuple(sorted({r.population_date for r in rows if r.population_date})),
        cards_dates=tuple(sorted({r.cards_date for r in rows if r.cards_date})),
        skipped_totals=tuple(totals),
        sapporo_from_wards=from_wards,
    )


_RowFigures = tuple[int, int, date | None, date | None, int]


def _read_row(
    line: int, cells: list[str], layout: Layout, problems: list[StatisticsProblem]
) -> _RowFigures | None:
    """A row's population, cards and dates (with its line), or None when a problem was added."""
    before = len(problems)
    population_title = layout.title(layout.population)
    cards_title = layout.title(layout.cards)
    numbers: list[int] = []
    for col in (layout.population, layout.cards):
        raw = layout.cell(cells, col)
        number = parse_count(raw)
        if isinstance(number, str):
            problems.append(StatisticsProblem(line, layout.title(col), raw, number))
        else:
            numbers.append(number)
    dates: list[date | None] = []
    for date_col in (layout.population_date, layout.cards_date):
        raw = layout.cell(cells, date_col)
        parsed = parse_date(raw)
        if isinstance(parsed, str):
            problems.append(StatisticsProblem(line, layout.title(date_col), raw, parsed))
            dates.append(None)
        else:
            dates.append(parsed)
    if len(numbers) == 2 and numbers[1] > numbers[0]:
        problems.append(
            StatisticsProblem(
                line,
                None,
                "",
                N_(
                    "%(cards)s（%(n_cards)s）が%(population)s（%(n_population)s）を上回っています",
                    cards=cards_title,
                    n_cards=f"{numbers[1]:,}",
                    population=population_title,
                    n_population=f"{numbers[0]:,}",
                ),
            )
        )
    if len(problems) > before or len(numbers) != 2:
        return None
    return numbers[0], numbers[1], dates[0], dates[1], line


def _sum_wards(
    wards: dict[str, tuple[int, list[str]]],
    layout: Layout,
    sapporo: RegistryEntry,
    problems: list[StatisticsProblem],
) -> StatisticsRow | None:
    """札幌市 as the sum of its 10 wards, or None (with a problem) when some are missing or
    their figures or dates cannot be summed."""
    missing = [name for code, name in SAPPORO_WARDS.items() if code not in wards]
    first_line = min(line for line, _ in wards.values())
    if missing:
        problems.append(
            StatisticsProblem(
                first_line,
                None,
                "",
                f"札幌市全体の行がなく、区の行が10区のうち{len(wards)}区だけです"
                f"（ない区: {'、'.join(missing)}）。札幌市全体の行を入れるか、"
                "10区すべての行を入れてください",
            )
        )
        return None
    read = [_read_row(*wards[code], layout, problems) for code in SAPPORO_WARDS]
    figures = [row for row in read if row is not None]
    if len(figures) != len(read):
        return None
    population_dates = {f[2] for f in figures}
    cards_dates = {f[3] for f in figures}
    if len(population_dates) > 1 or len(cards_dates) > 1:
        problems.append(
            StatisticsProblem(
                first_line,
                None,
                "",
                "札幌市の区の行で基準日が区ごとに異なるため、札幌市として合計できません",
            )
        )
        return None
    return StatisticsRow(
        code=sapporo.code,
        name=sapporo.name,
        population=sum(f[0] for f in figures),
        cards=sum(f[1] for f in figures),
        population_date=figures[0][2],
        cards_date=figures[0][3],
        line=first_line,
    )
