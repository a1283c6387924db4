"""A round's results as plain data, built from plain inputs with the scoring engine.

Pure: imports neither Flask nor SQLAlchemy. :func:`build_round_results` takes what the service
read from the database (municipalities, responses with their answers, the questionnaire, the
previous round's results) and returns frozen dataclasses and pandas frames that the results
pages, the dashboards, the exports and the PDF reports all read. Which responses count:

* Scores are computed for every response that has answers; only **submitted** responses
  (status ``submitted``) are *final*. Peer statistics, ranks and trends use final responses of
  supported municipalities only; a draft's own score is shown as provisional (暫定).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import pandas as pd

from dx_assess.questionnaire import Questionnaire, visible_question_ids
from dx_assess.questionnaire.model import AnswerValue
from dx_assess.scoring import (
    OVERALL,
    MunicipalityInfo,
    PeerComparison,
    RoundScores,
    Scorecard,
    compare_peers,
    explain,
    recommend,
    scores_frame,
    trend_table,
    weight_sensitivity,
)
from dx_assess.scoring.like_for_like import like_for_like_table
from dx_assess.scoring.sensitivity import BASELINE, EQUAL
from dx_assess.survey.display import display_value  # pure, shared with the pages
from dx_assess.vocabulary import STATUS_LABELS as STATUS_LABELS  # re-exported
from dx_assess.vocabulary import Status, cell_number

#: Response statuses as stored, plus ``not_started`` for a supported municipality without one.
NOT_STARTED, DRAFT, SUBMITTED, REOPENED = (
    Status.NOT_STARTED,
    Status.DRAFT,
    Status.SUBMITTED,
    Status.REOPENED,
)

#: Peer group types in display order with their Japanese names.
GROUP_TYPE_LABELS = {
    "all": "対象市町村全体",
    "kind": "同じ種別",
    "population_band": "同じ人口規模",
    "subprefecture": "同じ振興局",
}


@dataclass(frozen=True)
class ResponseInput:
    """One response as read from the database."""

    status: str  # draft / submitted / reopened
    version: int
    answers: Mapping[str, AnswerValue]
    updated_at: datetime | None = None
    carried_over: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PillarInfo:
    id: str
    title: str
    weight: float
    description: str


@dataclass(frozen=True)
class PeerPosition:
    """Where one municipality stands in one peer group for one pillar (or ``overall``)."""

    group_type: str  # all / kind / population_band / subprefecture
    group_type_label: str
    group: str  # e.g. 町, 5千人未満, 上川
    n: int
    median: float | None
    q3: float | None
    rank: int | None
    percentile: float | None
    gap_to_median: float | None  # median − score (positive: below the median)
    gap_to_top_quartile: float | None
    too_small: bool  # fewer members than the minimum: not reported as meaningful


@dataclass(frozen=True)
class Driver:
    """An answer that raised or held back a pillar's score, in points of the pillar score."""

    question_id: str
    text: str
    points: float


@dataclass(frozen=True)
class Trend:
    """Change of a score since the previous round."""

    base_round: str  # e.g. 令和6年度
    base_score: float | None
    change: float | None  # points
    comparable: bool  # False when the pillar's questions changed too much to compare
    #: Last round's answers re-scored under this round's rules (common questions; points).
    rescored_base: float | None = None
    #: This round's score minus ``rescored_base`` on the common questions (points).
    like_for_like: float | None = None
    #: True when the scoring rules changed: ``change`` is then only a reference (参考値).
    rules_changed: bool = False


@dataclass(frozen=True)
class PillarResult:
    id: str
    title: str
    weight: float
    description: str
    score: float | None
    level: int | None
    coverage: float | None
    peers: tuple[PeerPosition, ...]
    raised: tuple[Driver, ...]
    held_back: tuple[Driver, ...]
    left_out: tuple[str, ...]  # texts of shown, scorable questions left unanswered
    trend: Trend | None

    def peer(self, group_type: str = "all") -> PeerPosition | None:
        return next((p for p in self.peers if p.group_type == group_type), None)


@dataclass(frozen=True)
class CaseView:
    municipality: str
    title: str
    summary: str
    source: str


@dataclass(frozen=True)
class RecommendationView:
    rank: int
    title: str
    text: str
    pillar: str | None
    pillar_title: str | None
    gap: float  # points below the peer median (0 when not below)
    cases: tuple[CaseView, ...]


@dataclass(frozen=True)
class AnswerRow:
    section: str
    question_id: str
    text: str
    value: str  # as shown to people (display_value), "" when unanswered
    unit: str | None
    carried_over: bool


@dataclass(frozen=True)
class MunicipalityResult:
    """Everything the results page and the municipality report show for one municipality."""

    round_id: int
    round_label: str  # 令和7年度
    fiscal_year: int
    is_demo: bool
    code: str
    name: str
    kind: str
    subprefecture: str
    population: int | None
    status: str
    status_label: str
    final: bool  # submitted: counts in peer statistics
    overall: float | None
    level: int | None
    level_label: str | None
    level_description: str | None
    coverage: float | None
    overall_peers: tuple[PeerPosition, ...]
    overall_trend: Trend | None
    pillars: tuple[PillarResult, ...]
    strengths: tuple[PillarResult, ...]  # up to 3 pillars furthest above the peer median
    gaps: tuple[PillarResult, ...]  # up to 3 pillars furthest below the peer median
    recommendations: tuple[RecommendationView, ...]
    answers: tuple[AnswerRow, ...]

    @property
    def scored(self) -> bool:
        return self.overall is not None

    def overall_peer(self, group_type: str = "all") -> PeerPosition | None:
        return next((p for p in self.overall_peers if p.group_type == group_type), None)


@dataclass(frozen=True)
class MunicipalityRow:
    """One line of a round's table (dashboards, status lists, exports)."""

    code: str
    name: str
    kind: str
    subprefecture: str
    population: int | None
    supported: bool
    status: str
    status_label: str
    answered: int  # shown, asked questions answered
    total: int  # shown, asked questions
    last_activity: datetime | None
    overall: float | None
    level: int | None
    coverage: float | None
    final: bool
    pillar_scores: Mapping[str, float | None]
    overall_change: float | None  # since the previous round, final responses only
    programme: bool = False  # in the support programme (対象市町村)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


@dataclass(frozen=True, eq=False)
class RoundResults:
    """A round's results. Frames are indexed by municipality code."""

    round_id: int
    fiscal_year: int
    round_label: str
    title: str
    is_demo: bool
    questionnaire: Questionnaire
    pillars: tuple[PillarInfo, ...]
    rows: tuple[MunicipalityRow, ...]  # supported municipalities and any with a response
    scorecards: Mapping[str, Scorecard]  # every response with a score (final or not)
    scores: pd.DataFrame  # final responses of supported municipalities: pillars, overall, ...
    peers: PeerComparison  # from ``scores``
    trends: pd.DataFrame  # trend_table rows against the previous round (may be empty)
    previous_label: str | None
    answers: Mapping[str, Mapping[str, AnswerValue]]
    _inputs: Mapping[str, ResponseInput] = field(repr=False)
    _info: Mapping[str, MunicipalityInfo] = field(repr=False)
    #: Who answers: ``all`` (every municipality) or ``programme`` (the support programme).
    population: str = "programme"
    programme: frozenset[str] = frozenset()  # codes of the support programme

    @property
    def answered_by_all(self) -> bool:
        return self.population == "all"

    @property
    def population_label(self) -> str:
        """Which municipalities the round's figures cover, in words."""
        return "全道（全市町村）" if self.answered_by_all else "対象市町村"

    def row(self, code: str) -> MunicipalityRow | None:
        return next((r for r in self.rows if r.code == code), None)

    def pillar_title(self, pillar_id: str) -> str:
        if pillar_id == OVERALL:
            return "総合"
        return next((p.title for p in self.pillars if p.id == pillar_id), pillar_id)

    def municipality(self, code: str) -> MunicipalityResult | None:
        """The full result of one municipality (None if it is not in this round)."""
        row = self.row(code)
        if row is None:
            return None
        return _municipality_result(self, row)


# --- building ------------------------------------------------------------------------------


def _int(value: object) -> int | None:
    if value is None or value is pd.NA:
        return None
    f = float(value)  # type: ignore[arg-type]
    return None if math.isnan(f) else int(f)


def _progress(questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]) -> tuple[int, int]:
    visible = visible_question_ids(questionnaire, answers)
    asked = [q for q in visible if not questionnaire.question(q).derived]
    return sum(1 for q in asked if q in answers), len(asked)


def build_round_results(
    *,
    round_id: int,
    fiscal_year: int,
    round_label: str,
    title: str,
    is_demo: bool,
    questionnaire: Questionnaire,
    municipalities: Sequence[MunicipalityInfo],
    responses: Mapping[str, ResponseInput],
    scorecards: Mapping[str, Scorecard],
    previous: RoundResults | None = None,
    population: str = "programme",
    programme: frozenset[str] | None = None,
) -> RoundResults:
    """Assemble a round's results. ``scorecards`` holds the score of every response with
    answers (the service caches them per response version); ``municipalities`` the supported
    ones and any other with a response."""
    info = {m.code: m for m in municipalities}
    final_codes = [
        code
        for code, r in responses.items()
        if r.status == SUBMITTED and code in scorecards and info[code].supported
    ]
    final_cards = {code: scorecards[code] for code in sorted(final_codes)}
    pillar_ids = [p.id for p in questionnaire.pillars]
    if final_cards:
        scores = scores_frame(final_cards)
    else:
        scores = pd.DataFrame(
            {c: pd.Series(dtype="float64") for c in [*pillar_ids, OVERALL, "level", "coverage"]},
            index=pd.Index([], name="code", dtype=object),
        )
    supported = [m for m in municipalities if m.supported]
    peers = compare_peers(
        scores.drop(columns=["level", "coverage"]), supported or list(municipalities)
    )

    trends = pd.DataFrame()
    if previous is not None and len(scores) and len(previous.scores):
        trends = trend_table(
            [
                RoundScores(
                    previous.round_label,
                    previous.questionnaire,
                    previous.scores.drop(columns=["level", "coverage"]),
                ),
                RoundScores(round_label, questionnaire, scores.drop(columns=["level", "coverage"])),
            ],
            known=[previous.questionnaire, questionnaire],
            against="previous",
        )
        trends = _with_like_for_like(trends, previous, questionnaire, final_cards)
    overall_change: dict[str, float] = {}
    if len(trends):
        t = trends[trends["pillar"] == OVERALL]
        overall_change = {
            str(c): float(v)
            for c, v in zip(t["code"], t["change"], strict=True)
            if not math.isnan(v)
        }

    rows: list[MunicipalityRow] = []
    for m in municipalities:
        r = responses.get(m.code)
        card = scorecards.get(m.code)
        answered, total = _progress(questionnaire, r.answers if r else {})
        status = r.status if r else NOT_STARTED
        rows.append(
            MunicipalityRow(
                code=m.code,
                name=m.name,
                kind=m.kind,
                subprefecture=m.subprefecture or "",
                population=m.population,
                supported=m.supported,
                status=status,
                status_label=STATUS_LABELS.get(status, status),
                answered=answered,
                total=total,
                last_activity=r.updated_at if r else None,
                overall=card.overall if card else None,
                level=card.level if card else None,
                coverage=card.coverage if card else None,
                final=m.code in final_cards,
                pillar_scores={p.pillar: p.score for p in card.pillars} if card else {},
                overall_change=overall_change.get(m.code),
                programme=m.supported if programme is None else m.code in programme,
            )
        )
    return RoundResults(
        round_id=round_id,
        fiscal_year=fiscal_year,
        round_label=round_label,
        title=title,
        is_demo=is_demo,
        questionnaire=questionnaire,
        pillars=tuple(
            PillarInfo(p.id, str(p.title), p.weight, p.description) for p in questionnaire.pillars
        ),
        rows=tuple(rows),
        scorecards=dict(scorecards),
        scores=scores,
        peers=peers,
        trends=trends,
        previous_label=previous.round_label if previous else None,
        answers={code: r.answers for code, r in responses.items()},
        _inputs=dict(responses),
        _info=info,
        population=population,
        programme=(
            frozenset(m.code for m in municipalities if m.supported)
            if programme is None
            else programme
        ),
    )


def _with_like_for_like(
    trends: pd.DataFrame,
    previous: RoundResults,
    questionnaire: Questionnaire,
    cards: Mapping[str, Scorecard],
) -> pd.DataFrame:
    """Add last round's answers re-scored under this round's rules (docs/scoring.md, 7)."""
    base = {str(c): previous.answers[c] for c in previous.scores.index if c in previous.answers}
    lfl = like_for_like_table(
        previous.questionnaire,
        questionnaire,
        base,
        cards,
        known=[previous.questionnaire, questionnaire],
    )
    merged = trends.merge(
        lfl[["code", "pillar", "rescored_base", "like_for_like", "rules_changed"]],
        on=["code", "pillar"],
        how="left",
    )
    merged["rules_changed"] = [True if pd.isna(v) else bool(v) for v in merged["rules_changed"]]
    return merged


def _positions(results: RoundResults, code: str) -> dict[str, tuple[PeerPosition, ...]]:
    frame = results.peers.for_municipality(code)
    out: dict[str, list[PeerPosition]] = {}
    for rec in frame.to_dict("records"):
        position = _position(rec)
        if results.answered_by_all and position.group_type == "all":
            position = replace(position, group_type_label="全道（全市町村）", group="全道")
        out.setdefault(str(rec["pillar"]), []).append(position)
    return {k: tuple(v) for k, v in out.items()}


def _position(rec: Mapping[Any, Any]) -> PeerPosition:
    group_type = str(rec["group_type"])
    return PeerPosition(
        group_type=group_type,
        group_type_label=GROUP_TYPE_LABELS.get(group_type, group_type),
        group=str(rec["group"]),
        n=int(rec["n"]),
        median=cell_number(rec["median"]),
        q3=cell_number(rec["q3"]),
        rank=_int(rec["rank"]),
        percentile=cell_number(rec["percentile"]),
        gap_to_median=cell_number(rec["gap_to_median"]),
        gap_to_top_quartile=cell_number(rec["gap_to_top_quartile"]),
        too_small=bool(rec["too_small"]),
    )


def _trends(results: RoundResults, code: str) -> dict[str, Trend]:
    if results.previous_label is None or not len(results.trends):
        return {}
    t = results.trends[results.trends["code"] == code]
    return {
        str(rec["pillar"]): Trend(
            base_round=results.previous_label,
            base_score=cell_number(rec["base_score"]),
            change=cell_number(rec["change"]),
            comparable=bool(rec["comparable"]),
            rescored_base=cell_number(rec.get("rescored_base")),
            like_for_like=cell_number(rec.get("like_for_like")),
            rules_changed=bool(rec.get("rules_changed", False)),
        )
        for rec in t.to_dict("records")
        if cell_number(rec["base_score"]) is not None
    }


def _municipality_result(results: RoundResults, row: MunicipalityRow) -> MunicipalityResult:
    q = results.questionnaire
    card = results.scorecards.get(row.code)
    answers = results.answers.get(row.code, {})
    inputs = results._inputs.get(row.code)
    positions = _positions(results, row.code) if row.final else {}
    trends = _trends(results, row.code) if row.final else {}
    explanations = {e.pillar: e for e in explain(card)} if card else {}

    pillars: list[PillarResult] = []
    for info in results.pillars:
        score = card.pillar(info.id) if card else None
        e = explanations.get(info.id)
        pillars.append(
            PillarResult(
                id=info.id,
                title=info.title,
                weight=info.weight,
                description=info.description,
                score=score.score if score else None,
                level=score.level if score else None,
                coverage=score.coverage if score else None,
                peers=positions.get(info.id, ()),
                raised=tuple(
                    Driver(c.question, q.question(c.question).text, c.points_gained)
                    for c in (e.raised if e else ())
                ),
                held_back=tuple(
                    Driver(c.question, q.question(c.question).text, c.points_lost)
                    for c in (e.held_back if e else ())
                ),
                left_out=tuple(q.question(x).text for x in (e.left_out if e else ())),
                trend=trends.get(info.id),
            )
        )

    def gap(p: PillarResult) -> float | None:
        pos = p.peer("all")
        return pos.gap_to_median if pos and not pos.too_small else None

    with_gap = [(g, p) for p in pillars if (g := gap(p)) is not None]
    gaps = tuple(p for g, p in sorted(with_gap, key=lambda t: -t[0]) if g > 0)[:3]
    strengths = tuple(p for g, p in sorted(with_gap, key=lambda t: t[0]) if g < 0)[:3]

    recs: tuple[RecommendationView, ...] = ()
    if card is not None:
        medians = results.peers.medians(row.code) if row.final else {}
        recs = tuple(
            RecommendationView(
                rank=r.rank,
                title=r.title,
                text=r.text,
                pillar=r.pillar,
                pillar_title=results.pillar_title(r.pillar) if r.pillar else None,
                gap=r.gap,
                cases=tuple(
                    CaseView(c.municipality, c.title, c.summary, c.source) for c in r.cases
                ),
            )
            for r in recommend(q, answers, card, medians)
        )

    carried = inputs.carried_over if inputs else frozenset()
    visible = set(visible_question_ids(q, answers))
    answer_rows = tuple(
        AnswerRow(
            section=str(section.title),
            question_id=question.id,
            text=question.text,
            value=display_value(question, answers.get(question.id))
            if answers.get(question.id) is not None
            else "",
            unit=question.unit,
            carried_over=question.id in carried,
        )
        for section in q.sections
        for question in section.questions
        if question.id in visible and not question.derived
    )
    level = next((lv for lv in q.levels.levels if card and lv.level == card.level), None)
    return MunicipalityResult(
        round_id=results.round_id,
        round_label=results.round_label,
        fiscal_year=results.fiscal_year,
        is_demo=results.is_demo,
        code=row.code,
        name=row.name,
        kind=row.kind,
        subprefecture=row.subprefecture,
        population=row.population,
        status=row.status,
        status_label=row.status_label,
        final=row.final,
        overall=card.overall if card else None,
        level=card.level if card else None,
        level_label=card.level_label if card else None,
        level_description=level.description if level else None,
        coverage=card.coverage if card else None,
        overall_peers=positions.get(OVERALL, ()),
        overall_trend=trends.get(OVERALL),
        pillars=tuple(pillars),
        strengths=strengths,
        gaps=gaps,
        recommendations=recs,
        answers=answer_rows,
    )


# --- weight sensitivity -----------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioRow:
    name: str
    description: str
    rho: float | None
    max_shift: int
    max_shift_name: str | None
    mean_abs_shift: float


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

    def describe(scenario: str, fallback: str) -> str:
        if scenario == BASELINE:
            return "調査票どおりの重み"
        if scenario == EQUAL:
            return "すべての分野を同じ重みにした場合"
        for pid, title in titles.items():
            if scenario == f"{pid}+{pct}%":
                return f"「{title}」の重みを{pct}%増やした場合"
            if scenario == f"{pid}-{pct}%":
                return f"「{title}」の重みを{pct}%減らした場合"
        return fallback

    scenarios = tuple(
        ScenarioRow(
            name=str(name),
            description=describe(str(name), str(rec["description"])),
            rho=cell_number(rec["rho"]),
            max_shift=int(rec["max_shift"]),
            max_shift_name=names.get(str(rec["max_shift_code"])) if rec["max_shift_code"] else None,
            mean_abs_shift=float(rec["mean_abs_shift"]),
        )
        for name, rec in found.scenarios.iterrows()
        if name != BASELINE
    )
    ranks = found.ranks.sort_values([BASELINE]).reset_index()
    rows = tuple(
        RankRangeRow(
            code=str(rec["code"]),
            name=names.get(str(rec["code"]), str(rec["code"])),
            overall=cell_number(results.scores.loc[str(rec["code"]), OVERALL]),
            rank=int(rec[BASELINE]),
            best_rank=int(rec["best_rank"]),
            worst_rank=int(rec["worst_rank"]),
            max_shift=int(rec["max_shift"]),
        )
        for rec in ranks.to_dict("records")
    )
    return SensitivityView(len(results.scores), pct, scenarios, rows)
