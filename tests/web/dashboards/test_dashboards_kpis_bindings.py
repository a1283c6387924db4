"""The KPIs read the questions a version binds (``bindings:``), and an older round is read
through the newer version's map: a question renamed between the versions, and a grid status
renamed through a ``value_map``, still feed the KPI.

Two fixture versions: 2025.1 declares no bindings; 2026.1 renames ``cards_count`` to
``cards_held`` and the grid ``systems`` to ``std_grid`` (status ``done`` becomes ``migrated``),
and binds every role. Two submitted responses, computed by hand:

* A: population 1,000, cards 600, ぴったり はい, own system none, grid r1 done / r2 対象外,
  open data はい
* B: population 3,000, cards 900, ぴったり いいえ, own system using, grid r1 done / r2 todo,
  open data いいえ

マイナンバーカード保有率 (600 + 900) / 4,000 = 37.5 %; オンライン化 2 of 2 = 100 %; 標準化 A yes,
B no = 50 %; 業務単位 (1 + 1) / (1 + 2) = 66.7 %; オープンデータ 1 団体 (of 2 answering).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dx_assess.core.dashboards.kpis import (
    MYNUMBER_RATE,
    ONLINE_SHARE,
    OPENDATA_COUNT,
    STANDARD_SHARE,
    STANDARD_SYSTEMS_SHARE,
    KpiTable,
    compute_kpis,
)
from dx_assess.core.questionnaire import Questionnaire, check_answers, load_bytes
from dx_assess.core.questionnaire.bindings import CARDS_HELD, STANDARD_STATUS, resolve_bindings
from dx_assess.core.questionnaire.model import Binding
from dx_assess.core.results import ResponseInput, RoundResults, build_round_results
from dx_assess.core.scoring import MunicipalityInfo, score_response

HEAD = """\
format: 1
key: kpi-test
version: "{version}"
fiscal_year: {year}
title: KPIテスト
levels:
  - {{level: 1, min: 0, label: L1}}
  - {{level: 2, min: 20, label: L2}}
  - {{level: 3, min: 40, label: L3}}
  - {{level: 4, min: 60, label: L4}}
  - {{level: 5, min: 80, label: L5}}
pillars:
  - {{id: p1, title: 柱1, weight: 1}}
"""

QUESTIONS = """\
sections:
  - id: s1
    title: セクション1
    pillar: p1
    questions:
      - {{id: population, type: integer, text: 人口}}
      - {{id: {cards}, type: integer, text: カードの保有枚数}}
      - id: pittari
        type: yes_no
        text: ぴったりサービス
        scoring: {{method: yes_no, "yes": 1, "no": 0}}
      - id: own
        type: single_choice
        text: 電子申請システム
        choices:
          - {{value: using, label: 使っている}}
          - {{value: none, label: 使っていない}}
      - id: {grid}
        type: status_grid
        text: 標準化
        statuses:
          - {{value: todo, label: 未着手, score: 0}}
          - {{value: {done}, label: 移行完了, score: 1}}
          - {{value: na, label: 対象外, not_applicable: true}}
        rows:
          - {{id: r1, label: 住基}}
          - {{id: r2, label: 税}}
        scoring: {{method: grid_average}}
      - {{id: opendata, type: yes_no, text: オープンデータ}}
"""

OLD = HEAD.format(version="2025.1", year=2025) + QUESTIONS.format(
    cards="cards_count", grid="systems", done="done"
)
NEW = (
    HEAD.format(version="2026.1", year=2026)
    + """\
previous:
  version: "2025.1"
  map:
    - {question: cards_held, from: cards_count}
    - {question: std_grid, from: systems, value_map: {done: migrated}}
bindings:
  population: population
  cards_held: cards_held
  online_pittari: pittari
  online_own_system: {question: own, choice: using}
  standard_status: {question: std_grid, choice: migrated}
  open_data: opendata
"""
    + QUESTIONS.format(cards="cards_held", grid="std_grid", done="migrated")
)

TOWNS = (
    MunicipalityInfo("900001", "テストA町", "町", 1000, "空知", True),
    MunicipalityInfo("900002", "テストB市", "市", 3000, "空知", True),
)


@pytest.fixture(scope="module")
def old() -> Questionnaire:
    return load_bytes(OLD.encode(), "kpi-test/fy2025.yaml")


@pytest.fixture(scope="module")
def new() -> Questionnaire:
    return load_bytes(NEW.encode(), "kpi-test/fy2026.yaml")


def _raw(cards: str, grid: str, done: str) -> dict[str, dict[str, Any]]:
    return {
        "900001": {
            "population": "1000",
            cards: "600",
            "pittari": "yes",
            "own": "none",
            grid: {"r1": done, "r2": "na"},
            "opendata": "yes",
        },
        "900002": {
            "population": "3000",
            cards: "900",
            "pittari": "no",
            "own": "using",
            grid: {"r1": done, "r2": "todo"},
            "opendata": "no",
        },
    }


def _round(q: Questionnaire, raw: dict[str, dict[str, Any]], **kw: Any) -> RoundResults:
    responses: dict[str, ResponseInput] = {}
    for code, given in raw.items():
        answers, issues = check_answers(q, given, require_complete=True)
        assert issues == [], issues
        responses[code] = ResponseInput(
            "submitted", 2, answers, dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
        )
    return build_round_results(
        round_id=1,
        fiscal_year=q.fiscal_year,
        round_label=q.version,
        title="KPIテスト",
        is_demo=True,
        questionnaire=q,
        municipalities=TOWNS,
        responses=responses,
        scorecards={code: score_response(q, r.answers) for code, r in responses.items()},
        **kw,
    )


def _values(table: KpiTable) -> dict[str, tuple[float | None, int]]:
    return {
        v.kpi: (None if v.value is None else round(v.value, 1), v.n) for v in table.overall.values
    }


EXPECTED = {
    MYNUMBER_RATE: (37.5, 2),
    ONLINE_SHARE: (100.0, 2),
    STANDARD_SHARE: (50.0, 2),
    OPENDATA_COUNT: (1.0, 2),
    STANDARD_SYSTEMS_SHARE: (66.7, 2),
}


def test_the_new_version_binds_its_own_questions(new: Questionnaire) -> None:
    results = _round(new, _raw("cards_held", "std_grid", "migrated"))
    assert results.bindings.get(CARDS_HELD) == Binding(CARDS_HELD, "cards_held")
    assert _values(compute_kpis(results)) == EXPECTED


def test_an_older_round_is_read_through_the_newer_versions_map(
    old: Questionnaire, new: Questionnaire
) -> None:
    bindings = resolve_bindings(old, [old, new])
    # the renamed question is found under its old id, the renamed status under its old value
    assert bindings.get(CARDS_HELD) == Binding(CARDS_HELD, "cards_count")
    assert bindings.get(STANDARD_STATUS) == Binding(STANDARD_STATUS, "systems", ("done",))
    assert bindings.traced[CARDS_HELD] == "2026.1"
    results = _round(old, _raw("cards_count", "systems", "done"), bindings=bindings)
    assert _values(compute_kpis(results)) == EXPECTED


def test_without_a_binding_the_kpi_has_no_value_rather_than_a_wrong_one(
    old: Questionnaire,
) -> None:
    results = _round(old, _raw("cards_count", "systems", "done"))  # no newer version known
    assert results.bindings.by_role == {}
    assert {kpi: value for kpi, (value, _n) in _values(compute_kpis(results)).items()} == {
        kpi: None for kpi in EXPECTED
    }


def test_a_question_new_in_the_later_version_binds_nothing_in_the_older(
    old: Questionnaire, new: Questionnaire
) -> None:
    """Had 2026.1 added ``cards_held`` as a new question (no map line), 2025.1 has no cards
    question to read: the role stays unbound instead of picking a question by its name."""
    unmapped = load_bytes(
        NEW.replace("    - {question: cards_held, from: cards_count}\n", "").encode(),
        "kpi-test/fy2026.yaml",
    )
    with_retired = load_bytes(
        NEW.replace("    - {question: cards_held, from: cards_count}\n", "")
        .replace('  version: "2025.1"\n', '  version: "2025.1"\n  retired: [cards_count]\n')
        .encode(),
        "kpi-test/fy2026.yaml",
    )
    # a map that leaves an old question without a destination is unsound: nothing is traced
    assert resolve_bindings(old, [unmapped]).by_role == {}
    bindings = resolve_bindings(old, [with_retired])
    assert bindings.get(CARDS_HELD) is None
    assert bindings.question(STANDARD_STATUS) == "systems"
