"""The scoring rules of docs/scoring.md, checked against values computed by hand.

The worked example (docs/scoring.md, 「計算例」) uses the toy questionnaire and TOY_ANSWERS
from conftest.py: every question type, a hidden question, an optional unanswered question, a
required unanswered question, a 「対象外」 answer, a derived value and a pillar with nothing
counted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pandas as pd
import pandas.testing as pdt
import pytest

from dx_assess.core.questionnaire import Questionnaire, load_bytes
from dx_assess.core.scoring import (
    ANSWERED,
    HIDDEN,
    MISSING_REQUIRED,
    NOT_APPLICABLE,
    NOT_COMPUTABLE,
    UNANSWERED,
    Scorecard,
    pillar_frame,
    question_frame,
    score_response,
    score_responses,
    scores_frame,
    scoring_plan,
    shown_values,
)

NAN = float("nan")


def test_question_scores_by_hand(toy: Questionnaire, toy_answers: dict[str, object]) -> None:
    card = score_response(toy, toy_answers)
    expected = pd.DataFrame(
        {
            "question": [
                "a_yes",
                "a_choice",
                "a_count",
                "a_sum",
                "a_int",
                "a_opt",
                "a_follow",
                "b_dec",
                "b_pct",
                "b_grid",
                "b_rate",
                "b_req",
                "b_na",
                "c_only",
            ],
            "pillar": ["pa"] * 7 + ["pb"] * 6 + ["pc"],
            "weight": [3.0, 1, 1, 2, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1],
            "status": [ANSWERED] * 5
            + [UNANSWERED, HIDDEN]
            + [ANSWERED] * 4
            + [MISSING_REQUIRED, NOT_APPLICABLE, HIDDEN],
            "score": [
                1.0,  # yes_no: yes -> 1
                0.5,  # choice: half
                0.5,  # count: 1 of full_at 2
                0.9,  # sum: 0.5 + 0.4
                0.4,  # breakpoints: 4 on [0,0]-[10,1]
                NAN,  # optional, unanswered: left out
                NAN,  # hidden (its stale answer is ignored)
                0.75,  # breakpoints: 150 between [100,0.5] and [200,1]
                0.4,  # percentage: 20 on [0,0]-[50,1]
                0.5,  # grid: (1 + 0.5 + 0) / 3, the 対象外 row left out
                0.5,  # derived: 750 / 1000 * 100 = 75.0 on [50,0]-[100,1]
                0.0,  # required, unanswered: counts as 0
                NAN,  # 対象外
                NAN,  # hidden
            ],
            "counted": [True] * 5 + [False, False] + [True] * 5 + [False, False],
        }
    )
    pdt.assert_frame_equal(question_frame(card), expected)


def test_pillar_and_overall_scores_by_hand(
    toy: Questionnaire, toy_answers: dict[str, object]
) -> None:
    card = score_response(toy, toy_answers)
    pa = 100 * (3 * 1 + 1 * 0.5 + 1 * 0.5 + 2 * 0.9 + 1 * 0.4) / (3 + 1 + 1 + 2 + 1)  # 77.5
    pb = 100 * (0.75 + 0.4 + 2 * 0.5 + 2 * 0.5 + 0) / (1 + 1 + 2 + 2 + 1)  # 45.0
    overall = (2 * pa + 1 * pb) / (2 + 1)  # pillar pc has no score: left out
    coverage = (2 * (8 / 9) + 1 * (6 / 7)) / (2 + 1)
    expected = pd.DataFrame(
        {
            "weight": [2.0, 1.0, 1.0, NAN],
            "score": [pa, pb, NAN, overall],
            "level": pd.array([4, 3, None, 4], dtype="Int64"),
            "coverage": [8 / 9, 6 / 7, NAN, coverage],
            "counted_weight": [8.0, 7.0, 0.0, NAN],
            "answered_weight": [8.0, 6.0, 0.0, NAN],
            "scorable_weight": [9.0, 7.0, 0.0, NAN],
        },
        index=pd.Index(["pa", "pb", "pc", "overall"], name="pillar"),
    )
    pdt.assert_frame_equal(pillar_frame(card), expected)
    assert pa == pytest.approx(77.5)
    assert pb == pytest.approx(45.0)
    assert card.overall == pytest.approx(200 / 3)
    assert (card.level, card.level_label) == (4, "定着")
    assert card.pillar_scores == pytest.approx({"pa": 77.5, "pb": 45.0})
    assert (card.questionnaire, card.version) == ("toy", "1")


def test_answering_no_shows_follow_up_questions(
    toy: Questionnaire, toy_answers: dict[str, object]
) -> None:
    answers = {**toy_answers, "a_yes": False}
    card = score_response(toy, answers)
    assert card.question("a_follow").status == ANSWERED
    assert card.question("c_only").status == ANSWERED
    # pa: (0*3 + .5 + .5 + 1.8 + .4 + 1*1) / 9; pc: 100 (c_only yes).
    assert card.pillar("pa").score == pytest.approx(100 * 4.2 / 9)
    assert card.pillar("pc").score == pytest.approx(100.0)
    assert card.overall == pytest.approx((2 * 420 / 9 + 45 + 100) / 4)


def test_derived_value_is_recomputed_and_missing_inputs_lower_coverage(
    toy: Questionnaire, toy_answers: dict[str, object]
) -> None:
    assert shown_values(toy, toy_answers)["b_rate"] == 75.0
    assert "a_follow" not in shown_values(toy, toy_answers)
    answers = {k: v for k, v in toy_answers.items() if k != "cards"}
    card = score_response(toy, answers)
    assert card.question("b_rate").status == NOT_COMPUTABLE
    pb = card.pillar("pb")
    assert pb.score == pytest.approx(100 * 2.15 / 5)
    assert pb.coverage == pytest.approx(4 / 7)


def test_all_rows_not_applicable_leaves_the_grid_out(
    toy: Questionnaire, toy_answers: dict[str, object]
) -> None:
    answers = {**toy_answers, "b_grid": {"r1": "na", "r2": "na"}}
    card = score_response(toy, answers)
    assert card.question("b_grid").status == NOT_APPLICABLE
    assert card.pillar("pb").scorable_weight == 5.0
    assert card.pillar("pb").score == pytest.approx(100 * 2.15 / 5)


def test_empty_response(toy: Questionnaire) -> None:
    card = score_response(toy, {})
    # Required questions count as 0: pa has a_yes (0), pb has b_req (0); pc is hidden? No:
    # a_yes unanswered, so its show_when (a_yes == false) is false and c_only stays hidden.
    assert card.pillar("pa").score == 0.0
    assert card.pillar("pb").score == 0.0
    assert card.pillar("pc").score is None
    assert card.overall == 0.0
    assert card.level == 1
    assert card.pillar("pa").coverage == 0.0
    assert card.coverage == 0.0


def test_optional_unanswered_is_left_out_not_zero(
    toy: Questionnaire, toy_answers: dict[str, object]
) -> None:
    with_no = score_response(toy, {**toy_answers, "a_opt": False})
    left_out = score_response(toy, toy_answers)
    assert with_no.pillar("pa").score == pytest.approx(100 * 6.2 / 9)
    assert left_out.pillar("pa").score == pytest.approx(100 * 6.2 / 8)
    assert with_no.pillar("pa").coverage == 1.0


def test_scores_frame_and_round_trip(toy: Questionnaire, toy_answers: dict[str, object]) -> None:
    cards = score_responses(toy, {"011002": toy_answers, "011003": {}})
    frame = scores_frame(cards)
    expected = pd.DataFrame(
        {
            "pa": [77.5, 0.0],
            "pb": [45.0, 0.0],
            "pc": [NAN, NAN],
            "overall": [200 / 3, 0.0],
            "level": pd.array([4, 1], dtype="Int64"),
            "coverage": [166 / 189, 0.0],
        },
        index=pd.Index(["011002", "011003"], name="code"),
    )
    pdt.assert_frame_equal(frame, expected)
    card = cards["011002"]
    assert Scorecard.from_dict(json.loads(json.dumps(card.to_dict()))) == card


def test_scores_frame_refuses_mixed_versions(
    toy: Questionnaire, toy_v2: Questionnaire, toy_answers: dict[str, object]
) -> None:
    cards = {"a": score_response(toy, toy_answers), "b": score_response(toy_v2, {})}
    with pytest.raises(ValueError, match="several versions"):
        scores_frame(cards)


def test_plan_is_cached_per_content(toy: Questionnaire) -> None:
    assert scoring_plan(toy) is scoring_plan(toy)
    changed = dataclasses.replace(toy, pillars=tuple(reversed(toy.pillars)))
    assert scoring_plan(changed).pillar_ids == ("pc", "pb", "pa")
    assert scoring_plan(toy).pillar_ids == ("pa", "pb", "pc")


README_EXAMPLE = """\
format: 1
key: readme
version: "1"
fiscal_year: 2025
title: README の例
levels:
  - {level: 1, min: 0, label: 着手前}
  - {level: 2, min: 20, label: 準備}
  - {level: 3, min: 40, label: 推進}
  - {level: 4, min: 60, label: 定着}
  - {level: 5, min: 80, label: 先進}
pillars:
  - {id: p, title: 柱, weight: 1}
sections:
  - id: s
    title: S
    pillar: p
    questions:
      - {id: konbini, type: yes_no, text: Q1, scoring: {method: yes_no, "yes": 1, "no": 0}}
      - id: rate
        type: percentage
        text: Q2
        weight: 2
        scoring: {method: breakpoints, breakpoints: [[60, 0], [75, 0.5], [90, 1]]}
      - id: std
        type: status_grid
        text: Q3
        statuses:
          - {value: completed, label: 移行完了, score: 1}
          - {value: on_schedule, label: 移行作業中, score: 0.7}
          - {value: not_applicable, label: 対象外, not_applicable: true}
        rows:
          - {id: juki, label: 住民基本台帳}
          - {id: koseki, label: 戸籍}
          - {id: seikatsu_hogo, label: 生活保護}
        scoring: {method: grid_average}
"""


def test_questionnaire_readme_examples() -> None:
    q = load_bytes(README_EXAMPLE.encode(), "readme.yaml")
    grid = {"juki": "completed", "koseki": "on_schedule", "seikatsu_hogo": "not_applicable"}
    card = score_response(q, {"konbini": True, "rate": 70.0, "std": grid})
    assert card.question("rate").score == pytest.approx(1 / 3)
    assert card.question("std").score == pytest.approx(0.85)
    assert score_response(q, {"rate": 50.0}).question("rate").score == 0.0
    assert score_response(q, {"rate": 95.0}).question("rate").score == 1.0
    # README: 1 (weight 1) and 0.33 (weight 2) -> (1 + 0.67) / 3 * 100 ≒ 55 (level 3).
    only_two = score_response(q, {"konbini": True, "rate": 70.0})
    assert only_two.pillar("p").score == pytest.approx(100 * (1 + 2 / 3) / 3)
    assert only_two.pillar("p").level == 3


def test_dates_and_texts_are_never_scored(toy: Questionnaire) -> None:
    card = score_response(toy, {"as_of": dt.date(2025, 1, 1), "name": "x", "note": "y"})
    assert {q.question for q in card.questions}.isdisjoint({"as_of", "name", "note", "pop"})
