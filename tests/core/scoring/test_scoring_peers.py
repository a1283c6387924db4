"""Peer groups on a hand-made round: known medians, quartiles, ranks and percentiles."""

from __future__ import annotations

import math

import pandas as pd
import pandas.testing as pdt
import pytest

from dx_assess.core.scoring import (
    DEFAULT_BANDS,
    MunicipalityInfo,
    PeerConfig,
    band_labels,
    compare_peers,
    municipality_frame,
    population_bands,
)

NAN = float("nan")

#: Six supported towns in 空知 (the group of six), a city in 空知 outside the support
#: programme, and two supported villages in 石狩 with the same score.
MUNICIPALITIES = [
    MunicipalityInfo("010001", "町1", "町", 6000, "空知"),
    MunicipalityInfo("010002", "町2", "町", 6500, "空知"),
    MunicipalityInfo("010003", "町3", "町", 7000, "空知"),
    MunicipalityInfo("010004", "町4", "町", 8000, "空知"),
    MunicipalityInfo("010005", "町5", "町", 9000, "空知"),
    MunicipalityInfo("010006", "町6", "町", 9999, "空知"),
    MunicipalityInfo("010007", "市7", "市", 50000, "空知", supported=False),
    MunicipalityInfo("010008", "村8", "村", 3000, "石狩"),
    MunicipalityInfo("010009", "村9", "村", 4000, "石狩"),
]
P_SCORES = [10.0, 20, 30, 40, 50, 60, 35, 70, 70]


def scores() -> pd.DataFrame:
    return pd.DataFrame(
        {"p": P_SCORES, "overall": [s / 2 for s in P_SCORES], "level": 1, "coverage": 1.0},
        index=pd.Index([m.code for m in MUNICIPALITIES], name="code"),
    )


def test_group_statistics_by_hand() -> None:
    groups = compare_peers(scores(), MUNICIPALITIES).groups
    got = groups[groups["pillar"] == "p"].reset_index(drop=True)
    small = [NAN] * 5
    expected = pd.DataFrame(
        [
            # all supported (8): 10..60, 70, 70 -> median (40+50)/2; q1 at h=1.75; q3 at h=5.25
            ("all", "対象市町村全体", 8, 45.0, 27.5, 62.5, 10.0, 70.0, False),
            ("kind", "市", 0, *small, True),  # only the unsupported city
            # the six towns: median (30+40)/2; q1 = 20 + .25*10; q3 = 40 + .75*10
            ("kind", "町", 6, 35.0, 22.5, 47.5, 10.0, 60.0, False),
            ("kind", "村", 2, *small, True),
            ("population_band", "5千人未満", 2, *small, True),
            ("population_band", "5千人以上1万人未満", 6, 35.0, 22.5, 47.5, 10.0, 60.0, False),
            ("population_band", "3万人以上10万人未満", 0, *small, True),
            ("subprefecture", "空知", 6, 35.0, 22.5, 47.5, 10.0, 60.0, False),
            ("subprefecture", "石狩", 2, *small, True),
        ],
        columns=["group_type", "group", "n", "median", "q1", "q3", "min", "max", "too_small"],
    )
    expected.insert(2, "pillar", "p")
    pdt.assert_frame_equal(got, expected)


def test_positions_by_hand() -> None:
    positions = compare_peers(scores(), MUNICIPALITIES).positions
    got = positions[(positions["group_type"] == "all") & (positions["pillar"] == "p")]
    got = got.drop(columns=["group_type", "group", "pillar"]).reset_index(drop=True)
    # percentile = 100 × (others below + ½ others tied) / others; rank = 1 + others above.
    expected = pd.DataFrame(
        {
            "code": [m.code for m in MUNICIPALITIES],
            "score": P_SCORES,
            "n": 8,
            "median": 45.0,
            "q3": 62.5,
            "rank": pd.array([8, 7, 6, 5, 4, 3, 6, 1, 1], dtype="Int64"),
            "percentile": [0, 100 / 7, 200 / 7, 300 / 7, 400 / 7, 500 / 7, 37.5, 650 / 7, 650 / 7],
            "gap_to_median": [45 - s for s in P_SCORES],
            "gap_to_top_quartile": [62.5 - s for s in P_SCORES],
            "too_small": False,
            "in_reference": [True] * 6 + [False, True, True],
        }
    )
    expected["percentile"] = expected["percentile"].astype("float64")
    pdt.assert_frame_equal(got, expected)


def test_group_of_six_percentiles_and_the_small_group_flag() -> None:
    peers = compare_peers(scores(), MUNICIPALITIES)
    town = peers.positions[
        (peers.positions["group_type"] == "kind") & (peers.positions["pillar"] == "p")
    ].set_index("code")
    assert town.loc["010001":"010006", "percentile"].tolist() == [0, 20, 40, 60, 80, 100]
    assert town.loc["010001":"010006", "rank"].tolist() == [6, 5, 4, 3, 2, 1]
    villages = town.loc[["010008", "010009"]]
    assert villages["too_small"].all()
    assert villages[["rank", "percentile", "median", "gap_to_median"]].isna().all().all()
    assert villages["n"].tolist() == [2, 2]
    # Lowering the threshold reports the pair: tied, so each beats half of the other one.
    pair = compare_peers(scores(), MUNICIPALITIES, PeerConfig(min_group_size=2)).positions
    pair = pair[(pair["group_type"] == "kind") & (pair["group"] == "村") & (pair["pillar"] == "p")]
    assert pair["percentile"].tolist() == [50.0, 50.0]
    assert pair["rank"].tolist() == [1, 1]


def test_group_of_one_has_no_percentile() -> None:
    peers = compare_peers(scores(), MUNICIPALITIES, PeerConfig(min_group_size=1))
    rows = peers.for_municipality("010007")
    kind = rows[(rows["group_type"] == "kind") & (rows["pillar"] == "p")].iloc[0]
    assert kind["n"] == 0  # the city is not in the reference set
    assert kind["too_small"]
    alone = compare_peers(
        scores().loc[["010001"]], MUNICIPALITIES[:1], PeerConfig(min_group_size=1)
    ).positions
    first = alone.iloc[0]
    assert (first["n"], first["rank"], first["median"]) == (1, 1, 10.0)
    assert math.isnan(first["percentile"])


def test_reference_all_includes_unsupported_municipalities() -> None:
    peers = compare_peers(scores(), MUNICIPALITIES, PeerConfig(reference="all"))
    row = peers.groups[(peers.groups["group_type"] == "all") & (peers.groups["pillar"] == "p")]
    assert row[["group", "n", "median"]].values.tolist() == [["全市町村", 9, 40.0]]
    assert peers.positions["in_reference"].all()


def test_medians_for_recommendations() -> None:
    peers = compare_peers(scores(), MUNICIPALITIES)
    assert peers.medians("010003") == {"p": 45.0, "overall": 22.5}
    assert peers.medians("010003", "kind") == {"p": 35.0, "overall": 17.5}
    assert peers.medians("010008", "kind") == {}  # too small: not reported


def test_attributes_as_a_frame_and_missing_attributes() -> None:
    frame = municipality_frame(MUNICIPALITIES).reset_index()
    a = compare_peers(scores(), frame)
    b = compare_peers(scores(), MUNICIPALITIES)
    pdt.assert_frame_equal(a.positions, b.positions)
    pdt.assert_frame_equal(a.groups, b.groups)
    with pytest.raises(ValueError, match="no municipality attributes"):
        compare_peers(scores(), MUNICIPALITIES[:3])


def test_missing_scores_and_unknown_population() -> None:
    s = scores()
    s.loc["010001", "p"] = NAN
    infos = [*MUNICIPALITIES[1:], MunicipalityInfo("010001", "町1", "町", None, "空知")]
    peers = compare_peers(s, infos)
    mine = peers.for_municipality("010001")
    assert set(mine["group_type"]) == {"all", "kind", "subprefecture"}  # no band: unknown
    assert mine[mine["pillar"] == "p"]["rank"].isna().all()
    town = peers.groups[(peers.groups["group"] == "町") & (peers.groups["pillar"] == "p")]
    assert town["n"].tolist() == [5]


def test_population_bands() -> None:
    assert [b.label for b in DEFAULT_BANDS] == [
        "5千人未満",
        "5千人以上1万人未満",
        "1万人以上3万人未満",
        "3万人以上10万人未満",
        "10万人以上",
    ]
    custom = population_bands([2_500, 150_000])
    assert [b.label for b in custom] == ["2,500人未満", "2,500人以上15万人未満", "15万人以上"]
    pops = pd.Series([4999, 5000, 9999, 10_000, 1_960_000, None, 0])
    assert band_labels(pops, DEFAULT_BANDS).tolist() == [
        "5千人未満",
        "5千人以上1万人未満",
        "5千人以上1万人未満",
        "1万人以上3万人未満",
        "10万人以上",
        None,
        None,
    ]
    with pytest.raises(ValueError, match="strictly increasing"):
        population_bands([10_000, 5_000])


def test_configurable_bands_and_group_types() -> None:
    config = PeerConfig(bands=population_bands([7_500]), group_types=("population_band",))
    groups = compare_peers(scores(), MUNICIPALITIES, config).groups
    p = groups[groups["pillar"] == "p"]
    assert p[["group", "n"]].values.tolist() == [["7,500人未満", 5], ["7,500人以上", 3]]
    with pytest.raises(ValueError, match="reference"):
        PeerConfig(reference="everyone")
    with pytest.raises(ValueError, match="group types"):
        PeerConfig(group_types=("region",))
