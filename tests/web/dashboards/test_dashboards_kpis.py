"""The plan KPIs against values computed by hand for the fixed round of dashboard_data.py."""

from __future__ import annotations

import dataclasses

import pytest

from dx_assess.core.dashboards.kpis import (
    MYNUMBER_RATE,
    ONLINE_SHARE,
    OPENDATA_COUNT,
    OVERALL_LABEL,
    STANDARD_SHARE,
    STANDARD_SYSTEMS_SHARE,
    KpiTable,
    compute_kpis,
)
from dx_assess.core.results import RoundResults
from dx_assess.core.scoring.peers import SUBPREFECTURES
from tests.support.rounds import fixed_round


@pytest.fixture(scope="module")
def results() -> RoundResults:
    return fixed_round()


@pytest.fixture(scope="module")
def table(results: RoundResults) -> KpiTable:
    return compute_kpis(results)


def cell(table: KpiTable, region: str, kpi: str) -> tuple[float | None, float, float, int]:
    row = table.region(region)
    assert row is not None
    v = row.value(kpi)
    return (None if v.value is None else round(v.value, 6), v.numerator, v.denominator, v.n)


def test_rows_are_the_14_subprefectures_in_order_then_overall(table: KpiTable) -> None:
    assert [r.region for r in table.rows] == [*SUBPREFECTURES, OVERALL_LABEL]
    assert [r.is_overall for r in table.rows] == [False] * 14 + [True]
    assert table.overall.region == OVERALL_LABEL
    assert [d.id for d in table.definitions] == [
        MYNUMBER_RATE,
        ONLINE_SHARE,
        STANDARD_SHARE,
        OPENDATA_COUNT,
        STANDARD_SYSTEMS_SHARE,
    ]
    assert [d.reference for d in table.definitions] == [False] * 4 + [True]
    for d in table.definitions:
        assert d.name
        assert d.definition
        assert d.unit in ("%", "団体")


def test_counts_of_municipalities_and_final_responses(table: KpiTable) -> None:
    sorachi, kamikawa, soya = (table.region(n) for n in ("空知", "上川", "宗谷"))
    assert sorachi is not None
    assert kamikawa is not None
    assert soya is not None
    # 空知: three supported, the draft (900003) is not final.
    assert (sorachi.municipalities, sorachi.responses) == (3, 2)
    # 上川: 900006 is not in the programme: neither counted nor used.
    assert (kamikawa.municipalities, kamikawa.responses) == (2, 2)
    assert (soya.municipalities, soya.responses) == (1, 0)
    assert (table.overall.municipalities, table.overall.responses) == (6, 4)


def test_mynumber_rate_is_cards_over_population(table: KpiTable) -> None:
    # 空知: (700 + 1,500) / (1,000 + 3,000) = 55 %; 上川: (1,600 + 2,000) / (2,000 + 4,000) = 60 %
    assert cell(table, "空知", MYNUMBER_RATE) == (55.0, 2200, 4000, 2)
    assert cell(table, "上川", MYNUMBER_RATE) == (60.0, 3600, 6000, 2)
    # overall: 5,800 / 10,000 (population-weighted, not the mean 57.5 of the two regions' rates)
    assert cell(table, OVERALL_LABEL, MYNUMBER_RATE) == (58.0, 5800, 10000, 4)


def test_online_share(table: KpiTable) -> None:
    # 900001 ぴったり yes; 900002 own system "using"; 900004 no + "planned"; 900005 yes.
    assert cell(table, "空知", ONLINE_SHARE) == (100.0, 2, 2, 2)
    assert cell(table, "上川", ONLINE_SHARE) == (50.0, 1, 2, 2)
    assert cell(table, OVERALL_LABEL, ONLINE_SHARE) == (75.0, 3, 4, 4)


def test_standard_share(table: KpiTable) -> None:
    # 900001 completed everywhere it runs a system (生活保護 対象外): yes.
    # 900002 has 戸籍 still on schedule: no. 900004 runs none of the 20: left out.
    assert cell(table, "空知", STANDARD_SHARE) == (50.0, 1, 2, 2)
    assert cell(table, "上川", STANDARD_SHARE) == (100.0, 1, 1, 1)
    assert cell(table, OVERALL_LABEL, STANDARD_SHARE) == (round(200 / 3, 6), 2, 3, 3)


def test_standard_systems_share_counts_systems(table: KpiTable) -> None:
    # 900001 runs 19 systems (生活保護 対象外), all completed; 900002 runs 20, 19 completed.
    assert cell(table, "空知", STANDARD_SYSTEMS_SHARE) == (round(100 * 38 / 39, 6), 38, 39, 2)
    # 900004 runs none: left out; 900005 20 of 20.
    assert cell(table, "上川", STANDARD_SYSTEMS_SHARE) == (100.0, 20, 20, 1)
    assert cell(table, OVERALL_LABEL, STANDARD_SYSTEMS_SHARE) == (
        round(100 * 58 / 59, 6),
        58,
        59,
        3,
    )


def test_opendata_count(table: KpiTable) -> None:
    assert cell(table, "空知", OPENDATA_COUNT) == (1, 1, 2, 2)
    assert cell(table, "上川", OPENDATA_COUNT) == (2, 2, 2, 2)
    assert cell(table, OVERALL_LABEL, OPENDATA_COUNT) == (3, 3, 4, 4)


def test_a_region_without_responses_has_no_values(table: KpiTable) -> None:
    for kpi in (
        MYNUMBER_RATE,
        ONLINE_SHARE,
        STANDARD_SHARE,
        OPENDATA_COUNT,
        STANDARD_SYSTEMS_SHARE,
    ):
        assert cell(table, "宗谷", kpi) == (None, 0, 0, 0)
        assert cell(table, "根室", kpi) == (None, 0, 0, 0)


def test_unanswered_kpi_questions_leave_the_response_out(results: RoundResults) -> None:
    answers = {code: dict(a) for code, a in results.answers.items()}
    del answers["900001"]["mnc_cards_held"]
    answers["900002"]["od_published"] = "yes"  # not a normalised answer: ignored
    changed = dataclasses.replace(results, answers=answers)
    table = compute_kpis(changed)
    assert cell(table, "空知", MYNUMBER_RATE) == (50.0, 1500, 3000, 1)
    assert cell(table, "空知", OPENDATA_COUNT) == (1, 1, 1, 1)
