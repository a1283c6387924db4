"""The 総務省 files as they really come (issue #14): .xlsx as well as CSV, totals and
prefecture rows, all-Japan files with 5-digit codes without check digit, 札幌市 as its 10
wards, a file much older than the round's 基準日. Each file is built here, small."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from dx_assess.core.registry.codes import is_valid_code
from dx_assess.core.statistics.model import StatisticsError, staleness_note
from dx_assess.core.statistics.reading import parse_statistics
from dx_assess.core.vocabulary import reference_date, wareki
from tests.web.statistics.test_stats_import import entries, real_parsed, real_rows, to_csv

WARDS = [  # 5-digit code, name, population, cards (made-up figures, summed by hand below)
    ("01101", "中央区", "250000", "150000"),
    ("01102", "北区", "285000", "160000"),
    ("01103", "東区", "265000", "140000"),
    ("01104", "白石区", "212000", "110000"),
    ("01105", "豊平区", "225000", "120000"),
    ("01106", "南区", "134000", "70000"),
    ("01107", "西区", "217000", "115000"),
    ("01108", "厚別区", "125000", "65000"),
    ("01109", "手稲区", "141000", "72000"),
    ("01110", "清田区", "110000", "60000"),
]
# 250000+285000+265000+212000+225000+134000+217000+125000+141000+110000 = 1,964,000
# 150000+160000+140000+110000+120000+70000+115000+65000+72000+60000 = 1,062,000


def workbook(rows: list[list[object]], title: str = "市区町村別") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def hokkaido() -> list[dict[str, str]]:
    return [r for r in real_rows() if r["都道府県名"] == "北海道"]


# --- .xlsx --------------------------------------------------------------------------------


def test_xlsx_with_numbers_as_numbers_and_a_title_row() -> None:
    """Codes, counts and dates as Excel keeps them: 11002 (a number, the zero lost),
    1960668, a date cell; a title row above the header."""
    fields = [
        "団体コード",
        "市区町村名",
        "総数（人口）",
        "交付枚数",
        "人口算出基準日",
        "交付件数基準日",
    ]
    rows: list[list[object]] = [["マイナンバーカード交付状況（令和4年12月末）"], fields]
    for r in hokkaido():
        rows.append(
            [
                int(r["団体コード"]),
                r["市区町村名"],
                int(r["総数（人口）"]),
                float(r["交付枚数"]),
                date(2022, 1, 1),
                "2022/12/31",
            ]
        )
    stats = parse_statistics(workbook(rows), entries())
    assert stats.encoding_label == "Excel（.xlsx）シート「市区町村別」"
    assert stats.rows == tuple(
        r.__class__(**{**r.__dict__, "line": r.line + 1}) for r in real_parsed().rows
    )


def test_xlsx_the_sheet_with_the_header_is_read() -> None:
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "説明"
    first.append(["この資料は総務省の公表資料です"])
    data = book.create_sheet("データ")
    data.append(["団体コード", "市区町村名", "総数（人口）", "交付枚数"])
    data.append(["012025", "函館市", 248106, 130964])
    out = io.BytesIO()
    book.save(out)
    stats = parse_statistics(out.getvalue(), entries())
    assert [(r.code, r.population, r.cards, r.line) for r in stats.rows] == [
        ("012025", 248106, 130964, 2)
    ]
    assert "シート「データ」" in stats.encoding_label


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "古いExcel形式（.xls）"),
        (b"PK\x03\x04 not really a zip", "Excelファイル（.xlsx）として読めません"),
    ],
)
def test_old_xls_and_broken_xlsx_are_refused_clearly(data: bytes, expected: str) -> None:
    with pytest.raises(StatisticsError) as caught:
        parse_statistics(data, entries())
    assert expected in str(caught.value)


# --- all-Japan files with 5-digit codes ---------------------------------------------------


def five_digit_all_japan(as_numbers: bool = False) -> list[dict[str, str]]:
    out = []
    for r in real_rows():
        code = r["団体コード"]
        if code != "<NA>":
            code = code.zfill(6)[:5]
            code = str(int(code)) if as_numbers else code
        out.append(dict(r, 団体コード=code))
    return out


def test_all_japan_five_digit_codes_without_check_digit() -> None:
    """Without 都道府県名, 10201 (群馬県前橋市) is not 010201 with its zero lost: before the
    fix, the five-digit codes 1xxxx of other prefectures whose digits happen to make a valid
    check digit (47 of them) were taken for Hokkaido's: 46 errors such as 「14214」という団体コード
    は北海道の市町村にありません."""
    rows = five_digit_all_japan()
    lookalikes = [
        r["団体コード"]
        for r in rows
        if r["都道府県名"] != "北海道"
        and r["団体コード"][0] == "1"
        and is_valid_code(r["団体コード"].zfill(6))
    ]
    assert {"10201", "14214"} <= set(lookalikes)
    assert len(lookalikes) == 47
    fields = [f for f in rows[0] if f != "都道府県名"]
    stats = parse_statistics(to_csv(rows, fields), entries())
    assert stats.rows == real_parsed().rows
    assert stats.skipped_other_prefectures == 1741 - 179
    assert stats.unmatched_hokkaido == ()


def test_all_japan_five_digit_codes_saved_as_numbers() -> None:
    """01202 saved as a number is 1202; 13101 stays 13101 (千代田区)."""
    rows = five_digit_all_japan(as_numbers=True)
    fields = [f for f in rows[0] if f != "都道府県名"]
    stats = parse_statistics(to_csv(rows, fields), entries())
    assert stats.rows == real_parsed().rows
    assert stats.skipped_other_prefectures == 1741 - 179


def test_all_japan_with_prefecture_column_other_prefectures_are_skipped_not_errors() -> None:
    stats = parse_statistics(to_csv(five_digit_all_japan()), entries())
    assert len(stats.rows) == 179
    assert stats.skipped_other_prefectures == 1741 - 179


# --- totals, 全国 and prefecture rows -----------------------------------------------------


def test_totals_national_and_prefecture_rows_are_skipped_with_a_note() -> None:
    data = (
        "都道府県名,市区町村名,団体コード,総数（人口）,交付枚数\n"
        "全国,,,125416877,69000000\n"  # 2
        "北海道,北海道,010006,5183687,2700000\n"  # 3: the prefecture, by name and code
        "北海道,札幌市,011002,1960668,1113718\n"  # 4
        "北海道,函館市,012025,248106,130964\n"  # 5
        "北海道,（合計）,,2208774,1244682\n"  # 6
        "青森県,,02000,1237984,600000\n"  # 7: a prefecture by its code, another prefecture
        "合計,,,9999999,9999\n"  # 8
    )
    stats = parse_statistics(data.encode("utf-8-sig"), entries())
    assert [r.code for r in stats.rows] == ["011002", "012025"]
    assert stats.skipped_totals == (
        "2行目「全国」",
        "3行目「北海道」",
        "6行目「(合計)」",
        "7行目「青森県」",
        "8行目「合計」",
    )
    note = next(n for n in stats.notes if n.startswith("合計・全国・都道府県の行"))
    assert note.startswith("合計・全国・都道府県の行 5件は市町村の行ではないため使いません: ")
    assert "2行目「全国」" in note


# --- 札幌市 as its 10 wards ---------------------------------------------------------------


def ward_file(wards: list[tuple[str, str, str, str]], encoding: str) -> bytes:
    lines = ["都道府県名,市区町村名,団体コード,総数（人口）,交付枚数,人口算出基準日,交付件数基準日"]
    for code, name, population, cards in wards:
        lines.append(f"北海道,札幌市{name},{code},{population},{cards},2026/01/01,2026/03/31")
    lines.append("北海道,函館市,012025,240000,150000,2026/01/01,2026/03/31")
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.mark.parametrize(
    ("encoding", "label"), [("cp932", "Shift_JIS (CP932)"), ("utf-8-sig", "UTF-8 (BOM付き)")]
)
def test_sapporo_given_as_its_ten_wards_is_summed(encoding: str, label: str) -> None:
    stats = parse_statistics(ward_file(WARDS, encoding), entries())
    assert stats.encoding_label == label
    sapporo, hakodate = stats.rows
    assert (sapporo.code, sapporo.name) == ("011002", "札幌市")
    assert (sapporo.population, sapporo.cards) == (1_964_000, 1_062_000)
    assert (sapporo.population_date, sapporo.cards_date) == (date(2026, 1, 1), date(2026, 3, 31))
    assert sapporo.line == 2
    assert hakodate.code == "012025"
    assert stats.sapporo_from_wards
    assert stats.skipped_wards == 0
    assert any("札幌市の人口と枚数は10区" in n and "の合計です" in n for n in stats.notes)


def test_wards_with_the_city_row_are_skipped_with_a_note() -> None:
    data = ward_file(WARDS, "utf-8").decode() + "北海道,札幌市,011002,1964000,1062000,,\n"
    stats = parse_statistics(data.encode(), entries())
    assert stats.rows[0].population == 1_964_000
    assert not stats.sapporo_from_wards
    assert stats.skipped_wards == 10
    assert "札幌市の区の行 10件は、札幌市全体の行があるため使いません。" in stats.notes


def test_some_wards_missing_is_refused_clearly() -> None:
    with pytest.raises(StatisticsError) as caught:
        parse_statistics(ward_file(WARDS[:8], "cp932"), entries())
    assert [str(p) for p in caught.value.problems] == [
        "2行目: 札幌市全体の行がなく、区の行が10区のうち8区だけです（ない区: 手稲区、清田区）。"
        "札幌市全体の行を入れるか、10区すべての行を入れてください"
    ]


def test_a_ward_twice_is_refused() -> None:
    with pytest.raises(StatisticsError) as caught:
        parse_statistics(ward_file([*WARDS, WARDS[0]], "utf-8"), entries())
    assert [str(p) for p in caught.value.problems] == [
        "12行目: 「札幌市中央区」は2行目と同じ区です（重複）"
    ]


# --- dates against the round's 基準日, and the wording ------------------------------------


def test_round_reference_date_and_wareki() -> None:
    assert reference_date(2026) == date(2026, 4, 1)
    assert wareki(date(2026, 12, 1)) == "令和8年12月1日"
    assert wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki(date(2019, 4, 30)) == "平成31年4月30日"
    assert wareki(date(1989, 1, 8)) == "平成元年1月8日"


def test_a_file_more_than_a_year_older_than_the_reference_date_is_warned() -> None:
    stats = real_parsed()  # 人口 2022-01-01, cards 2022-12-31: the later one is the file's date
    assert staleness_note(stats, date(2023, 12, 31)) is None  # exactly a year: no warning
    assert staleness_note(stats, date(2024, 1, 1)) == (
        "注意: このファイルの基準日（令和4年12月31日）は、調査回の基準日（令和6年1月1日）より"
        "1年以上前です。新しい統計がないか確認してください。"
    )
    undated = parse_statistics(
        "団体コード,市区町村名,総数（人口）,交付枚数\n012025,函館市,248106,130964\n".encode(),
        entries(),
    )
    assert staleness_note(undated, date(2026, 4, 1)) is None


def test_issued_cards_note_speaks_of_the_prefecture_as_do() -> None:
    notes = real_parsed().notes
    assert any("道で判断してください" in n for n in notes)
    assert not any("県で判断" in n for n in notes)
