"""KPIs of a round answered by every municipality: 全道 and うち対象市町村 side by side.

The fixed round of dashboard_data.py, computed by hand twice: once as a programme round
(900006 is outside the programme and left out) and once as a round answered by all (900006
counts in 全道, not in うち対象市町村).
"""

from __future__ import annotations

import dataclasses

import pytest

from dx_assess.core.dashboards.export_frames import kpis_frame
from dx_assess.core.dashboards.kpis import (
    ALL_LABEL,
    MYNUMBER_RATE,
    ONLINE_SHARE,
    OPENDATA_COUNT,
    OVERALL_LABEL,
    PROGRAMME_LABEL,
    STANDARD_SHARE,
    KpiTable,
    compute_kpis,
)
from dx_assess.core.results import RoundResults, build_round_results
from tests.support.rounds import MUNICIPALITIES, fixed_round


def all_round() -> RoundResults:
    """The same answers, in a round answered by every municipality."""
    base = fixed_round()
    return build_round_results(
        round_id=2,
        fiscal_year=2025,
        round_label="令和7年度",
        title="テスト調査（全市町村）",
        is_demo=True,
        questionnaire=base.questionnaire,
        municipalities=[dataclasses.replace(m, supported=True) for m in MUNICIPALITIES],
        responses=base._inputs,
        scorecards=base.scorecards,
        population="all",
        programme=frozenset(m.code for m in MUNICIPALITIES if m.supported),
        bindings=base.bindings,
    )


def cell(table: KpiTable, region: str, kpi: str) -> tuple[float | None, float, float, int]:
    row = table.region(region)
    assert row is not None
    v = row.value(kpi)
    return (None if v.value is None else round(v.value, 6), v.numerator, v.denominator, v.n)


@pytest.fixture(scope="module")
def everyone() -> KpiTable:
    return compute_kpis(all_round())


def test_programme_round_says_it_is_not_the_whole_prefecture() -> None:
    table = compute_kpis(fixed_round())
    assert table.overall.region == OVERALL_LABEL == "対象市町村（全体）"
    assert table.programme is None
    assert table.scope == "支援対象の市町村（対象市町村）"
    assert cell(table, OVERALL_LABEL, MYNUMBER_RATE) == (58.0, 5800, 10000, 4)


def test_all_round_has_both_rows(everyone: KpiTable) -> None:
    assert [r.region for r in everyone.rows[-2:]] == [PROGRAMME_LABEL, ALL_LABEL]
    assert everyone.overall.region == "全道（全市町村）"
    assert everyone.scope == "全道の全市町村"
    programme = everyone.programme
    assert programme is not None
    # 全道: 7 municipalities answer, 5 submitted (900003 draft, 900007 none);
    # the programme: 6, of which 4 submitted.
    assert (everyone.overall.municipalities, everyone.overall.responses) == (7, 5)
    assert (programme.municipalities, programme.responses) == (6, 4)
    kamikawa = everyone.region("上川")
    assert kamikawa is not None
    assert (kamikawa.municipalities, kamikawa.responses) == (3, 3)  # 900006 counts now


def test_all_round_values_by_hand(everyone: KpiTable) -> None:
    # 全道: (700 + 1,500 + 1,600 + 2,000 + 9,000) / (1,000 + 3,000 + 2,000 + 4,000 + 10,000)
    assert cell(everyone, ALL_LABEL, MYNUMBER_RATE) == (74.0, 14800, 20000, 5)
    assert cell(everyone, PROGRAMME_LABEL, MYNUMBER_RATE) == (58.0, 5800, 10000, 4)
    # online: 900001, 900002, 900005, 900006 yes; 900004 no
    assert cell(everyone, ALL_LABEL, ONLINE_SHARE) == (80.0, 4, 5, 5)
    assert cell(everyone, PROGRAMME_LABEL, ONLINE_SHARE) == (75.0, 3, 4, 4)
    # standard: 900001, 900005, 900006 complete; 900002 not; 900004 runs none (left out)
    assert cell(everyone, ALL_LABEL, STANDARD_SHARE) == (75.0, 3, 4, 4)
    assert cell(everyone, PROGRAMME_LABEL, STANDARD_SHARE) == (round(200 / 3, 6), 2, 3, 3)
    assert cell(everyone, ALL_LABEL, OPENDATA_COUNT) == (4, 4, 5, 5)
    assert cell(everyone, PROGRAMME_LABEL, OPENDATA_COUNT) == (3, 3, 4, 4)


def test_exports_say_which_population(everyone: KpiTable) -> None:
    results = all_round()
    frame = kpis_frame(results, everyone)
    assert set(frame["answered_by"]) == {"全道（全市町村）"}
    assert {ALL_LABEL, PROGRAMME_LABEL} <= set(frame["region"])
    assert set(kpis_frame(fixed_round(), compute_kpis(fixed_round()))["answered_by"]) == {
        "対象市町村"
    }
