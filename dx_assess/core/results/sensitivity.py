"""Rank stability of a round's final overall scores under other pillar weightings (the
「順位の安定性」 page).

Pure: imports neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass

from dx_assess.core.results.round import RoundResults
from dx_assess.core.scoring import OVERALL, Scenario, weight_sensitivity
from dx_assess.core.scoring.sensitivity import BASELINE
from dx_assess.core.vocabulary import cell_number as number


@dataclass(frozen=True)
class ScenarioRow:
    """One scenario's line of the table: the scenario as data, the title of the pillar whose
    weight it changes, and how the ranking moved."""

    scenario: Scenario
    pillar_title: str | None
    rho: float | None
    max_shift: int
    max_shift_name: str | None
    mean_abs_shift: float

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def description(self) -> str:
        s = self.scenario
        if s.equal:
            return "すべての分野を同じ重みにした場合"
        if s.pillar is None:
            return "調査票どおりの重み"
        more = "増やした" if s.increases else "減らした"
        return f"「{self.pillar_title or s.pillar}」の重みを{s.percent}%{more}場合"


@dataclass(frozen=True)
class RankRangeRow:
    code: str
    name: str
    overall: float | None
    rank: int
    best_rank: int
    worst_rank: int
    max_shift: int


@dataclass(frozen=True)
class SensitivityView:
    n: int
    delta_percent: int
    scenarios: tuple[ScenarioRow, ...]
    municipalities: tuple[RankRangeRow, ...]  # by baseline rank

    @property
    def robust(self) -> bool:
        """Every scenario keeps the ranking close (rho at least 0.9)."""
        return all(s.rho is None or s.rho >= 0.9 for s in self.scenarios)


def sensitivity_view(results: RoundResults, delta: float = 0.2) -> SensitivityView:
    """Rank stability of the final overall scores under other pillar weightings."""
    pct = round(delta * 100)
    names = {r.code: r.name for r in results.rows}
    if not len(results.scores):
        return SensitivityView(0, pct, (), ())
    found = weight_sensitivity(results.scores, results.questionnaire, delta=delta)
    titles = {p.id: p.title for p in results.pillars}
    figures = found.scenarios.to_dict("index")
    scenarios = tuple(
        ScenarioRow(
            scenario=spec,
            pillar_title=titles.get(spec.pillar) if spec.pillar else None,
            rho=number(rec["rho"]),
            max_shift=int(rec["max_shift"]),
            max_shift_name=names.get(str(rec["max_shift_code"])) if rec["max_shift_code"] else None,
            mean_abs_shift=float(rec["mean_abs_shift"]),
        )
        for spec in found.specs
        if not spec.baseline
        for rec in (figures[spec.name],)
    )
    ranks = found.ranks.sort_values([BASELINE]).reset_index()
    rows = tuple(
        RankRangeRow(
            code=str(rec["code"]),
            name=names.get(str(rec["code"]), str(rec["code"])),
            overall=number(results.scores.loc[str(rec["code"]), OVERALL]),
            rank=int(rec[BASELINE]),
            best_rank=int(rec["best_rank"]),
            worst_rank=int(rec["worst_rank"]),
            max_shift=int(rec["max_shift"]),
        )
        for rec in ranks.to_dict("records")
    )
    return SensitivityView(len(results.scores), pct, scenarios, rows)
