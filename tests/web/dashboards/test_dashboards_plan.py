"""The plan's indicators: names and status words as the plan gives them, no invented values."""

from __future__ import annotations

from pathlib import Path

import pytest

from dx_assess.core.dashboards.kpis import compute_kpis
from dx_assess.core.dashboards.plan import PlanFileError, load_plan, plan_indicators
from tests.support.rounds import fixed_round


def test_the_plan_file_names_the_four_indicators_with_the_plans_status() -> None:
    indicators, source = load_plan()
    assert "令和7年度 第2回 北海道Society5.0推進会議" in source
    assert {i.name: i.status for i in indicators} == {
        "マイナンバーカード普及率": "未達成見込み",
        "申請・届出等オンライン化システム導入自治体割合": "達成済",
        "標準仕様に適合した情報システム利用自治体割合": "その他",
        "オープンデータ取組済の市町村数": "順調に推移",
    }
    # baselines and targets are not in the seeds: left for the prefecture to enter
    assert all(i.baseline is None and i.target is None for i in indicators)
    opendata = next(i for i in indicators if i.kpi == "opendata_count")
    assert [f.value for f in opendata.figures] == [107, 174]


def test_change_since_the_previous_round() -> None:
    table = compute_kpis(fixed_round())
    rows = plan_indicators(table, table)
    assert [r.change for r in rows] == [0.0, 0.0, 0.0, 0.0]
    assert plan_indicators(table)[0].change is None
    # 5,800 / 10,000 cards held: the programme round's value
    assert rows[0].value.value == pytest.approx(58.0)


def test_a_status_word_not_in_the_plan_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "plan.yaml"
    bad.write_text(
        "source: x\nindicators:\n  - {id: a, name: a, kpi: mynumber_rate, scope: s,"
        " definition: d, status: だいたい達成}\n",
        encoding="utf-8",
    )
    with pytest.raises(PlanFileError, match="計画の言葉ではありません"):
        load_plan(bad)
