"""The regional comparison of a round (pure, pandas): 振興局 × pillar medians, the distribution
of each pillar, and what the map shows per municipality.

Everything is read from a :class:`~dx_assess.core.results.RoundResults` (no re-scoring): the
scores frame holds the final responses (submitted, in the programme). Unlike the peer
comparison shown to municipalities, small 振興局 are not hidden here: the page is for the
prefecture, which sees every score anyway; cells with fewer than ``SMALL_N`` responses are
marked as reference values (参考値) instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from dx_assess.core.dashboards.choropleth import (
    NO_VALUE,
    OUTSIDE,
    SCORED,
    MapClass,
    MapEntry,
    class_for,
    classes_from_levels,
)
from dx_assess.core.results import RoundResults
from dx_assess.core.scoring import OVERALL
from dx_assess.core.scoring.peers import SUBPREFECTURES
from dx_assess.core.vocabulary import cell_number

#: Cells with fewer responses than this are marked 参考値 (same bound as the peer groups).
SMALL_N = 5


@dataclass(frozen=True)
class Metric:
    id: str  # a pillar id or OVERALL
    title: str


@dataclass(frozen=True)
class Cell:
    median: float | None
    n: int
    heat: int | None  # 1..5: the legend class of the median (for the heatmap colour)

    @property
    def small(self) -> bool:
        return 0 < self.n < SMALL_N


@dataclass(frozen=True)
class RegionRow:
    region: str
    municipalities: int  # in the programme
    submitted: int  # final responses
    cells: tuple[Cell, ...]  # in the order of RegionalTable.metrics
    is_total: bool = False


@dataclass(frozen=True)
class Distribution:
    metric: Metric
    n: int
    minimum: float | None
    q1: float | None
    median: float | None
    q3: float | None
    maximum: float | None
    values: tuple[float, ...]  # sorted


@dataclass(frozen=True)
class RegionalTable:
    metrics: tuple[Metric, ...]
    rows: tuple[RegionRow, ...]  # 14 振興局 in order, then the whole programme
    classes: tuple[MapClass, ...]


def metrics(results: RoundResults) -> tuple[Metric, ...]:
    """Overall first, then the pillars in questionnaire order."""
    return (Metric(OVERALL, "総合"), *(Metric(p.id, p.title) for p in results.pillars))


def level_classes(results: RoundResults) -> tuple[MapClass, ...]:
    """Legend classes from the questionnaire's maturity levels (e.g. 「3 推進（40〜60）」)."""
    levels = results.questionnaire.levels.levels
    out = []
    for i, lv in enumerate(levels):
        upper = levels[i + 1].min_score if i + 1 < len(levels) else None
        span = (
            f"{lv.min_score:g}以上{upper:g}未満" if upper is not None else f"{lv.min_score:g}以上"
        )
        out.append((lv.min_score, f"{lv.level} {lv.label}（{span}）"))
    return classes_from_levels(out)


def _scores_with_region(results: RoundResults) -> pd.DataFrame:
    region = pd.Series({r.code: r.subprefecture for r in results.rows}, dtype=object)
    frame = results.scores.copy()
    frame["region"] = region.reindex(frame.index).to_numpy()
    return frame


def _cell(values: pd.Series, classes: Sequence[MapClass]) -> Cell:
    values = values.dropna()
    if values.empty:
        return Cell(None, 0, None)
    median = float(values.median())
    heat = [c.lower for c in classes].index(class_for(median, classes).lower) + 1
    return Cell(median, len(values), heat)


def regional_table(results: RoundResults) -> RegionalTable:
    """Median and n of every metric per 振興局 (all 14, in order) and for the programme."""
    ms = metrics(results)
    classes = level_classes(results)
    frame = _scores_with_region(results)
    regions = list(SUBPREFECTURES)
    regions += sorted({r.subprefecture for r in results.rows} - set(regions) - {""})
    rows = []
    for region in regions:
        part = frame[frame["region"] == region]
        members = [r for r in results.rows if r.subprefecture == region]
        rows.append(
            RegionRow(
                region=region,
                municipalities=sum(1 for r in members if r.supported),
                submitted=sum(1 for r in members if r.final),
                cells=tuple(_cell(part[m.id], classes) for m in ms),
            )
        )
    rows.append(
        RegionRow(
            region="対象市町村全体",
            municipalities=sum(1 for r in results.rows if r.supported),
            submitted=sum(1 for r in results.rows if r.final),
            cells=tuple(_cell(frame[m.id], classes) for m in ms),
            is_total=True,
        )
    )
    return RegionalTable(metrics=ms, rows=tuple(rows), classes=classes)


def distributions(results: RoundResults) -> tuple[Distribution, ...]:
    """Five-number summary and the sorted values of every metric over the final responses
    (quartiles by linear interpolation, as in the peer statistics)."""
    out = []
    for m in metrics(results):
        values = results.scores[m.id].dropna().astype(float) if len(results.scores) else None
        if values is None or values.empty:
            out.append(Distribution(m, 0, None, None, None, None, None, ()))
            continue
        out.append(
            Distribution(
                metric=m,
                n=len(values),
                minimum=float(values.min()),
                q1=cell_number(values.quantile(0.25)),
                median=cell_number(values.median()),
                q3=cell_number(values.quantile(0.75)),
                maximum=float(values.max()),
                values=tuple(sorted(float(v) for v in values)),
            )
        )
    return tuple(out)


def map_entries(results: RoundResults, metric: str) -> dict[str, MapEntry]:
    """What each municipality of the round shows on the map for ``metric``; a municipality
    missing here (not in the programme and without a response) is drawn as outside."""
    entries: dict[str, MapEntry] = {}
    for row in results.rows:
        if not row.supported:
            entries[row.code] = MapEntry(OUTSIDE)
            continue
        value = row.overall if metric == OVERALL else row.pillar_scores.get(metric)
        if row.final and value is not None:
            entries[row.code] = MapEntry(SCORED, value)
        else:
            note = row.status_label if not row.final else "得点なし"
            entries[row.code] = MapEntry(NO_VALUE, note=note)
    return entries


def metric_title(results: RoundResults, metric: str) -> str:
    return results.pillar_title(metric)


def strip_positions(values: Sequence[float], width: float) -> list[tuple[float, int]]:
    """x (0..width for scores 0..100) and a stacking level for each value, so that equal or
    close values stack instead of hiding each other (deterministic, no random jitter)."""
    placed: list[tuple[float, int]] = []
    last: dict[int, float] = {}
    for v in sorted(values):
        x = width * max(0.0, min(100.0, v)) / 100
        level = 0
        while level in last and x - last[level] < 4.0:
            level += 1
        last[level] = x
        placed.append((x, level))
    return placed
