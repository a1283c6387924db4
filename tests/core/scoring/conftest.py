"""Fixtures for the scoring engine: a small questionnaire whose scores are easy to compute by
hand (every question type), the shipped versions, answer generators and hypothesis strategies.
No Flask, no database."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import strategies as st

from dx_assess.core.questionnaire import Question, Questionnaire, load_bytes, load_questionnaire
from tests.support.paths import REPO

DX_MATURITY = REPO / "questionnaires" / "dx-maturity"

#: Every question type; weights and answers chosen so that docs/scoring.md's worked example
#: can be followed with pencil and paper.
TOY_YAML = """\
format: 1
key: toy
version: "1"
fiscal_year: 2025
title: 採点テスト用調査票
levels:
  - {level: 1, min: 0, label: 着手前}
  - {level: 2, min: 20, label: 準備}
  - {level: 3, min: 40, label: 推進}
  - {level: 4, min: 60, label: 定着}
  - {level: 5, min: 80, label: 先進}
cases:
  - {id: case_a, municipality: 芦別市, title: RPA化, summary: 要約A, source: 資料A}
  - {id: case_b, municipality: 北見市, title: 書かない窓口, source: 資料B}
pillars:
  - {id: pa, title: 柱A, weight: 2}
  - {id: pb, title: 柱B, weight: 1}
  - {id: pc, title: 柱C, weight: 1}
sections:
  - id: basic
    title: 基本情報
    questions:
      - {id: name, type: short_text, text: 担当課}
      - {id: as_of, type: date, text: 基準日}
      - {id: note, type: long_text, text: メモ}
      - {id: pop, type: integer, text: 人口, unit: 人, min: 1}
  - id: sa
    title: 柱Aの設問
    pillar: pa
    questions:
      - id: a_yes
        type: yes_no
        text: はい・いいえ
        required: true
        weight: 3
        scoring: {method: yes_no, "yes": 1, "no": 0}
      - id: a_choice
        type: single_choice
        text: 単一選択
        choices:
          - {value: full, label: 全部, score: 1}
          - {value: half, label: 半分, score: 0.5}
          - {value: zero, label: なし, score: 0}
        scoring: {method: choice}
      - id: a_count
        type: multiple_choice
        text: 複数選択（数）
        choices:
          - {value: x, label: X}
          - {value: y, label: Y}
          - {value: z, label: Z}
          - {value: none, label: どれもない, exclusive: true}
        scoring: {method: count, full_at: 2}
      - id: a_sum
        type: multiple_choice
        text: 複数選択（合計）
        weight: 2
        choices:
          - {value: p, label: P, score: 0.3}
          - {value: q, label: Q, score: 0.5}
          - {value: r, label: R, score: 0.4}
        scoring: {method: sum}
      - id: a_int
        type: integer
        text: 整数
        min: 0
        scoring: {method: breakpoints, breakpoints: [[0, 0], [10, 1]]}
      - id: a_opt
        type: yes_no
        text: 任意の設問
        scoring: {method: yes_no, "yes": 1, "no": 0}
      - id: a_follow
        type: single_choice
        text: 「いいえ」のときだけ
        show_when: {question: a_yes, equals: false}
        choices:
          - {value: fix, label: 直す, score: 1}
          - {value: skip, label: 直さない, score: 0}
        scoring: {method: choice}
  - id: sb
    title: 柱Bの設問
    pillar: pb
    questions:
      - id: b_dec
        type: decimal
        text: 小数
        unit: 時間
        min: 0
        scoring: {method: breakpoints, breakpoints: [[0, 0], [100, 0.5], [200, 1]]}
      - id: b_pct
        type: percentage
        text: 割合
        scoring: {method: breakpoints, breakpoints: [[0, 0], [50, 1]]}
      - id: b_grid
        type: status_grid
        text: 状況の表
        weight: 2
        statuses:
          - {value: done, label: 完了, score: 1}
          - {value: doing, label: 作業中, score: 0.5}
          - {value: todo, label: 未着手, score: 0}
          - {value: na, label: 対象外, not_applicable: true}
        rows:
          - {id: r1, label: 行1}
          - {id: r2, label: 行2}
          - {id: r3, label: 行3}
          - {id: r4, label: 行4}
        scoring: {method: grid_average}
      - {id: cards, type: integer, text: 枚数, min: 0}
      - id: b_rate
        type: derived
        text: 保有率
        formula: cards / pop * 100
        unit: "%"
        decimals: 1
        weight: 2
        scoring: {method: breakpoints, breakpoints: [[50, 0], [100, 1]]}
      - id: b_req
        type: yes_no
        text: 必須の設問
        required: true
        scoring: {method: yes_no, "yes": 1, "no": 0}
      - id: b_na
        type: single_choice
        text: 対象外のある設問
        choices:
          - {value: good, label: よい, score: 1}
          - {value: bad, label: よくない, score: 0}
          - {value: na, label: 対象外, not_applicable: true}
        scoring: {method: choice}
  - id: sc
    title: 柱Cの設問
    pillar: pc
    questions:
      - id: c_only
        type: yes_no
        text: 「いいえ」のときだけ（柱C）
        show_when: {question: a_yes, equals: false}
        scoring: {method: yes_no, "yes": 1, "no": 0}
recommendations:
  - id: rec_a_int
    pillar: pa
    when: {question: a_int, lt: 5}
    title: 整数を増やしましょう
    text: 本文A
    cases: [case_a]
  - id: rec_b_low
    pillar: pb
    when: {pillar_score: {pillar: pb, lt: 50}}
    title: 柱Bを伸ばしましょう
    text: 本文B
    cases: [case_b, case_a]
  - id: rec_general
    when: {question: a_yes, equals: true}
    title: 全体の助言
    text: 本文C
  - id: rec_never
    pillar: pa
    when: {question: a_opt, answered: true}
    title: 出ない助言
    text: 本文D
"""

#: The fixed answer set of the worked example (stale values for hidden and derived questions
#: are included on purpose: the engine must ignore / recompute them).
TOY_ANSWERS: dict[str, object] = {
    "name": "総務課",
    "as_of": dt.date(2025, 4, 1),
    "note": "メモ",
    "pop": 1000,
    "a_yes": True,
    "a_choice": "half",
    "a_count": ("x",),
    "a_sum": ("q", "r"),
    "a_int": 4,
    "a_follow": "fix",  # hidden: a_yes is true
    "b_dec": 150.0,
    "b_pct": 20.0,
    "b_grid": {"r1": "done", "r2": "doing", "r3": "na", "r4": "todo"},
    "cards": 750,
    "b_rate": 10.0,  # stale: recomputed as 75.0
    "b_na": "na",
    "c_only": True,  # hidden
}


def toy_v2_yaml() -> str:
    """Version 2 of the toy: a_yes renamed, a_choice's values mapped, a_opt retired, a new
    question of weight 3 in pillar pa."""
    text = TOY_YAML.replace('version: "1"', 'version: "2"').replace("a_yes", "a_yes2")
    text = text.replace(
        "{value: half, label: 半分, score: 0.5}", "{value: mid, label: 中, score: 0.6}"
    )
    opt = """      - id: a_opt
        type: yes_no
        text: 任意の設問
        scoring: {method: yes_no, "yes": 1, "no": 0}
"""
    new = """      - id: a_new
        type: yes_no
        text: 新しい設問
        weight: 3
        scoring: {method: yes_no, "yes": 1, "no": 0}
"""
    text = text.replace(opt, new).replace(
        "rec_never\n    pillar: pa\n    when: {question: a_opt",
        "rec_never\n    pillar: pa\n    when: {question: a_new",
    )
    previous = """previous:
  version: "1"
  map:
    - {question: a_yes2, from: a_yes}
    - {question: a_choice, from: a_choice, value_map: {half: mid}}
  retired: [a_opt]
levels:"""
    return text.replace("levels:", previous, 1)


@pytest.fixture(scope="session")
def toy() -> Questionnaire:
    return load_bytes(TOY_YAML.encode(), "toy-1.yaml")


@pytest.fixture(scope="session")
def toy_v2_text() -> str:
    return toy_v2_yaml()


@pytest.fixture(scope="session")
def toy_v2(toy_v2_text: str) -> Questionnaire:
    return load_bytes(toy_v2_text.encode(), "toy-2.yaml")


@pytest.fixture(scope="session")
def toy_answers() -> dict[str, object]:
    return dict(TOY_ANSWERS)


@pytest.fixture(scope="session")
def fy2024() -> Questionnaire:
    return load_questionnaire(DX_MATURITY / "fy2024.yaml")


@pytest.fixture(scope="session")
def fy2025() -> Questionnaire:
    return load_questionnaire(DX_MATURITY / "fy2025.yaml")


def _complete_value(q: Question, rnd: random.Random) -> object:
    """A valid answer for every answerable question (None for derived ones)."""
    if q.type == "yes_no":
        return rnd.random() < 0.5
    if q.type == "single_choice":
        return rnd.choice([c.value for c in q.choices if not c.not_applicable])
    if q.type == "multiple_choice":
        plain = [c.value for c in q.choices if not c.exclusive]
        picked = set(rnd.sample(plain, rnd.randint(1, len(plain))))
        return tuple(v for v in plain if v in picked)
    if q.type in ("integer", "decimal", "percentage"):
        low = q.min if q.min is not None else 0.0
        high = q.max if q.max is not None else (100.0 if q.type == "percentage" else 30.0)
        fixed = {"basic_population": 5000, "basic_staff": 120}  # keep the cross-field checks
        if q.id in fixed:
            return fixed[q.id]
        if q.id == "mnc_cards_held":
            return rnd.randint(2000, 5000)
        if q.id in ("onl_childcare_count", "onl_care_count"):
            return rnd.randint(0, 13)
        value = rnd.uniform(low, high)
        return int(value) if q.type == "integer" else round(value, q.decimals or 0)
    if q.type == "date":
        return dt.date(2025, 4, 1)
    if q.type in ("short_text", "long_text"):
        return "回答"
    if q.type == "status_grid":
        statuses = [c.value for c in q.choices if not c.not_applicable]
        return {r.id: rnd.choice(statuses) for r in q.rows}
    return None


@pytest.fixture(scope="session")
def complete_answers() -> Callable[[Questionnaire, int], dict[str, object]]:
    """``complete_answers(questionnaire, seed)``: every answerable question answered."""

    def make(questionnaire: Questionnaire, seed: int) -> dict[str, object]:
        rnd = random.Random(seed)  # noqa: S311 - reproducible test data, not security
        out: dict[str, object] = {}
        for q in questionnaire.questions:
            value = _complete_value(q, rnd)
            if value is not None:
                out[q.id] = value
        return out

    return make


def value_strategy(q: Question) -> st.SearchStrategy[Any]:
    """Normal-form answers for one question (derived questions: nothing)."""
    if q.type == "yes_no":
        return st.booleans()
    if q.type == "single_choice":
        return st.sampled_from([c.value for c in q.choices])
    if q.type == "multiple_choice":
        plain = [c.value for c in q.choices if not c.exclusive]
        exclusive = [(c.value,) for c in q.choices if c.exclusive]
        subsets = st.sets(st.sampled_from(plain), min_size=1).map(
            lambda s: tuple(v for v in plain if v in s)
        )
        return st.one_of(subsets, st.sampled_from(exclusive)) if exclusive else subsets
    if q.type == "integer":
        low = int(q.min) if q.min is not None else 0
        return st.integers(low, int(q.max) if q.max is not None else low + 100_000)
    if q.type in ("decimal", "percentage"):
        low = q.min if q.min is not None else 0.0
        high = q.max if q.max is not None else (100.0 if q.type == "percentage" else 1e5)
        floats = st.floats(low, high, allow_nan=False, allow_infinity=False)
        return floats.map(lambda x: round(x, q.decimals) if q.decimals is not None else x)
    if q.type == "date":
        return st.dates()
    if q.type in ("short_text", "long_text"):
        return st.sampled_from(["回答", "メモ"])
    if q.type == "status_grid":
        return st.dictionaries(
            st.sampled_from(list(q.row_ids)), st.sampled_from(list(q.choice_values)), min_size=1
        )
    return st.nothing()


def answers_strategy(
    questionnaire: Questionnaire, *, optional: bool = True
) -> st.SearchStrategy[dict[str, object]]:
    """Answer sets for ``questionnaire``: each answerable question answered or (``optional``)
    left unanswered."""
    parts: dict[str, st.SearchStrategy[Any]] = {}
    for q in questionnaire.questions:
        if q.type == "derived":
            continue
        parts[q.id] = st.one_of(st.none(), value_strategy(q)) if optional else value_strategy(q)
    return st.fixed_dictionaries(parts).map(lambda d: {k: v for k, v in d.items() if v is not None})


@pytest.fixture(scope="session")
def strategies() -> Mapping[str, Callable[..., Any]]:
    """The strategy builders, for tests that draw inside ``@given(st.data())``."""
    return {"answers": answers_strategy, "value": value_strategy}
