"""Explanations: each counted answer's contribution in pillar points, computed by hand."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import pandas.testing as pdt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.core.scoring import contribution_frame, explain, score_response


def test_contributions_by_hand(toy: Questionnaire, toy_answers: dict[str, object]) -> None:
    frame = contribution_frame(score_response(toy, toy_answers))
    # pa: Σw = 8; pb: Σw = 7. gained = 100·w·s/Σw, lost = 100·w·(1−s)/Σw.
    expected = pd.DataFrame(
        {
            "pillar": ["pa"] * 5 + ["pb"] * 5,
            "question": [
                "a_yes",
                "a_choice",
                "a_count",
                "a_sum",
                "a_int",
                "b_dec",
                "b_pct",
                "b_grid",
                "b_rate",
                "b_req",
            ],
            "weight": [3.0, 1, 1, 2, 1, 1, 1, 2, 2, 1],
            "score": [1.0, 0.5, 0.5, 0.9, 0.4, 0.75, 0.4, 0.5, 0.5, 0.0],
            "share": [3 / 8, 1 / 8, 1 / 8, 2 / 8, 1 / 8, 1 / 7, 1 / 7, 2 / 7, 2 / 7, 1 / 7],
            "points_gained": [37.5, 6.25, 6.25, 22.5, 5.0, 75 / 7, 40 / 7, 100 / 7, 100 / 7, 0.0],
            "points_lost": [0.0, 6.25, 6.25, 2.5, 7.5, 25 / 7, 60 / 7, 100 / 7, 100 / 7, 100 / 7],
        }
    )
    pdt.assert_frame_equal(frame, expected)


def test_what_raised_and_held_back_each_pillar(
    toy: Questionnaire, toy_answers: dict[str, object]
) -> None:
    pa, pb, pc = explain(score_response(toy, toy_answers))
    assert [c.question for c in pa.held_back] == ["a_int", "a_choice", "a_count"]
    assert [c.points_lost for c in pa.held_back] == pytest.approx([7.5, 6.25, 6.25])
    assert [c.question for c in pa.raised] == ["a_yes", "a_sum", "a_choice"]
    assert pa.left_out == ("a_opt",)
    # Ties keep file order; the unanswered required question held pb back by 100/7 points.
    assert [c.question for c in pb.held_back] == ["b_grid", "b_rate", "b_req"]
    assert pb.held_back[2].points_lost == pytest.approx(100 / 7)
    assert (pc.score, pc.raised, pc.held_back) == (None, (), ())
    every = explain(score_response(toy, toy_answers), top=None)[0]
    assert len(every.held_back) == 4  # a_yes lost nothing and is not listed


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_points_add_up_to_the_pillar_score(
    fy2025: Questionnaire, strategies: Mapping[str, Callable[..., Any]], data: st.DataObject
) -> None:
    card = score_response(fy2025, data.draw(strategies["answers"](fy2025)))
    for e in explain(card, top=None):
        if e.score is None:
            continue
        assert sum(c.points_gained for c in e.raised) == pytest.approx(e.score, abs=1e-9)
        gained = sum(c.points_gained for c in e.raised)
        lost = sum(c.points_lost for c in e.held_back)
        assert gained + lost == pytest.approx(100.0)
