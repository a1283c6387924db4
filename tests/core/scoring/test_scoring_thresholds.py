"""Scores are compared with thresholds at a fixed precision (docs/scoring.md, section 3).

Pillar ``p60``: three questions of weight 1 answered with a choice worth 0.6 each, so by the
rule its score is 100 × (0.6 + 0.6 + 0.6) ÷ 3 = 60 exactly; binary floating point gives
59.99999999999999. Level 4 starts at 60, so the pillar is level 4.

Pillar ``p40``: five questions of weight 1 worth 0.3, 0.3, 0.3, 0.4 and 0.7: 100 × 2.0 ÷ 5 = 40
exactly (39.99999999999999 in floats). Level 3 starts at 40, and the recommendation for
「40 未満」 (``lt: 40``) must not fire; the one for 「40 以下」 (``lte: 40``) must.

Overall: (60 + 40) ÷ 2 = 50, level 3.
"""

from __future__ import annotations

import pytest

from dx_assess.core.questionnaire import load_bytes
from dx_assess.core.scoring import recommend, score_response


def _choice(qid: str, score: float) -> str:
    return (
        f"      - id: {qid}\n"
        "        type: single_choice\n"
        f"        text: 設問{qid}\n"
        "        choices:\n"
        f"          - {{value: a, label: あり, score: {score}}}\n"
        "          - {value: b, label: なし, score: 0}\n"
        "        scoring: {method: choice}\n"
    )


YAML = (
    """\
format: 1
key: thresholds
version: "1"
fiscal_year: 2025
title: しきい値の確認
levels:
  - {level: 1, min: 0, label: 一}
  - {level: 2, min: 20, label: 二}
  - {level: 3, min: 40, label: 三}
  - {level: 4, min: 60, label: 四}
  - {level: 5, min: 80, label: 五}
pillars:
  - {id: p60, title: 六十, weight: 1}
  - {id: p40, title: 四十, weight: 1}
sections:
  - id: s60
    title: 六十の柱
    pillar: p60
    questions:
"""
    + "".join(_choice(f"x{i}", 0.6) for i in range(3))
    + """\
  - id: s40
    title: 四十の柱
    pillar: p40
    questions:
"""
    + "".join(_choice(f"y{i}", s) for i, s in enumerate((0.3, 0.3, 0.3, 0.4, 0.7)))
    + """\
recommendations:
  - id: below_40
    pillar: p40
    when: {pillar_score: {pillar: p40, lt: 40}}
    title: 40未満
    text: 40未満のときだけ
  - id: at_most_40
    pillar: p40
    when: {pillar_score: {pillar: p40, lte: 40}}
    title: 40以下
    text: 40以下のとき
  - id: above_60
    pillar: p60
    when: {pillar_score: {pillar: p60, gt: 60}}
    title: 60超
    text: 60を超えたときだけ
  - id: from_60
    pillar: p60
    when: {pillar_score: {pillar: p60, gte: 60}}
    title: 60以上
    text: 60以上のとき
"""
)

ANSWERS = {**{f"x{i}": "a" for i in range(3)}, **{f"y{i}": "a" for i in range(5)}}


def test_a_pillar_of_exactly_60_is_level_4_and_40_is_level_3() -> None:
    q = load_bytes(YAML.encode(), "thresholds.yaml")
    card = score_response(q, ANSWERS)
    p60, p40 = card.pillar("p60"), card.pillar("p40")
    assert p60.score == pytest.approx(60.0)
    assert p40.score == pytest.approx(40.0)
    assert p60.level == 4
    assert p40.level == 3
    assert card.overall == pytest.approx(50.0)
    assert card.level == 3


def test_threshold_conditions_of_recommendations_see_exact_scores() -> None:
    q = load_bytes(YAML.encode(), "thresholds.yaml")
    fired = {r.id for r in recommend(q, ANSWERS)}
    assert fired == {"at_most_40", "from_60"}
