"""Statistics import: the 総務省 My Number card CSV matched to the 179 municipalities."""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import cache
from importlib import resources

import pytest

from dx_assess.core.registry.files import read_registry
from dx_assess.core.registry.supported_list import RegistryEntry
from dx_assess.core.statistics.model import StatisticsError, StatisticsFile, StatisticsProblem
from dx_assess.core.statistics.proposals import Proposal, proposals
from dx_assess.core.statistics.reading import parse_statistics
from tests.support.purity import forbidden_loaded

REAL_FILE = "mynumbercard_all_localgovs_20221231.csv"
HEADER = (
    "算出基準日,都道府県名,市区町村名,総数（人口）,交付枚数,人口に対する交付枚数率,"
    "人口算出基準日,交付件数基準日,団体コード"
)


@cache
def entries() -> tuple[RegistryEntry, ...]:
    _, municipalities = read_registry()
    return tuple(RegistryEntry(m.code, m.name, m.county) for m in municipalities)


@cache
def real_bytes() -> bytes:
    return (resources.files("dx_assess") / "data" / "statistics" / REAL_FILE).read_bytes()


@cache
def real_parsed() -> StatisticsFile:
    return parse_statistics(real_bytes(), entries())


def real_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(real_bytes().decode("utf-8-sig"))))


def to_csv(rows: list[dict[str, str]], fields: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields or list(rows[0]), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def hokkaido_rows() -> list[dict[str, str]]:
    return [r for r in real_rows() if r["都道府県名"] == "北海道"]


def problems_of(data: str | bytes) -> list[str]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with pytest.raises(StatisticsError) as caught:
        parse_statistics(raw, entries())
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)
    return [str(p) for p in caught.value.problems]


def line(pref: str, name: str, population: str, cards: str, code: str) -> str:
    return f'2022/12/31,{pref},{name},"{population}","{cards}",0,2022/01/01,2022/12/31,{code}'


def small_file(*lines: str) -> str:
    return "\n".join((HEADER, *lines)) + "\n"


# --- the real file -----------------------------------------------------------------------


def test_real_file_matches_all_179_municipalities() -> None:
    stats = real_parsed()
    assert len(entries()) == 179
    assert len(stats.rows) == 179
    assert stats.unmatched_hokkaido == ()
    assert [r.code for r in stats.rows] == [e.code for e in entries()]
    assert [r.name for r in stats.rows] == [e.name for e in entries()]
    assert sum(r.population for r in stats.rows) == 5_183_687
    assert sum(r.cards for r in stats.rows) == 2_888_648
    sapporo = stats.rows[0]
    assert (sapporo.code, sapporo.name, sapporo.population, sapporo.cards) == (
        "011002",
        "札幌市",
        1_960_668,
        1_113_718,
    )
    assert sapporo.line == 2
    assert stats.skipped_other_prefectures == 1741 - 179
    assert stats.skipped_wards == 0
    assert stats.encoding_label == "UTF-8 (BOM付き)"


def test_real_file_reference_dates_and_notes() -> None:
    stats = real_parsed()
    assert {(r.population_date, r.cards_date) for r in stats.rows} == {
        (date(2022, 1, 1), date(2022, 12, 31))
    }
    assert stats.population_dates == (date(2022, 1, 1),)
    assert stats.cards_dates == (date(2022, 12, 31),)
    assert stats.cards_column == "交付枚数"
    notes = stats.notes
    assert notes[0] == "人口の基準日: 令和4年1月1日"
    assert notes[1] == "枚数（交付枚数）の基準日: 令和4年12月31日"
    assert any("「保有枚数」" in n and "道で判断" in n for n in notes)
    assert any("基準日が異なります" in n for n in notes)


def test_real_file_names_carry_the_county() -> None:
    """The file names 144 towns and villages with their 郡; the match does not depend on it."""
    with_county = [r["市区町村名"] for r in hokkaido_rows() if "郡" in r["市区町村名"]]
    assert len(with_county) == 144
    assert "石狩郡当別町" in with_county


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("cp932", "Shift_JIS (CP932)"), ("shift_jis", "Shift_JIS (CP932)"), ("utf-8", "UTF-8")],
)
def test_real_file_in_other_encodings(encoding: str, label: str) -> None:
    text = real_bytes().decode("utf-8-sig")
    stats = parse_statistics(text.encode(encoding), entries())
    assert stats.encoding_label == label
    assert stats.rows == real_parsed().rows
    assert stats.skipped_other_prefectures == real_parsed().skipped_other_prefectures


def test_real_file_with_crlf_line_endings() -> None:
    text = real_bytes().decode("utf-8-sig").replace("\n", "\r\n")
    assert parse_statistics(text.encode("cp932"), entries()).rows == real_parsed().rows


# --- codes and names in other forms ------------------------------------------------------


@pytest.mark.parametrize(
    "form", [lambda c: c.zfill(6), lambda c: c.zfill(6)[:5], lambda c: "０" + c.zfill(6)[1:]]
)
def test_codes_with_their_zeros(form: object) -> None:
    """6 digits with the leading zero, the 5-digit code, full-width digits."""
    assert callable(form)
    rows = [dict(r, 団体コード=form(r["団体コード"])) for r in hokkaido_rows()]
    stats = parse_statistics(to_csv(rows), entries())
    assert [r.code for r in stats.rows] == [e.code for e in entries()]
    assert [(r.population, r.cards) for r in stats.rows] == [
        (r.population, r.cards) for r in real_parsed().rows
    ]


def test_empty_codes_are_matched_by_name_with_and_without_the_county() -> None:
    names = {e.code: e.name for e in entries()}
    rows = []
    for i, r in enumerate(hokkaido_rows()):
        name = r["市区町村名"] if i % 2 else names[r["団体コード"].zfill(6)]  # 郡 on every other
        rows.append(dict(r, 団体コード="", 市区町村名=name))
    assert any("郡" in r["市区町村名"] for r in rows)
    assert any(r["市区町村名"] == "当別町" for r in rows) or any(
        r["市区町村名"] == "石狩郡当別町" for r in rows
    )
    stats = parse_statistics(to_csv(rows), entries())
    assert stats.rows == real_parsed().rows


def test_file_without_a_code_column_is_matched_by_name() -> None:
    fields = ["市区町村名", "総数（人口）", "交付枚数"]
    stats = parse_statistics(to_csv(hokkaido_rows(), fields), entries())
    assert [(r.code, r.population, r.cards) for r in stats.rows] == [
        (r.code, r.population, r.cards) for r in real_parsed().rows
    ]
    assert (stats.population_dates, stats.cards_dates) == ((), ())
    assert stats.notes[0] == "人口の基準日: ファイルに書かれていません"


def test_all_japan_without_the_prefecture_column_uses_the_codes() -> None:
    """Hokkaido is told by code (01…, including 1xxxx that lost its zero)."""
    fields = [f for f in real_rows()[0] if f != "都道府県名"]
    stats = parse_statistics(to_csv(real_rows(), fields), entries())
    assert stats.rows == real_parsed().rows
    assert stats.skipped_other_prefectures == 1741 - 179


def test_prefecture_by_code_without_prefecture_column() -> None:
    data = (
        "団体コード,市区町村名,総数（人口）,交付枚数\n"
        "12025,函館市,248106,130964\n"  # lost zero (check digit fits)
        "13101,千代田区,66680,40000\n"  # Tokyo's 5-digit code
        "01203,小樽市,110426,56150\n"  # Hokkaido's 5-digit code
        "<NA>,三宅村,2362,1329\n"  # no code, and the name is not in Hokkaido
    )
    stats = parse_statistics(data.encode(), entries())
    assert [r.code for r in stats.rows] == ["012025", "012033"]
    assert stats.skipped_other_prefectures == 2
    assert len(stats.unmatched_hokkaido) == 177
    assert "011002 札幌市" in stats.unmatched_hokkaido
    assert any("ファイルにない北海道の市町村が177件" in n for n in stats.notes)


def test_tolerant_headers_numbers_and_dates() -> None:
    data = (
        " 都道府県名 ,市区町村名, 総数(人口) ,交付枚数,人口算出基準日,交付件数基準日,"
        "団体コード\n"
        '北海道,札幌市,"1,960,668",１１１３７１８,2022-01-01,2022年12月31日,011002\n'
        '北 海 道,函館市, 248106 ,"130,964",令和4年1月1日,2022/12/31 0:00:00,12025\n'
    )
    stats = parse_statistics(data.encode("cp932"), entries())
    assert [(r.code, r.population, r.cards) for r in stats.rows] == [
        ("011002", 1_960_668, 1_113_718),
        ("012025", 248_106, 130_964),
    ]
    assert stats.population_dates == (date(2022, 1, 1),)
    assert stats.cards_dates == (date(2022, 12, 31),)


def test_title_rows_before_the_header_are_skipped() -> None:
    data = "マイナンバーカード交付状況,,\n令和4年12月末時点,,\n" + small_file(
        line("北海道", "札幌市", "1960668", "1113718", "11002")
    )
    stats = parse_statistics(data.encode(), entries())
    assert [(r.code, r.line) for r in stats.rows] == [("011002", 4)]


def test_cards_held_column_is_preferred_and_noted() -> None:
    data = (
        "団体コード,市区町村名,総数（人口）,交付枚数,保有枚数\n"
        "011002,札幌市,1960668,1300000,1200000\n"
    )
    stats = parse_statistics(data.encode(), entries())
    assert stats.rows[0].cards == 1_200_000
    assert stats.cards_column == "保有枚数"
    assert not any("道で判断" in n for n in stats.notes)


def test_no_code_marker_falls_back_to_the_name() -> None:
    data = small_file(
        line("北海道", "石狩郡当別町", "15445", "7677", "<NA>"),
        line("北海道", "函館市", "248106", "130964", "-"),
    )
    stats = parse_statistics(data.encode(), entries())
    assert [r.code for r in stats.rows] == ["012025", "013030"]


def test_real_file_has_two_tokyo_rows_without_a_code() -> None:
    assert [r["市区町村名"] for r in real_rows() if r["団体コード"] == "<NA>"] == [
        "三宅村",
        "八丈町",
    ]


def test_sapporo_wards_are_skipped_and_counted() -> None:
    data = small_file(
        line("北海道", "札幌市", "1960668", "1113718", "11002"),
        line("北海道", "札幌市中央区", "248680", "140000", "11011"),
        line("北海道", "札幌市北区", "285321", "160000", ""),
        line("北海道", "北海道札幌市清田区", "110000", "60000", "011100"),
        line("北海道", "函館市", "248106", "130964", "12025"),
    )
    stats = parse_statistics(data.encode(), entries())
    assert [r.code for r in stats.rows] == ["011002", "012025"]
    assert stats.skipped_wards == 3


# --- broken files ------------------------------------------------------------------------


def test_missing_column_names_the_columns_found() -> None:
    data = "都道府県名,市区町村名,総数（人口）,団体コード\n北海道,札幌市,1960668,11002\n"
    assert problems_of(data) == [
        "1行目: 必要な列 「交付枚数」または「保有枚数」 がありません"
        "（見つかった列: 「都道府県名」「市区町村名」「総数（人口）」「団体コード」）"
    ]


def test_all_required_columns_missing() -> None:
    assert problems_of("都道府県名,人口に対する交付枚数率\n北海道,56.8\n") == [
        "1行目: 必要な列 「団体コード」または「市区町村名」、「総数（人口）」、"
        "「交付枚数」または「保有枚数」 がありません"
        "（見つかった列: 「都道府県名」「人口に対する交付枚数率」）"
    ]


@pytest.mark.parametrize(
    ("population", "cards", "expected"),
    [
        ("abc", "1", "2行目 「総数（人口）」: 「abc」は数値ではありません"),
        ("", "1", "2行目 「総数（人口）」: 値がありません"),
        ("-5", "1", "2行目 「総数（人口）」: 「-5」は0以上の数でなければなりません"),
        ("100", "1.5", "2行目 「交付枚数」: 「1.5」は整数ではありません"),
        ("100", "１０１", "2行目: 交付枚数（101）が総数（人口）（100）を上回っています"),
    ],
)
def test_bad_numbers(population: str, cards: str, expected: str) -> None:
    data = small_file(line("北海道", "札幌市", population, cards, "11002"))
    assert problems_of(data) == [expected]


def test_other_prefectures_are_not_checked() -> None:
    data = small_file(
        line("東京都", "千代田区", "abc", "1", "131016"),
        line("北海道", "札幌市", "1960668", "1113718", "11002"),
    )
    stats = parse_statistics(data.encode(), entries())
    assert (len(stats.rows), stats.skipped_other_prefectures) == (1, 1)


@pytest.mark.parametrize(
    ("name", "code", "expected"),
    [
        (
            "札幌市",
            "19990",
            "2行目 「団体コード」: 「19990」という団体コードは北海道の市町村にありません",
        ),
        (
            "千代田区",
            "131016",
            "2行目 「団体コード」: 「131016」という団体コードは北海道の市町村にありません",
        ),
        (
            "函館市",
            "012026",
            "2行目 「団体コード」: 「012026」は検査数字（6桁目）が正しくありません",
        ),
        (
            "函館市",
            "1x",
            "2行目 「団体コード」: 「1x」は団体コードの形（6桁または5桁の数字）ではありません",
        ),
        ("函館町", "", "2行目 「市区町村名」: 「函館町」という名前の市町村は北海道にありません"),
        ("", "", "2行目: 団体コードも市区町村名も空です"),
        (
            "小樽市",
            "12025",
            "2行目: 「12025 小樽市」：団体コード 012025 は函館市で、市区町村名と一致しません",
        ),
        (
            "上川郡当別町",
            "13030",
            "2行目: 「13030 上川郡当別町」：団体コード 013030 は当別町で、市区町村名と一致しません",
        ),
    ],
)
def test_unknown_or_disagreeing_municipality(name: str, code: str, expected: str) -> None:
    assert problems_of(small_file(line("北海道", name, "1000", "10", code))) == [expected]


def test_duplicate_municipality() -> None:
    data = small_file(
        line("北海道", "札幌市", "1960668", "1113718", "11002"),
        line("北海道", "函館市", "248106", "130964", "12025"),
        line("北海道", "札幌市", "1960668", "1113718", ""),
    )
    assert problems_of(data) == ["4行目: 「011002 札幌市」は2行目と同じ市町村です（重複）"]


def test_bad_date() -> None:
    data = (
        "団体コード,総数（人口）,交付枚数,人口算出基準日,交付件数基準日\n"
        "11002,1960668,1113718,2022/13/01,昨日\n"
    )
    assert problems_of(data) == [
        "2行目 「人口算出基準日」: 「2022/13/01」は正しい日付ではありません",
        "2行目 「交付件数基準日」: 「昨日」は日付として読めません（例: 2022/12/31）",
    ]


def test_several_problems_are_reported_together() -> None:
    data = small_file(
        line("北海道", "札幌市", "1960668", "1113718", "11002"),
        line("北海道", "函館市", "abc", "130964", "12025"),
        line("東京都", "千代田区", "66680", "40000", "131016"),
        line("北海道", "小樽市", "100", "200", "12041"),
        line("北海道", "札幌市", "1960668", "1113718", "11002"),
    )
    assert problems_of(data) == [
        "3行目 「総数（人口）」: 「abc」は数値ではありません",
        "5行目: 「12041 小樽市」：団体コード 012041 は旭川市で、市区町村名と一致しません",
        "5行目: 交付枚数（200）が総数（人口）（100）を上回っています",
        "6行目: 「011002 札幌市」は2行目と同じ市町村です（重複）",
    ]


def test_problem_lines_count_physical_lines_of_the_real_file() -> None:
    text = real_bytes().decode("utf-8-sig").replace(",1960668,", ",百万,", 1)
    assert problems_of(text.encode("cp932")) == [
        "2行目 「総数（人口）」: 「百万」は数値ではありません"
    ]


@pytest.mark.parametrize("data", [b"\x80\xff\xfe\x00abc", "札幌市".encode("utf-16")])
def test_undecodable_bytes(data: bytes) -> None:
    (message,) = problems_of(data)
    assert message.startswith("文字コードを判別できません")
    assert "Shift_JIS" in message


@pytest.mark.parametrize("data", [b"", b"\n\r\n", "\ufeff".encode()])
def test_empty_file(data: bytes) -> None:
    assert problems_of(data) == ["ファイルが空です"]


@pytest.mark.parametrize(
    "data",
    [
        HEADER + "\n",
        small_file(line("東京都", "千代田区", "66680", "40000", "131016")),
    ],
)
def test_no_hokkaido_rows(data: str) -> None:
    assert problems_of(data) == ["ファイルに北海道の市町村の行が1件もありません"]


def test_problem_text_without_line_or_column() -> None:
    assert str(StatisticsProblem(None, None, "", "ファイルが空です")) == "ファイルが空です"
    assert str(StatisticsProblem(3, None, "x", "は変です")) == "3行目: 「x」は変です"
    assert str(StatisticsProblem(None, "人口", "x", "は変です")) == "「人口」: 「x」は変です"


# --- proposals ---------------------------------------------------------------------------


def test_proposals_mark_unchanged_and_changed_values() -> None:
    stats = real_parsed()
    current: dict[str, dict[str, object]] = {
        "011002": {"basic_population": 1_960_668, "mnc_cards_held": 1_000_000},
        "012025": {"basic_population": 248_106.0},  # JSON may give a float
        "012033": {"basic_population": None, "mnc_cards_held": "56150"},
        "012041": {"basic_population": True, "mnc_cards_held": 173_022.5},
    }
    result = proposals(stats, current, ("basic_population", "mnc_cards_held"))
    assert len(result) == 2 * 179
    assert [(p.code, p.question_id) for p in result[:4]] == [
        ("011002", "basic_population"),
        ("011002", "mnc_cards_held"),
        ("012025", "basic_population"),
        ("012025", "mnc_cards_held"),
    ]
    by_key = {(p.code, p.question_id): p for p in result}
    assert by_key["011002", "basic_population"] == Proposal(
        "011002", "札幌市", "basic_population", 1_960_668, 1_960_668
    )
    assert not by_key["011002", "basic_population"].changes
    assert by_key["011002", "mnc_cards_held"].changes
    assert by_key["011002", "mnc_cards_held"].proposed == 1_113_718
    assert not by_key["012025", "basic_population"].changes
    assert by_key["012025", "mnc_cards_held"].current is None
    assert by_key["012025", "mnc_cards_held"].changes
    assert by_key["012033", "basic_population"].changes
    assert not by_key["012033", "mnc_cards_held"].changes
    assert by_key["012041", "basic_population"].current is None
    assert by_key["012041", "mnc_cards_held"].current is None
    unchanged = [p for p in result if not p.changes]
    assert len(unchanged) == 3


def test_proposals_with_other_question_ids() -> None:
    stats = parse_statistics(
        small_file(line("北海道", "札幌市", "1960668", "1113718", "11002")).encode(), entries()
    )
    result = proposals(stats, {}, ("population", "cards_issued"))
    assert [(p.question_id, p.current, p.proposed, p.changes) for p in result] == [
        ("population", None, 1_960_668, True),
        ("cards_issued", None, 1_113_718, True),
    ]


# --- the shipped copy and purity ---------------------------------------------------------


def test_shipped_copy_is_the_verified_file() -> None:
    import hashlib

    assert (
        hashlib.sha256(real_bytes()).hexdigest()
        == "d10c8f35fb65dfdf14cf43cf96fca1436cca9e7f48333df171f82e79b35f1674"
    )


def test_module_imports_without_flask_or_sqlalchemy() -> None:
    assert forbidden_loaded("import dx_assess.core.statistics.reading") == []
