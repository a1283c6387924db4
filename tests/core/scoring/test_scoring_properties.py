"""Property-based tests (hypothesis) of the engine's invariants."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.core.scoring import (
    ANSWERED,
    HIDDEN,
    MunicipalityInfo,
    PeerConfig,
    Scorecard,
    compare_peers,
    score_response,
)

Strategies = Mapping[str, Callable[..., Any]]
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="session")
def questionnaires(
    toy: Questionnaire, fy2024: Questionnaire, fy2025: Questionnaire
) -> dict[str, Questionnaire]:
    return {"toy": toy, "fy2024": fy2024, "fy2025": fy2025}


@pytest.mark.parametrize("name", ["toy", "fy2024", "fy2025"])
@SETTINGS
@given(data=st.data())
def test_scores_stay_within_bounds(
    name: str, questionnaires: dict[str, Questionnaire], strategies: Strategies, data: st.DataObject
) -> None:
    q = questionnaires[name]
    card = score_response(q, data.draw(strategies["answers"](q)))
    for s in card.questions:
        assert s.score is None or 0.0 <= s.score <= 1.0
        assert (s.score is not None) == s.counted
    for p in card.pillars:
        assert p.score is None or 0.0 <= p.score <= 100.0
        assert p.coverage is None or 0.0 <= p.coverage <= 1.0
        assert p.level is None or p.level == q.levels.level_for(p.score or 0).level
    assert card.overall is None or 0.0 <= card.overall <= 100.0
    assert card.coverage is None or 0.0 <= card.coverage <= 1.0
    assert card.level is None or 1 <= card.level <= 5
    assert Scorecard.from_dict(card.to_dict()) == card


def _hidden(card: Scorecard) -> frozenset[str]:
    return frozenset(s.question for s in card.questions if s.status == HIDDEN)


@pytest.mark.parametrize("name", ["toy", "fy2024", "fy2025"])
@SETTINGS
@given(data=st.data())
def test_improving_one_answer_never_lowers_its_pillar(
    name: str, questionnaires: dict[str, Questionnaire], strategies: Strategies, data: st.DataObject
) -> None:
    """Two answers to one scored question, everything else equal: the one with the higher
    question score never gives a lower pillar score (while the same questions are shown —
    see docs/scoring.md for why a gate question is the exception)."""
    q = questionnaires[name]
    answers = data.draw(strategies["answers"](q))
    question = data.draw(st.sampled_from([x for x in q.scored_questions() if not x.derived]))
    first = data.draw(strategies["value"](question))
    second = data.draw(strategies["value"](question))
    cards = [score_response(q, {**answers, question.id: v}) for v in (first, second)]
    statuses = [c.question(question.id).status for c in cards]
    assume(statuses == [ANSWERED, ANSWERED])
    assume(_hidden(cards[0]) == _hidden(cards[1]))
    low, high = sorted(cards, key=lambda c: c.question(question.id).score or 0.0)
    pillar = question.pillar or ""
    assert (high.pillar(pillar).score or 0.0) >= (low.pillar(pillar).score or 0.0) - 1e-9


KINDS = ("市", "町", "村")
SUBS = ("空知", "石狩", "後志", "十勝")
score_values = st.one_of(
    st.integers(0, 10).map(lambda k: 10.0 * k),  # plenty of ties
    st.floats(0, 100, allow_nan=False),
    st.just(float("nan")),
)


@st.composite
def rounds(draw: st.DrawFn) -> tuple[pd.DataFrame, list[MunicipalityInfo]]:
    n = draw(st.integers(1, 40))
    infos = [
        MunicipalityInfo(
            f"{10000 + k:06d}",
            f"M{k}",
            draw(st.sampled_from(KINDS)),
            draw(st.one_of(st.none(), st.integers(500, 200_000))),
            draw(st.sampled_from(SUBS)),
            draw(st.booleans()),
        )
        for k in range(n)
    ]
    frame = pd.DataFrame(
        {
            "p": [draw(score_values) for _ in range(n)],
            "overall": [draw(score_values) for _ in range(n)],
        },
        index=pd.Index([i.code for i in infos], name="code"),
    )
    return frame, infos


@SETTINGS
@given(data=rounds(), seed=st.integers(0, 2**32 - 1), size=st.integers(1, 6))
def test_peer_statistics_do_not_depend_on_order(
    data: tuple[pd.DataFrame, list[MunicipalityInfo]], seed: int, size: int
) -> None:
    frame, infos = data
    order = np.random.default_rng(seed).permutation(len(frame))
    config = PeerConfig(min_group_size=size)
    a = compare_peers(frame, infos, config)
    b = compare_peers(frame.iloc[order], [infos[k] for k in order[::-1]], config)
    pdt.assert_frame_equal(a.groups, b.groups)
    pdt.assert_frame_equal(a.positions, b.positions)


@SETTINGS
@given(data=rounds())
def test_ranks_and_percentiles_match_a_direct_computation(
    data: tuple[pd.DataFrame, list[MunicipalityInfo]],
) -> None:
    """Reference members: rank = competition rank (1 = best), percentile = 100 × (average
    ascending rank − 1) / (n − 1), on scores rounded to 9 decimals; the unique best of a group
    has percentile 100."""
    frame, infos = data
    positions = compare_peers(frame, infos, PeerConfig(min_group_size=1)).positions
    members = positions[positions["in_reference"]].copy()
    members["compared"] = members["score"].round(9)  # scores are compared to 9 decimals
    keys = ["group_type", "group", "pillar"]
    by = members.groupby(keys)["compared"]
    members["expected_rank"] = by.rank(ascending=False, method="min")
    ascending = by.rank(ascending=True, method="average")
    n = by.transform("size")
    members["expected_pct"] = np.where(n > 1, 100 * (ascending - 1) / (n - 1).clip(lower=1), np.nan)
    pdt.assert_series_equal(
        members["rank"].astype("float64"), members["expected_rank"], check_names=False
    )
    pdt.assert_series_equal(members["percentile"], members["expected_pct"], check_names=False)
    for _, group in members.groupby(keys):
        best = group["compared"].max()
        if len(group) > 1 and (group["compared"] == best).sum() == 1:
            top = group[group["compared"] == best].iloc[0]
            assert (top["percentile"], top["rank"]) == (100.0, 1)
