"""Peer comparison (類似団体比較) for one round, vectorised with pandas and numpy.

Peer groups: all reference municipalities (``all``), the same type 市/町/村 (``kind``), the same
population band (``population_band``, bands configurable) and the same 振興局 (``subprefecture``).
The *reference* set is the supported municipalities (対象市町村) by default; group statistics
come from reference members only, and every scored municipality (supported or not) gets its
position against them. See docs/scoring.md for the definitions (quartiles, rank, percentile,
gaps, the small-group rule). Cost: O(N log N) in the number of (municipality, group, pillar) rows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from dx_assess.core.scoring.model import OVERALL

GROUP_ALL = "all"
GROUP_KIND = "kind"
GROUP_BAND = "population_band"
GROUP_SUBPREFECTURE = "subprefecture"
GROUP_TYPES = (GROUP_ALL, GROUP_KIND, GROUP_BAND, GROUP_SUBPREFECTURE)

KINDS = ("市", "町", "村")
#: The prefecture's customary order of the 14 振興局 (short names).
SUBPREFECTURES = (
    "空知",
    "石狩",
    "後志",
    "胆振",
    "日高",
    "渡島",
    "檜山",
    "上川",
    "留萌",
    "宗谷",
    "オホーツク",
    "十勝",
    "釧路",
    "根室",
)
#: Label of the ``all`` group, by reference set.
ALL_LABELS = {"supported": "対象市町村全体", "all": "全市町村"}
#: Columns of a scores frame that are not scores.
NOT_SCORES = ("level", "coverage")
#: Scores are compared (ties, ranks, percentiles) after rounding to this many decimals, so that
#: arithmetic noise in weighted means does not split a tie.
COMPARE_DECIMALS = 9

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PopulationBand:
    upper: float  # exclusive upper bound (math.inf for the last band)
    label: str


def _people(n: float) -> str:
    k = int(n)
    if k % 10_000 == 0:
        return f"{k // 10_000}万人"
    if k < 10_000 and k % 1_000 == 0:
        return f"{k // 1_000}千人"
    return f"{k:,}人"


def population_bands(upper_bounds: Sequence[float]) -> tuple[PopulationBand, ...]:
    """Bands from strictly increasing upper bounds (a final open band is added), labelled in
    Japanese: ``(5000, 10000)`` -> 5千人未満, 5千人以上1万人未満, 1万人以上."""
    bounds = [float(b) for b in upper_bounds if not math.isinf(b)]
    if any(b <= 0 for b in bounds) or any(a >= b for a, b in itertools.pairwise(bounds)):
        raise ValueError("population band bounds must be positive and strictly increasing")
    out: list[PopulationBand] = []
    lower: float | None = None
    for b in bounds:
        label = f"{_people(b)}未満" if lower is None else f"{_people(lower)}以上{_people(b)}未満"
        out.append(PopulationBand(b, label))
        lower = b
    out.append(PopulationBand(math.inf, f"{_people(lower)}以上" if lower is not None else "全体"))
    return tuple(out)


DEFAULT_BANDS = population_bands((5_000, 10_000, 30_000, 100_000))


@dataclass(frozen=True)
class PeerConfig:
    bands: tuple[PopulationBand, ...] = DEFAULT_BANDS
    min_group_size: int = 5  # groups with fewer reference members are flagged too_small
    reference: str = "supported"  # "supported": 対象市町村 only; "all": every municipality given
    group_types: tuple[str, ...] = GROUP_TYPES

    def __post_init__(self) -> None:
        if self.reference not in ALL_LABELS:
            raise ValueError(f"reference must be one of {sorted(ALL_LABELS)}")
        unknown = [g for g in self.group_types if g not in GROUP_TYPES]
        if unknown:
            raise ValueError(f"unknown group types: {unknown}")
        if self.min_group_size < 1:
            raise ValueError("min_group_size must be at least 1")


@dataclass(frozen=True)
class MunicipalityInfo:
    code: str
    name: str
    kind: str  # 市 / 町 / 村
    population: int | None
    subprefecture: str | None  # short name, e.g. 空知
    supported: bool = True


def municipality_frame(records: Iterable[MunicipalityInfo]) -> pd.DataFrame:
    """Municipality attributes indexed by ``code``: name, kind, population, subprefecture,
    supported."""
    rows = list(records)
    return pd.DataFrame(
        {
            "name": [r.name for r in rows],
            "kind": [r.kind for r in rows],
            "population": np.array(
                [np.nan if r.population is None else r.population for r in rows], dtype="float64"
            ),
            "subprefecture": [r.subprefecture for r in rows],
            "supported": np.array([r.supported for r in rows], dtype=bool),
        },
        index=pd.Index([r.code for r in rows], name="code"),
    )


def band_labels(population: pd.Series, bands: Sequence[PopulationBand]) -> pd.Series:
    """The band label of each population (None where unknown or not positive)."""
    pop = pd.to_numeric(population, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    uppers = np.array([b.upper for b in bands], dtype="float64")
    idx = np.searchsorted(uppers, pop, side="right")
    ok = ~np.isnan(pop) & (pop > 0) & (idx < len(bands))
    labels = np.array([b.label for b in bands], dtype=object)[np.minimum(idx, len(bands) - 1)]
    labels[~ok] = None
    return pd.Series(labels, index=population.index, dtype=object)


@dataclass(frozen=True, eq=False)
class PeerComparison:
    """``groups``: one row per (group_type, group, pillar) with n, median, q1, q3, min, max,
    too_small. ``positions``: one row per (code, group_type, pillar) with score, group, n,
    median, q3, rank, percentile, gap_to_median, gap_to_top_quartile, too_small, in_reference.
    Statistics and positions of too-small groups are NaN (only n and the flag are reported)."""

    groups: pd.DataFrame
    positions: pd.DataFrame
    config: PeerConfig = field(default_factory=PeerConfig)

    def for_municipality(self, code: str) -> pd.DataFrame:
        return self.positions[self.positions["code"] == code].reset_index(drop=True)

    def medians(self, code: str, group_type: str = GROUP_ALL) -> dict[str, float]:
        """Pillar (and ``overall``) -> the median of ``code``'s group (reported medians only)."""
        rows = self.positions[
            (self.positions["code"] == code) & (self.positions["group_type"] == group_type)
        ]
        pairs = zip(rows["pillar"], rows["median"], strict=True)
        return {str(p): float(m) for p, m in pairs if not math.isnan(m)}


def _attributes(municipalities: pd.DataFrame | Iterable[MunicipalityInfo]) -> pd.DataFrame:
    if not isinstance(municipalities, pd.DataFrame):
        return municipality_frame(municipalities)
    frame = municipalities
    if "code" in frame.columns:
        frame = frame.set_index("code")
    if "supported" not in frame.columns:
        frame = frame.assign(supported=True)
    for column in ("kind", "population", "subprefecture"):
        if column not in frame.columns:
            raise ValueError(f"municipality attributes need a '{column}' column")
    return frame


def _order_of(labels: npt.NDArray[np.object_], known: Sequence[str]) -> dict[object, int]:
    """Label -> sort position: known labels in their order, then the rest sorted."""
    order: dict[object, int] = {label: k for k, label in enumerate(known)}
    rest = sorted({str(x) for x in labels if x is not None and x not in order})
    for label in rest:
        order[label] = len(order)
    return order


def _group_labels(attrs: pd.DataFrame, group_type: str, config: PeerConfig) -> pd.Series:
    if group_type == GROUP_ALL:
        return pd.Series(ALL_LABELS[config.reference], index=attrs.index, dtype=object)
    if group_type == GROUP_KIND:
        column = attrs["kind"]
    elif group_type == GROUP_BAND:
        return band_labels(attrs["population"], config.bands)
    else:
        column = attrs["subprefecture"]
    return column.astype(object).where(column.notna(), None)


def _membership(
    attrs: pd.DataFrame, config: PeerConfig
) -> tuple[IntArray, IntArray, npt.NDArray[np.object_], IntArray]:
    """One row per (municipality, group): municipality position, group type index, group label
    and the group's sort position within its type."""
    m_code: list[IntArray] = []
    m_type: list[IntArray] = []
    m_label: list[npt.NDArray[np.object_]] = []
    m_order: list[IntArray] = []
    for t, group_type in enumerate(config.group_types):
        labels = _group_labels(attrs, group_type, config).to_numpy(dtype=object)
        known: Sequence[str] = {
            GROUP_KIND: KINDS,
            GROUP_BAND: [b.label for b in config.bands],
            GROUP_SUBPREFECTURE: SUBPREFECTURES,
        }.get(group_type, [])
        order = _order_of(labels, known)
        has = np.array([x is not None for x in labels], dtype=bool)
        m_code.append(np.nonzero(has)[0].astype(np.int64))
        m_type.append(np.full(int(has.sum()), t, dtype=np.int64))
        m_label.append(labels[has])
        m_order.append(np.array([order[x] for x in labels[has]], dtype=np.int64))
    if not m_code:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=object), empty
    return (
        np.concatenate(m_code),
        np.concatenate(m_type),
        np.concatenate(m_label),
        np.concatenate(m_order),
    )


def _group_statistics(
    gid: IntArray, score: FloatArray, n_groups: int, too_small: npt.NDArray[np.bool_]
) -> pd.DataFrame:
    """median, q1, q3, min, max per dense group id (rows 0..n_groups-1) over the given
    reference rows; NaN for too-small groups."""
    by = pd.DataFrame({"gid": gid, "score": score}).groupby("gid", sort=True)["score"]
    stats = pd.DataFrame(
        {
            "median": by.median(),
            "q1": by.quantile(0.25),
            "q3": by.quantile(0.75),
            "min": by.min(),
            "max": by.max(),
        }
    ).reindex(pd.RangeIndex(n_groups))
    stats.loc[too_small, :] = np.nan
    return stats


def compare_peers(
    scores: pd.DataFrame,
    municipalities: pd.DataFrame | Iterable[MunicipalityInfo],
    config: PeerConfig | None = None,
    columns: Sequence[str] | None = None,
) -> PeerComparison:
    """Peer statistics and positions for one round.

    ``scores``: one row per municipality (index = code), a column per pillar plus ``overall``
    (as made by :func:`scores_frame`; ``level`` and ``coverage`` are ignored).
    ``municipalities``: attributes (kind, population, subprefecture, supported) by code.
    """
    config = config or PeerConfig()
    attrs = _attributes(municipalities)
    cols = (
        list(columns) if columns is not None else [c for c in scores.columns if c not in NOT_SCORES]
    )
    missing = scores.index.difference(attrs.index)
    if len(missing):
        raise ValueError(f"no municipality attributes for: {', '.join(map(str, missing[:10]))}")
    attrs = attrs.reindex(scores.index)
    codes = scores.index.to_numpy(dtype=object)
    n_codes, n_cols = len(codes), len(cols)
    values: FloatArray = scores[cols].to_numpy(dtype="float64", na_value=np.nan)
    if config.reference == "supported":
        eligible = attrs["supported"].eq(True).to_numpy(dtype=bool)
    else:
        eligible = np.ones(n_codes, dtype=bool)

    mem_code, mem_type, mem_label, mem_order = _membership(attrs, config)

    # Cross with the score columns: one row per (municipality, group, pillar).
    row_code = np.repeat(mem_code, n_cols)
    row_type = np.repeat(mem_type, n_cols)
    row_label = np.repeat(mem_label, n_cols)
    row_col = np.tile(np.arange(n_cols, dtype=np.int64), len(mem_code))
    score = values[row_code, row_col] if len(row_code) else np.zeros(0, dtype="float64")
    has_score = ~np.isnan(score)
    in_ref = eligible[row_code] & has_score

    # Dense group ids in output order (group type, group, pillar).
    max_order = int(mem_order.max()) + 1 if len(mem_order) else 1
    raw_gid = (row_type * max_order + np.repeat(mem_order, n_cols)) * n_cols + row_col
    uniq, gid = np.unique(raw_gid, return_inverse=True)
    gid = gid.astype(np.int64)
    n_groups = len(uniq)
    size = np.bincount(gid[in_ref], minlength=n_groups).astype(np.int64)
    too_small = size < config.min_group_size

    stats = _group_statistics(gid[in_ref], score[in_ref], n_groups, too_small)
    _, first = np.unique(gid, return_index=True)  # first row of each group
    type_names = np.array(config.group_types, dtype=object)
    col_names = np.array(cols, dtype=object)
    groups = pd.DataFrame(
        {
            "group_type": type_names[row_type[first]],
            "group": row_label[first],
            "pillar": col_names[row_col[first]],
            "n": size,
            "median": stats["median"].to_numpy(),
            "q1": stats["q1"].to_numpy(),
            "q3": stats["q3"].to_numpy(),
            "min": stats["min"].to_numpy(),
            "max": stats["max"].to_numpy(),
            "too_small": too_small,
        }
    )

    # Positions: counts of reference members strictly below / equal, by binary search.
    rounded = np.round(np.where(has_score, score, 0.0), COMPARE_DECIMALS)
    _, value_code = np.unique(rounded, return_inverse=True)
    span = int(value_code.max()) + 2 if len(value_code) else 1
    key = gid * span + value_code.astype(np.int64)
    ref_keys = np.sort(key[in_ref])
    lo = np.searchsorted(ref_keys, key, side="left")
    hi = np.searchsorted(ref_keys, key, side="right")
    start = np.searchsorted(ref_keys, gid * span, side="left")
    self_ref = in_ref.astype(np.int64)
    below = lo - start
    tied = hi - lo - self_ref
    others = size[gid] - self_ref
    above = others - below - tied
    shown = has_score & ~too_small[gid]
    with np.errstate(invalid="ignore", divide="ignore"):
        percentile = np.where(
            shown & (others > 0), 100.0 * (below + 0.5 * tied) / np.maximum(others, 1), np.nan
        )
    rank = pd.array(np.where(shown, 1 + above, 0), dtype="Int64")
    rank[~shown] = pd.NA
    median = stats["median"].to_numpy()[gid]
    q3 = stats["q3"].to_numpy()[gid]
    code_rank = np.empty(n_codes, dtype=np.int64)
    code_rank[np.argsort(codes.astype(str), kind="stable")] = np.arange(n_codes)
    order_rows = np.lexsort((code_rank[row_code], gid))
    positions = pd.DataFrame(
        {
            "code": codes[row_code],
            "group_type": type_names[row_type],
            "group": row_label,
            "pillar": col_names[row_col],
            "score": score,
            "n": size[gid],
            "median": median,
            "q3": q3,
            "rank": rank,
            "percentile": percentile,
            "gap_to_median": np.where(shown, median - score, np.nan),
            "gap_to_top_quartile": np.where(shown, q3 - score, np.nan),
            "too_small": too_small[gid],
            "in_reference": in_ref,
        }
    )
    positions = positions.iloc[order_rows].reset_index(drop=True)
    for frame in (groups, positions):
        for column in ("group_type", "group", "pillar"):
            frame[column] = frame[column].astype(str)
    positions["code"] = positions["code"].astype(str)
    return PeerComparison(groups, positions, config)


__all__ = [
    "DEFAULT_BANDS",
    "GROUP_TYPES",
    "OVERALL",
    "MunicipalityInfo",
    "PeerComparison",
    "PeerConfig",
    "PopulationBand",
    "band_labels",
    "compare_peers",
    "municipality_frame",
    "population_bands",
]
