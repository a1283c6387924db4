"""One municipality's full result, read from a round's results (peers, trends, drivers,
recommendations, answers).

Pure: imports neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from dx_assess.core.answers.display import display_value  # pure, shared with the pages
from dx_assess.core.questionnaire import visible_question_ids
from dx_assess.core.results.records import (
    GROUP_TYPE_LABELS,
    AnswerRow,
    CaseView,
    Driver,
    MunicipalityResult,
    MunicipalityRow,
    PeerPosition,
    PillarResult,
    RecommendationView,
    Trend,
)
from dx_assess.core.scoring import OVERALL, explain, recommend
from dx_assess.core.scoring.good_practice import Town
from dx_assess.core.vocabulary import cell_number as number

if TYPE_CHECKING:
    from dx_assess.core.results.round import RoundResults


def _int(value: object) -> int | None:
    if value is None or value is pd.NA:
        return None
    f = float(value)  # type: ignore[arg-type]
    return None if math.isnan(f) else int(f)


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
        median=number(rec["median"]),
        q3=number(rec["q3"]),
        rank=_int(rec["rank"]),
        percentile=number(rec["percentile"]),
        gap_to_median=number(rec["gap_to_median"]),
        gap_to_top_quartile=number(rec["gap_to_top_quartile"]),
        too_small=bool(rec["too_small"]),
    )


def _trends(results: RoundResults, code: str) -> dict[str, Trend]:
    if results.previous_label is None or not len(results.trends):
        return {}
    t = results.trends[results.trends["code"] == code]
    return {
        str(rec["pillar"]): Trend(
            base_round=results.previous_label,
            base_score=number(rec["base_score"]),
            change=number(rec["change"]),
            comparable=bool(rec["comparable"]),
            rescored_base=number(rec.get("rescored_base")),
            like_for_like=number(rec.get("like_for_like")),
            rules_changed=bool(rec.get("rules_changed", False)),
        )
        for rec in t.to_dict("records")
        if number(rec["base_score"]) is not None
    }


def municipality_result(results: RoundResults, row: MunicipalityRow) -> MunicipalityResult:
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
            for r in recommend(q, answers, card, medians, Town(row.kind, row.population))
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
