"""Fixtures for the pure questionnaire package (no Flask, no database)."""

from __future__ import annotations

import pytest

from dx_assess.core.questionnaire import Questionnaire, load_bytes, load_questionnaire
from tests.support.paths import REPO

QUESTIONNAIRES = REPO / "questionnaires"
DX_MATURITY = QUESTIONNAIRES / "dx-maturity"

#: A small valid questionnaire used as the starting point of the broken-file tests.
BASE_YAML = """\
format: 1
key: test-q
version: "2024.1"
fiscal_year: 2024
title: テスト調査票
levels:
  - {level: 1, min: 0, label: L1}
  - {level: 2, min: 20, label: L2}
  - {level: 3, min: 40, label: L3}
  - {level: 4, min: 60, label: L4}
  - {level: 5, min: 80, label: L5}
cases:
  - {id: case_a, municipality: 芦別市, title: RPA化, source: 資料}
pillars:
  - {id: p1, title: 柱1, weight: 1}
  - {id: p2, title: 柱2, weight: 2}
sections:
  - id: s1
    title: セクション1
    pillar: p1
    questions:
      - id: population
        type: integer
        text: 人口
        unit: 人
      - id: cards
        type: integer
        text: 枚数
      - id: rate
        type: derived
        text: 保有率
        formula: cards / population * 100
        scoring: {method: breakpoints, breakpoints: [[0, 0], [100, 1]]}
      - id: has_plan
        type: yes_no
        text: 計画
        scoring: {method: yes_no, "yes": 1, "no": 0}
      - id: plan_kind
        type: single_choice
        text: 種類
        show_when: {question: has_plan, equals: true}
        choices:
          - {value: a, label: A, score: 1}
          - {value: b, label: B, score: 0}
        scoring: {method: choice}
  - id: s2
    title: セクション2
    pillar: p2
    questions:
      - id: systems
        type: status_grid
        text: 状況
        statuses:
          - {value: todo, label: 未着手, score: 0}
          - {value: done, label: 完了, score: 1}
          - {value: na, label: 対象外, not_applicable: true}
        rows:
          - {id: r1, label: 行1}
          - {id: r2, label: 行2}
        scoring: {method: grid_average}
      - id: tools
        type: multiple_choice
        text: ツール
        choices:
          - {value: x, label: X}
          - {value: y, label: Y}
          - {value: none, label: なし, exclusive: true}
        scoring: {method: count}
checks:
  - {id: cards_le_pop, rule: cards <= population, message: 枚数が人口を上回っています}
recommendations:
  - id: rec1
    when: {question: has_plan, equals: false}
    title: 計画
    text: 作りましょう
    cases: [case_a]
"""


@pytest.fixture(scope="session")
def fy2024() -> Questionnaire:
    return load_questionnaire(DX_MATURITY / "fy2024.yaml")


@pytest.fixture(scope="session")
def fy2025() -> Questionnaire:
    return load_questionnaire(DX_MATURITY / "fy2025.yaml")


@pytest.fixture(scope="session")
def base_yaml() -> str:
    return BASE_YAML


@pytest.fixture(scope="session")
def base() -> Questionnaire:
    return load_bytes(BASE_YAML.encode(), "base.yaml")
