"""A round's results (:class:`RoundResults`) and :func:`build_round_results`.

Pure: imports neither Flask nor SQLAlchemy. Which responses count: scores are computed for every
response that has answers; only **submitted** responses are *final*. Peer statistics, ranks and
trends use final responses of supported municipalities only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from dx_assess.core.questionnaire import Questionnaire, visible_question_ids
from dx_assess.core.questionnaire.bindings import Bindings, resolve_bindings
from dx_assess.core.questionnaire.model import AnswerValue
from dx_assess.core.results.municipality import municipality_result
from dx_assess.core.results.records import (
    NOT_STARTED,
    STATUS_LABELS,
    SUBMITTED,
    MunicipalityResult,
    MunicipalityRow,
    PillarInfo,
    ResponseInput,
)
from dx_assess.core.scoring import (
    OVERALL,
    MunicipalityInfo,
    PeerComparison,
    RoundScores,
    Scorecard,
    compare_peers,
    scores_frame,
    trend_table,
)
from dx_assess.core.scoring.like_for_like import like_for_like_table


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
    #: Which question plays each role the KPIs read (declared, or traced through the map).
    bindings: Bindings = field(default_factory=lambda: Bindings("", {}, {}))

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
        return municipality_result(self, row)


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
    bindings: Bindings | None = None,
) -> RoundResults:
    """Assemble a round's results. ``scorecards`` holds the score of every response with
    answers (the service caches them per response version); ``municipalities`` the supported
    ones and any other with a response. ``bindings`` defaults to those the questionnaire
    declares (the service traces the others through newer versions' maps)."""
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
        bindings=bindings if bindings is not None else resolve_bindings(questionnaire),
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
