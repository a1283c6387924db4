"""``decimals`` rounds 四捨五入 (half away from zero) on the decimal value typed or computed,
as questionnaires/README.md promises; never half-to-even on the binary float.

Expected values by hand: 12.5 to 0 places is 13; 0.25 to 1 place is 0.3; 80.85 to 1 place is
80.9; 2.675 to 2 places is 2.68; −2.5 to 0 places is −3; 1617 ÷ 2000 × 100 = 80.85 exactly, so
to 1 place 80.9; 1 ÷ 8 × 100 = 12.5, so to 0 places 13.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from dx_assess.core.questionnaire import load_bytes, normalize_answer, with_derived
from dx_assess.core.questionnaire.numbers import (
    compare_score,
    foreign_digits,
    parse_ascii_int,
    round_half_up,
)
from dx_assess.core.scoring import score_response

YAML = """\
format: 1
key: rounding
version: "1"
fiscal_year: 2025
title: 丸めの確認
levels:
  - {level: 1, min: 0, label: 一}
  - {level: 2, min: 20, label: 二}
  - {level: 3, min: 40, label: 三}
  - {level: 4, min: 60, label: 四}
  - {level: 5, min: 80, label: 五}
pillars:
  - {id: p, title: 柱, weight: 1}
sections:
  - id: s
    title: 設問
    pillar: p
    questions:
      - {id: hours, type: decimal, text: 時間, unit: 時間, min: -100, decimals: 0}
      - {id: ratio, type: decimal, text: 比, unit: 倍, decimals: 1}
      - {id: money, type: decimal, text: 額, unit: 円, decimals: 2}
      - {id: rate, type: percentage, text: 率, decimals: 1}
      - {id: pop, type: integer, text: 人口, unit: 人, min: 1}
      - {id: cards, type: integer, text: 枚数, unit: 枚, min: 0}
      - id: card_rate
        type: derived
        text: 保有率
        formula: cards / pop * 100
        unit: "%"
        decimals: 1
        scoring: {method: breakpoints, breakpoints: [[0, 0], [100, 1]]}
      - id: whole_rate
        type: derived
        text: 保有率（整数）
        formula: cards / pop * 100
        unit: "%"
        decimals: 0
"""


@pytest.fixture(scope="module")
def questionnaire():  # type: ignore[no-untyped-def]
    return load_bytes(YAML.encode(), "rounding.yaml")


@pytest.mark.parametrize(
    ("qid", "typed", "expected"),
    [
        ("hours", "12.5", 13.0),
        ("hours", "13.5", 14.0),
        ("hours", "-2.5", -3.0),
        ("hours", "12.49", 12.0),
        ("ratio", "0.25", 0.3),
        ("ratio", "0.35", 0.4),
        ("money", "2.675", 2.68),
        ("rate", "80.85", 80.9),
        ("rate", "80.85%", 80.9),
        ("rate", "８０．８５", 80.9),  # full-width, as typed with a Japanese IME
        ("hours", 12.5, 13.0),  # a number cell from Excel
        ("ratio", 0.25, 0.3),
    ],
)
def test_typed_decimals_round_half_up(questionnaire, qid, typed, expected) -> None:  # type: ignore[no-untyped-def]
    assert normalize_answer(questionnaire.question(qid), typed) == expected


def test_derived_values_round_half_up_on_the_exact_result(questionnaire) -> None:  # type: ignore[no-untyped-def]
    answers = {"pop": 2000, "cards": 1617}  # 80.85 % exactly; binary 80.85 is 80.8499…
    assert with_derived(questionnaire, answers)["card_rate"] == 80.9
    card = score_response(questionnaire, answers)
    assert card.question("card_rate").score == pytest.approx(0.809)
    assert with_derived(questionnaire, {"pop": 8, "cards": 1})["whole_rate"] == 13.0  # 12.5


def test_round_half_up_helper() -> None:
    assert round_half_up("12.5", 0) == 13.0
    assert round_half_up(Fraction(1617, 20), 1) == 80.9
    assert round_half_up(Fraction(-5, 2), 0) == -3.0
    assert round_half_up(0.125, 2) == 0.13
    assert round_half_up(Fraction(1, 3), 2) == 0.33


def test_scores_compare_at_a_fixed_precision() -> None:
    assert compare_score("gte", 59.999999999999986, 60)
    assert not compare_score("lt", 39.99999999999999, 40)
    assert compare_score("lt", 39.99, 40)


def test_digit_rule() -> None:
    assert foreign_digits("12²") == ["²"]
    assert foreign_digits("①") == ["①"]
    assert foreign_digits("１２3") == []
    assert parse_ascii_int("２０２５") == 2025
    assert parse_ascii_int(" 42 ") == 42
    for bad in ("²", "2²", "١٢", "-1", "1e3", "", "１" * 19, None):
        assert parse_ascii_int(bad) is None


@pytest.mark.parametrize("typed", ["²", "10²", "①", "٣", "1²3"])
def test_superscript_and_other_digits_are_refused_in_numbers(questionnaire, typed) -> None:  # type: ignore[no-untyped-def]
    from dx_assess.core.questionnaire import AnswerError

    with pytest.raises(AnswerError, match="数値"):
        normalize_answer(questionnaire.question("pop"), typed)


def test_decimals_out_of_range_is_a_problem_in_the_file() -> None:
    from dx_assess.core.questionnaire import read_questionnaire

    text = YAML.replace("decimals: 2}", "decimals: 40}")
    questionnaire, problems = read_questionnaire(text.encode(), "rounding.yaml")
    assert questionnaire is None
    assert [p.path for p in problems] == ["sections[0].questions[2].decimals"]
    assert "0 から 6" in problems[0].message
