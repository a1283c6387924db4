"""Weight sensitivity: rankings under equal weights and ±20% per pillar."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.core.scoring import weight_scenarios, weight_sensitivity


def test_sensitivity_by_hand() -> None:
    scores = pd.DataFrame(
        {"x": [100.0, 0.0, 60.0], "y": [0.0, 100.0, 30.0], "overall": 0.0},
        index=pd.Index(["A", "B", "C"], name="code"),
    )
    result = weight_sensitivity(scores, {"x": 2.0, "y": 1.0})
    # Baseline (2:1): A 66.7, B 33.3, C 50 -> ranks 1, 3, 2. Equal: A 50, B 50, C 45 -> 1, 1, 3.
    pdt.assert_series_equal(
        result.overall["baseline"],
        pd.Series([200 / 3, 100 / 3, 50.0], index=scores.index, name="baseline"),
    )
    assert result.ranks["baseline"].tolist() == [1, 3, 2]
    assert result.ranks["equal"].tolist() == [1, 1, 3]
    equal = result.scenarios.loc["equal"]
    # Spearman on average ranks: (1, 3, 2) against (1.5, 1.5, 3) -> covariance 0 -> rho 0.
    assert equal["rho"] == pytest.approx(0.0, abs=1e-12)
    assert (equal["max_shift"], equal["max_shift_code"]) == (2, "B")
    assert equal["mean_abs_shift"] == pytest.approx(1.0)
    up = result.scenarios.loc["x+20%"]  # A 70.6, B 29.4, C 51.2: same order
    assert (up["rho"], up["max_shift"]) == (1.0, 0)
    assert pd.isna(up["max_shift_code"])
    assert list(result.scenarios.index) == ["baseline", "equal", "x+20%", "x-20%", "y+20%", "y-20%"]
    assert result.ranks.loc["B", ["best_rank", "worst_rank", "max_shift"]].tolist() == [1, 3, 2]


def test_scenarios() -> None:
    s = weight_scenarios({"a": 2.0, "b": 1.0})
    assert s["a-20%"][1] == {"a": pytest.approx(1.6), "b": 1.0}
    assert s["b+20%"][1] == {"a": 2.0, "b": pytest.approx(1.2)}
    assert s["equal"][1] == {"a": 1.0, "b": 1.0}


def test_missing_pillars_and_questionnaire_weights(fy2025: Questionnaire) -> None:
    pillars = [p.id for p in fy2025.pillars]
    scores = pd.DataFrame(
        [
            [50.0] * len(pillars),
            [float("nan")] * len(pillars),
            [60.0] * (len(pillars) - 1) + [None],
        ],
        columns=pillars,
        index=pd.Index(["a", "b", "c"], name="code"),
    )
    result = weight_sensitivity(scores, fy2025)
    assert list(result.ranks.index) == ["a", "c"]  # b has no pillar score at all
    assert result.ranks["baseline"].tolist() == [2, 1]
    assert len(result.scenarios) == 2 + 2 * len(pillars)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.one_of(
            st.lists(st.floats(0, 100, allow_nan=False), min_size=3, max_size=3),
            st.permutations([10.0, 20.3, 70.1]).map(list),  # equal means, summed in any order
        ),
        min_size=2,
        max_size=25,
    ),
    weight=st.floats(0.1, 10),
)
def test_equal_weights_when_weights_are_already_equal(
    rows: list[list[float]], weight: float
) -> None:
    scores = pd.DataFrame(rows, columns=["a", "b", "c"])
    result = weight_sensitivity(scores, dict.fromkeys("abc", weight))
    equal = result.scenarios.loc["equal"]
    assert equal["rho"] == pytest.approx(1.0)
    assert equal["max_shift"] == 0
    baseline = result.scenarios.loc["baseline"]
    assert (baseline["rho"], baseline["max_shift"]) == (pytest.approx(1.0), 0)


def test_scenarios_are_data_not_names() -> None:
    """Each scenario says which pillar's weight changes and by how much; nothing is read back
    out of its name (a pillar id may itself contain "+" or "-")."""
    scores = pd.DataFrame(
        {"a-b": [100.0, 0.0], "c": [0.0, 100.0]}, index=pd.Index(["A", "B"], name="code")
    )
    result = weight_sensitivity(scores, {"a-b": 2.0, "c": 1.0}, delta=0.25)
    specs = {s.name: s for s in result.specs}
    assert [s.name for s in result.specs] == list(result.scenarios.index)
    assert specs["baseline"].baseline
    assert not specs["baseline"].equal
    assert specs["equal"].equal
    assert specs["equal"].pillar is None
    down = specs["a-b-25%"]
    assert (down.pillar, down.change, down.percent, down.increases) == ("a-b", -0.25, 25, False)
    assert down.weights({"a-b": 2.0, "c": 1.0}) == {"a-b": 1.5, "c": 1.0}
    assert specs["c+25%"].weights({"a-b": 2.0, "c": 1.0}) == {"a-b": 2.0, "c": 1.25}
