"""Loading the 179 municipalities and 14 振興局 from the CSVs shipped in the package."""

from __future__ import annotations

import csv
from collections import Counter
from importlib import resources

from sqlalchemy import func, select

from dx_assess.core.registry.codes import check_digit, is_valid_code
from dx_assess.extensions import db
from dx_assess.models import Municipality, Subprefecture
from dx_assess.services.registry import load_registry

# Counts per 振興局 as verified independently in shared/data/SOURCES.md (three sources agree).
EXPECTED_PER_SUBPREFECTURE = {
    "空知": 24,
    "石狩": 8,
    "後志": 20,
    "胆振": 11,
    "日高": 7,
    "渡島": 11,
    "檜山": 7,
    "上川": 23,
    "留萌": 8,
    "宗谷": 10,
    "オホーツク": 18,
    "十勝": 19,
    "釧路": 8,
    "根室": 5,
}


def test_loads_all_179_municipalities_with_kinds(registry: None) -> None:
    kinds = dict(
        db.session.execute(
            select(Municipality.kind, func.count()).group_by(Municipality.kind)
        ).all()
    )
    assert kinds == {"市": 35, "町": 129, "村": 15}


def test_loads_14_subprefectures_with_their_municipality_counts(registry: None) -> None:
    rows = db.session.execute(
        select(Subprefecture.order, Subprefecture.short_name, func.count(Municipality.id))
        .join(Municipality.subprefecture)
        .group_by(Subprefecture.order, Subprefecture.short_name)
        .order_by(Subprefecture.order)
    ).all()
    assert [(name, n) for _, name, n in rows] == list(EXPECTED_PER_SUBPREFECTURE.items())
    assert [order for order, _, _ in rows] == list(range(1, 15))


def test_every_code_has_a_correct_check_digit(registry: None) -> None:
    codes = db.session.scalars(select(Municipality.code)).all()
    assert len(codes) == 179
    for code in codes:
        digits = [int(d) for d in code[:5]]
        total = sum(d * w for d, w in zip(digits, (6, 5, 4, 3, 2), strict=True))
        assert int(code[5]) == (11 - total % 11) % 10, code
        assert is_valid_code(code)


def test_check_digit_of_known_codes() -> None:
    # 札幌市 011002: 0*6+1*5+1*4+0*3+0*2 = 9; 11-9 = 2.
    assert check_digit("01100") == 2
    # 函館市 012025: 0+5+8+0+4 = 17; 17 mod 11 = 6; 11-6 = 5.
    assert check_digit("01202") == 5
    assert not is_valid_code("012024")
    assert not is_valid_code("01202")
    assert not is_valid_code("０１２０２５")


def test_population_and_reference_date_come_with_the_registry(registry: None) -> None:
    sapporo = db.session.scalar(select(Municipality).where(Municipality.code == "011002"))
    assert sapporo is not None
    assert (sapporo.name, sapporo.kind, sapporo.county) == ("札幌市", "市", None)
    assert sapporo.population == 1960668
    assert sapporo.population_date is not None
    assert sapporo.population_date.isoformat() == "2022-01-01"
    assert sapporo.subprefecture.name == "石狩振興局"
    total = db.session.scalar(select(func.sum(Municipality.population)))
    assert total == 5_183_687  # 住基人口 of Hokkaido, 2022-01-01 (SOURCES.md)


def test_second_run_changes_nothing_and_says_so(registry: None) -> None:
    report = load_registry(db.session)
    assert not report.changed
    assert report.municipalities_added == []
    assert report.municipalities_updated == []
    assert "変更はありません" in report.lines()[0]
    assert db.session.scalar(select(func.count(Municipality.id))) == 179


def test_rerun_repairs_a_changed_row_and_reports_it(registry: None) -> None:
    hakodate = db.session.scalar(select(Municipality).where(Municipality.code == "012025"))
    assert hakodate is not None
    hakodate.population = 1
    db.session.commit()
    report = load_registry(db.session)
    db.session.commit()
    assert report.changed
    assert report.municipalities_updated == ["012025 函館市: population: 1 → 248106"]
    assert hakodate.population == 248106


def test_rerun_keeps_the_support_flag(registry: None) -> None:
    town = db.session.scalar(select(Municipality).where(Municipality.code == "014630"))
    assert town is not None
    town.supported = True
    db.session.commit()
    assert not load_registry(db.session).changed
    assert town.supported


def test_shipped_file_has_a_credit_line() -> None:
    sources = (resources.files("dx_assess") / "data" / "registry" / "SOURCES.md").read_text("utf-8")
    assert "国土数値情報" in sources
    assert "総務省" in sources


def test_shipped_csv_is_the_verified_copy() -> None:
    text = resources.files("dx_assess") / "data" / "registry" / "hokkaido_municipalities.csv"
    rows = list(csv.DictReader(text.read_text("utf-8").splitlines()))
    assert len(rows) == 179
    assert Counter(r["subprefecture_short"] for r in rows) == EXPECTED_PER_SUBPREFECTURE
