"""Weight sensitivity: do the overall rankings survive other pillar weightings?

Overall scores are recomputed from the pillar scores (same rule as the scorer: weighted mean
over the pillars that have a score) under alternative weight vectors — equal weights, and each
pillar's weight ×(1 − delta) and ×(1 + delta) one at a time (delta = 0.2) — as one matrix
product. For each scenario: Spearman's rho between the baseline ranking and the scenario's
(Pearson correlation of average ranks), and the largest rank shift and whose it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.core.scoring.peers import COMPARE_DECIMALS

BASELINE = "baseline"
EQUAL = "equal"


@dataclass(frozen=True)
class Scenario:
    """One alternative weighting, as data: which pillar's weight changes and by how much.

    ``pillar`` is None for the baseline (the questionnaire's weights, ``change`` 0) and for
    equal weights (``equal``); otherwise ``change`` is the relative change of that pillar's
    weight (+0.2: 20 % more, −0.2: 20 % less). ``name`` is the scenario's key in the frames
    (``baseline``, ``equal``, ``<pillar>+20%``): an index label, never parsed back."""

    name: str
    pillar: str | None = None
    change: float = 0.0
    equal: bool = False

    @property
    def baseline(self) -> bool:
        return self.pillar is None and not self.equal

    @property
    def percent(self) -> int:
        """The change as a whole percentage, without sign (20 for ±20 %)."""
        return abs(round(self.change * 100))

    @property
    def increases(self) -> bool:
        return self.change > 0

    def weights(self, weights: Mapping[str, float]) -> dict[str, float]:
        if self.equal:
            return dict.fromkeys(weights, 1.0)
        changed = dict(weights)
        if self.pillar is not None:
            changed[self.pillar] = weights[self.pillar] * (1 + self.change)
        return changed


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """``scenarios`` (index = scenario name): description, rho, max_shift, max_shift_code,
    mean_abs_shift, n. ``overall`` (index = code): the overall score per scenario.
    ``ranks`` (index = code): the rank per scenario (1 = best, ties share the smaller rank),
    then best_rank, worst_rank and max_shift (largest |rank − baseline rank|).
    ``specs``: each scenario as data, in the order of the ``scenarios`` index."""

    scenarios: pd.DataFrame
    overall: pd.DataFrame
    ranks: pd.DataFrame
    specs: tuple[Scenario, ...] = ()


def _fmt(x: float) -> str:
    return f"{x:g}"


def scenario_specs(weights: Mapping[str, float], delta: float = 0.2) -> tuple[Scenario, ...]:
    """Baseline, equal, then for each pillar its weight ×(1 + delta) and ×(1 − delta)."""
    pct = round(delta * 100)
    out = [Scenario(BASELINE), Scenario(EQUAL, equal=True)]
    for pid in weights:
        for sign, change in (("+", delta), ("-", -delta)):
            out.append(Scenario(f"{pid}{sign}{pct}%", pillar=pid, change=change))
    return tuple(out)


def _description(s: Scenario) -> str:
    if s.equal:
        return "すべての柱を同じ重み"
    if s.pillar is None:
        return "調査票の重み"
    return f"{s.pillar} の重み ×{_fmt(1 + s.change)}"


def weight_scenarios(
    weights: Mapping[str, float], delta: float = 0.2
) -> dict[str, tuple[str, dict[str, float]]]:
    """Scenario name -> (description, pillar weights): baseline, equal, then for each pillar
    ``<id>+20%`` and ``<id>-20%``."""
    return {s.name: (_description(s), s.weights(weights)) for s in scenario_specs(weights, delta)}


def weight_sensitivity(
    pillar_scores: pd.DataFrame,
    weights: Mapping[str, float] | Questionnaire,
    *,
    delta: float = 0.2,
) -> SensitivityResult:
    """Rank stability of the overall score under other weightings.

    ``pillar_scores``: one row per municipality (index = code), a column per pillar id (0..100,
    NaN when missing); other columns are ignored. Municipalities without any pillar score are
    left out.
    """
    if isinstance(weights, Questionnaire):
        weights = {p.id: p.weight for p in weights.pillars}
    pillars = list(weights)
    frame = pillar_scores.reindex(columns=pillars).sort_index()
    frame = frame[frame.notna().any(axis=1)]
    specs = scenario_specs(weights, delta)
    scenarios = weight_scenarios(weights, delta)
    names = [s.name for s in specs]
    matrix = np.array(
        [[scenarios[s][1][p] for s in names] for p in pillars], dtype="float64"
    ).reshape(len(pillars), len(names))
    values = frame.to_numpy(dtype="float64", na_value=np.nan)
    present = ~np.isnan(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        overall_values = (np.where(present, values, 0.0) @ matrix) / (present @ matrix)
    overall = pd.DataFrame(overall_values, index=frame.index, columns=pd.Index(names))
    compared = overall.round(COMPARE_DECIMALS)  # arithmetic noise must not split a tie
    ranks = compared.rank(ascending=False, method="min").astype("int64")
    average = compared.rank(ascending=False, method="average")
    base = average[BASELINE]
    rho = average.corrwith(base)
    same = average.eq(base, axis=0).all(axis=0)
    rho = rho.where(~same, 1.0)  # identical rankings (even all tied) agree perfectly
    shift = ranks.sub(ranks[BASELINE], axis=0).abs()
    n = len(frame)
    summary = pd.DataFrame(
        {
            "description": [scenarios[s][0] for s in names],
            "rho": rho.to_numpy(dtype="float64"),
            "max_shift": shift.max(axis=0).to_numpy(dtype="int64") if n else 0,
            "max_shift_code": [
                str(shift[s].idxmax()) if n and shift[s].max() > 0 else None for s in names
            ],
            "mean_abs_shift": shift.mean(axis=0).to_numpy(dtype="float64"),
            "n": n,
        },
        index=pd.Index(names, name="scenario"),
    )
    table = ranks.copy()
    table["best_rank"] = ranks.min(axis=1)
    table["worst_rank"] = ranks.max(axis=1)
    table["max_shift"] = shift.max(axis=1)
    return SensitivityResult(summary, overall, table, specs)
