"""Trends across rounds and questionnaire versions, through the version mapping."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from dx_assess.core.questionnaire import Questionnaire, load_bytes
from dx_assess.core.scoring import (
    RoundScores,
    Scorecard,
    comparability,
    score_response,
    score_responses,
    scorecard_trends,
    scores_frame,
    trend_table,
    version_chain,
)

NAN = float("nan")


def toy_v3(v2_text: str) -> Questionnaire:
    """Version 3: the 「対象外」 question b_na of pillar pb is retired."""
    text = v2_text.replace('version: "2"', 'version: "3"')
    start = text.index("previous:")
    end = text.index("levels:")
    text = text[:start] + 'previous:\n  version: "2"\n  retired: [b_na]\n' + text[end:]
    b_na = text.index("      - id: b_na")
    c_section = text.index("  - id: sc")
    text = text[:b_na] + text[c_section:]
    return load_bytes(text.encode(), "toy-3.yaml")


def test_toy_comparability_by_hand(toy: Questionnaire, toy_v2: Questionnaire) -> None:
    comp = comparability(toy, toy_v2)
    pa = comp["pa"]
    # New pa: a_yes2 3 + a_choice 1 + a_count 1 + a_sum 2 + a_int 1 + a_follow 1 + a_new 3 = 12,
    # carried 9 (the rename is direct, the value map a convert). Old pa: 10 with a_opt, fed 9.
    assert (pa.new_share, pa.old_share) == (pytest.approx(9 / 12), pytest.approx(9 / 10))
    assert pa.comparable
    assert pa.added == ("a_new",)
    assert pa.dropped == ("a_opt",)
    assert {"a_yes2", "a_choice"} <= set(pa.carried)
    assert comp["pb"].share == 1.0
    assert comp["pc"].comparable
    strict = comparability(toy, toy_v2, threshold=0.8)
    assert not strict["pa"].comparable
    assert strict["pb"].comparable


def test_comparability_through_an_intermediate_version(
    toy: Questionnaire, toy_v2: Questionnaire, toy_v2_text: str
) -> None:
    v3 = toy_v3(toy_v2_text)
    assert version_chain(toy, v3) is None  # v2 is not known
    lost = comparability(toy, v3)
    assert not any(c.comparable for c in lost.values())
    chain = version_chain(toy, v3, [toy_v2])
    assert [q.version for q in chain or []] == ["1", "2", "3"]
    comp = comparability(toy, v3, known=[toy_v2])
    assert comp["pa"].new_share == pytest.approx(9 / 12)
    assert comp["pb"].new_share == 1.0
    assert comp["pb"].old_share == pytest.approx(7 / 8)  # b_na (weight 1 of 8) retired
    assert comp["pb"].dropped == ("b_na",)


def _v2_answers(answers: dict[str, object]) -> dict[str, object]:
    out = {("a_yes2" if k == "a_yes" else k): v for k, v in answers.items()}
    out["a_choice"] = "mid"
    out["a_new"] = True
    return out


def test_toy_trend_table_by_hand(
    toy: Questionnaire, toy_v2: Questionnaire, toy_answers: dict[str, object]
) -> None:
    r1 = scores_frame(score_responses(toy, {"A": toy_answers}))
    r2 = scores_frame(score_responses(toy_v2, {"A": _v2_answers(toy_answers)}))
    pa1, pb1 = 77.5, 45.0
    pa2 = 100 * (3 + 0.6 + 0.5 + 1.8 + 0.4 + 3) / 11  # a_choice now 0.6; a_new yes (weight 3)
    o1, o2 = (2 * pa1 + pb1) / 3, (2 * pa2 + pb1) / 3
    rounds = [RoundScores("2024", toy, r1), RoundScores("2025", toy_v2, r2)]
    table = trend_table(rounds)
    expected = pd.DataFrame(
        {
            "code": "A",
            "round": "2025",
            "base_round": "2024",
            "pillar": ["pa", "pb", "pc", "overall"],
            "score": [pa2, pb1, NAN, o2],
            "base_score": [pa1, pb1, NAN, o1],
            "change": [pa2 - pa1, 0.0, NAN, o2 - o1],
            "comparable": [True, True, True, True],
            "share": [0.75, 1.0, 1.0, 0.75],
            "like_for_like_change": [pa2 - pa1, 0.0, NAN, (2 * (pa2 - pa1) + 0.0) / 3],
        }
    )
    pdt.assert_frame_equal(table, expected)
    strict = trend_table(rounds, threshold=0.8)
    assert strict["comparable"].tolist() == [False, True, True, False]
    # Like for like: only pb (change 0) is comparable and scored in both rounds.
    assert strict["like_for_like_change"].iloc[3] == 0.0
    assert np.isnan(strict["like_for_like_change"].iloc[0])


def test_shipped_fy2024_to_fy2025_comparability(
    fy2024: Questionnaire, fy2025: Questionnaire
) -> None:
    comp = comparability(fy2024, fy2025)
    shares = {p: (round(c.new_share, 4), round(c.old_share, 4)) for p, c in comp.items()}
    assert shares == {
        "standardization": (0.875, 0.875),  # std_post_review new; std_plan retired
        "mynumber": (1.0, 0.875),  # mnc_health_insurance retired
        "online": (1.0, 1.0),
        "opendata": (1.0, 1.0),
        "ai_rpa": (0.6667, 1.0),  # four generative-AI questions of twelve are new
        "governance": (1.0, 1.0),  # gov_external_talent -> gov_digital_talent (renamed)
    }
    # std_status changed its statuses but maps through a value map: a convert is comparable.
    assert "std_status" in comp["standardization"].carried
    assert {p for p, c in comp.items() if not c.comparable} == {"ai_rpa"}
    assert comp["ai_rpa"].added == ("gen_ai_use", "gen_ai_rules", "gen_ai_training", "gen_ai_tasks")


def _score(card: Scorecard, pillar: str | None = None) -> float:
    value = card.overall if pillar is None else card.pillar(pillar).score
    assert value is not None
    return value


def test_shipped_trend_table(
    fy2024: Questionnaire,
    fy2025: Questionnaire,
    complete_answers: Callable[[Questionnaire, int], dict[str, object]],
) -> None:
    codes = ["011002", "012025", "013030"]
    c24 = score_responses(fy2024, {c: complete_answers(fy2024, k) for k, c in enumerate(codes)})
    c25 = score_responses(fy2025, {c: complete_answers(fy2025, 9 + k) for k, c in enumerate(codes)})
    rounds = [
        RoundScores("2024", fy2024, scores_frame(c24)),
        RoundScores("2025", fy2025, scores_frame(c25)),
    ]
    table = trend_table(rounds).set_index(["code", "pillar"])
    weights = {p.id: p.weight for p in fy2025.pillars}
    for code in codes:
        deltas = {p: _score(c25[code], p) - _score(c24[code], p) for p in weights}
        for p, d in deltas.items():
            assert table.loc[(code, p), "change"] == pytest.approx(d)
            assert table.loc[(code, p), "comparable"] == (p != "ai_rpa")
        overall = table.loc[(code, "overall")]
        assert overall["change"] == pytest.approx(_score(c25[code]) - _score(c24[code]))
        assert not overall["comparable"]
        like = sum(weights[p] * d for p, d in deltas.items() if p != "ai_rpa") / (
            sum(weights.values()) - weights["ai_rpa"]
        )
        assert overall["like_for_like_change"] == pytest.approx(like)
        assert overall["share"] == pytest.approx(8 / 12)


def test_scorecard_trends_against_all_or_previous(
    toy: Questionnaire, toy_v2: Questionnaire, toy_answers: dict[str, object]
) -> None:
    history = [
        ("2023", toy, score_response(toy, {})),
        ("2024", toy, score_response(toy, toy_answers)),
        ("2025", toy_v2, score_response(toy_v2, _v2_answers(toy_answers))),
    ]
    every = scorecard_trends(history)
    assert sorted(set(zip(every["round"], every["base_round"], strict=True))) == [
        ("2024", "2023"),
        ("2025", "2023"),
        ("2025", "2024"),
    ]
    previous = scorecard_trends(history, against="previous")
    assert sorted(set(zip(previous["round"], previous["base_round"], strict=True))) == [
        ("2024", "2023"),
        ("2025", "2024"),
    ]
    same_version = every[(every["round"] == "2024") & (every["pillar"] == "pa")].iloc[0]
    assert same_version["change"] == pytest.approx(77.5)
    assert same_version["share"] == 1.0
    assert trend_table([]).empty


def test_different_questionnaires_are_not_comparable(
    toy: Questionnaire, fy2025: Questionnaire
) -> None:
    comp = comparability(toy, fy2025)
    assert set(comp) == {p.id for p in fy2025.pillars} | {"pa", "pb", "pc"}
    assert not any(c.comparable for c in comp.values())
