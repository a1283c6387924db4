"""The municipality report's context: plain data (dicts, lists, strings, numbers) built from a
:class:`~dx_assess.core.results.MunicipalityResult`.

Pure: no Flask, no database, no ORM object. Templates and the worker processes get only what
this returns; numbers are formatted here, so templates stay free of logic. Every string passes
through :func:`~dx_assess.core.reports.text.printable` (the font covers every character shown).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from dx_assess.core.questionnaire.numbering import question_numbers, short_label
from dx_assess.core.reports.text import join_lines, printable_tree
from dx_assess.core.results import (
    Driver,
    MunicipalityResult,
    PeerPosition,
    PillarResult,
    RoundResults,
    Trend,
)
from dx_assess.core.scoring import OVERALL
from dx_assess.core.vocabulary import JST, wareki

Context = dict[str, Any]
MINUS = "−"  # U+2212, as the charts print it


# --- formatting ----------------------------------------------------------------------------


def score(value: float | None) -> str:
    """A score with one decimal, or 「—」."""
    return "—" if value is None or math.isnan(value) else f"{value:.1f}"


def signed(value: float | None) -> str:
    """A change in points with its sign: +7.3, −5.8, ±0.0."""
    if value is None or math.isnan(value):
        return "—"
    if round(value, 1) == 0:
        return "±0.0"
    return f"+{value:.1f}" if value > 0 else f"{MINUS}{abs(value):.1f}"


def percent(value: float | None, digits: int = 0) -> str:
    """A share 0..1 as a percentage."""
    return "—" if value is None or math.isnan(value) else f"{value * 100:.{digits}f}%"


def japanese_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(JST).date()
    return wareki(value)


def people(value: int | None) -> str:
    return "—" if value is None else f"{value:,}人"


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


# --- parts ---------------------------------------------------------------------------------


def round_info(results: RoundResults) -> Context:
    q = results.questionnaire
    return {
        "label": results.round_label,
        "fiscal_year": results.fiscal_year,
        "fy_text": f"{results.fiscal_year}年度",
        "title": results.title,
        "questionnaire": f"{q.title}（{q.key} {q.version}）",
        "previous_label": results.previous_label,
        "is_demo": results.is_demo,
        # which municipalities answer and the figures cover (the cover says so)
        "population": results.population_label,
        "population_text": (
            f"全道の全市町村（{len(results.rows)}市町村）"
            if results.answered_by_all
            else "支援対象の市町村（対象市町村）"
        ),
    }


def peer_row(position: PeerPosition) -> Context:
    shown = not position.too_small and position.median is not None
    return {
        "type": position.group_type_label,
        "group": position.group,
        "n": position.n,
        "shown": shown,
        "median": score(position.median) if shown else "—",
        "q3": score(position.q3) if shown else "—",
        "rank": f"{position.rank} / {position.n}" if shown and position.rank else "—",
        "percentile": f"{position.percentile:.0f}"
        if shown and position.percentile is not None
        else "—",
        "gap": signed(-position.gap_to_median)
        if shown and position.gap_to_median is not None
        else "—",
    }


def trend_info(trend: Trend | None, like_for_like: float | None = None) -> Context | None:
    if trend is None:
        return None
    return {
        "base_round": trend.base_round,
        "base_score": score(trend.base_score),
        "change": signed(trend.change),
        "change_value": _finite(trend.change),
        "comparable": trend.comparable,
        "like_for_like": signed(like_for_like) if like_for_like is not None else None,
        "rules_changed": trend.rules_changed,
        "rescored_base": score(trend.rescored_base) if trend.rescored_base is not None else None,
        "same_rules_change": signed(trend.like_for_like)
        if trend.like_for_like is not None
        else None,
    }


def _overall_like_for_like(results: RoundResults, code: str) -> float | None:
    t = results.trends
    if not len(t):
        return None
    rows = t[(t["code"] == code) & (t["pillar"] == OVERALL)]
    if not len(rows):
        return None
    return _finite(float(rows["like_for_like_change"].iloc[0]))


#: (the peer-group frame, its boxes by (group type, group, pillar)) of the last few rounds
_box_rows: dict[int, tuple[Any, dict[tuple[str, str, str], Context | None]]] = {}


def _boxes_by_group(results: RoundResults) -> dict[tuple[str, str, str], Context | None]:
    """Every peer group's box (None for a too-small group), made once per results (a report
    shows dozens; filtering the frame for each cost more than half of a report's data)."""
    g = results.peers.groups
    cached = _box_rows.get(id(g))
    if cached is not None and cached[0] is g:
        return cached[1]
    boxes: dict[tuple[str, str, str], Context | None] = {}
    for r in g.to_dict("records"):
        key = (r["group_type"], r["group"], r["pillar"])
        if key in boxes:  # the first row of a group counts, as before
            continue
        boxes[key] = (
            None
            if bool(r["too_small"])
            else {
                "label": f"{r['group']}（{int(r['n'])}団体）",
                **{k: float(r[k]) for k in ("min", "q1", "median", "q3", "max")},
            }
        )
    if len(_box_rows) >= 8:
        _box_rows.clear()
    _box_rows[id(g)] = (g, boxes)
    return boxes


def _box(results: RoundResults, pillar: str, group_type: str, group: str) -> Context | None:
    """Quartiles of one peer group for the box chart (None for a too-small group)."""
    box = _boxes_by_group(results).get((group_type, group, pillar))
    return dict(box) if box is not None else None


def _boxes(results: RoundResults, m: MunicipalityResult, pillar: str) -> list[Context]:
    positions = (
        m.overall_peers if pillar == OVERALL else next(p.peers for p in m.pillars if p.id == pillar)
    )
    boxes = []
    for position in positions:
        if position.too_small:
            continue
        box = _box(results, pillar, position.group_type, position.group)
        if box is not None:
            boxes.append(box)
    return boxes


def pillar_info(
    results: RoundResults, m: MunicipalityResult, p: PillarResult, number: int
) -> Context:
    all_peers = p.peer("all")
    return {
        "id": p.id,
        "number": number,
        "title": p.title,
        "description": join_lines(p.description),
        "weight": f"{p.weight:g}",
        "score": score(p.score),
        "score_value": _finite(p.score),
        "level": p.level,
        "level_label": _level_label(results, p.level),
        "coverage": percent(p.coverage),
        "median": peer_row(all_peers)["median"] if all_peers else "—",
        "gap": peer_row(all_peers)["gap"] if all_peers else "—",
        "median_value": _finite(all_peers.median)
        if all_peers and not all_peers.too_small
        else None,
        "peers": [peer_row(x) for x in p.peers],
        "raised": _driver_rows(results, p.raised),
        "held_back": _driver_rows(results, p.held_back),
        "left_out": list(p.left_out),
        "trend": trend_info(p.trend),
        "boxes": _boxes(results, m, p.id) if m.final else [],
        "recommendations": [
            {"rank": r.rank, "title": r.title} for r in m.recommendations if r.pillar == p.id
        ],
    }


def _level_label(results: RoundResults, level: int | None) -> str:
    if level is None:
        return "—"
    found = next((lv for lv in results.questionnaire.levels.levels if lv.level == level), None)
    return f"レベル{level}（{found.label}）" if found else f"レベル{level}"


def _highlight(p: PillarResult) -> Context:
    pos = p.peer("all")
    return {
        "title": p.title,
        "reference": "中央値",
        "score": score(p.score),
        "median": score(pos.median) if pos else "—",
        "gap": signed(-pos.gap_to_median) if pos and pos.gap_to_median is not None else "—",
    }


def growth_areas(m: MunicipalityResult, limit: int = 3) -> Context:
    """「伸ばしたい分野」, never empty while a pillar is scored: the pillars furthest below the
    peer median; if none is below it, those furthest below the top quartile (the 上位25%の境目);
    if none is below that either, the lowest-scoring pillars."""
    scored = [p for p in m.pillars if p.score is not None and math.isfinite(p.score)]
    if m.gaps:
        return {
            "basis": "median",
            "note": "対象市町村の中央値を下回る差が大きい分野（最大3つ）",
            "items": [_highlight(p) for p in m.gaps[:limit]],
        }
    below_q3 = []
    for p in scored:
        pos = p.peer("all")
        gap = pos.gap_to_top_quartile if pos and not pos.too_small else None
        if gap is not None and gap > 0:
            below_q3.append((gap, p))
    if below_q3:
        below_q3.sort(key=lambda t: -t[0])
        return {
            "basis": "q3",
            "note": "中央値を下回る分野はないため、上位25%の境目を下回る差が大きい分野（最大3つ）",
            "items": [_highlight_q3(p) for _gap, p in below_q3[:limit]],
        }
    lowest = sorted(scored, key=lambda p: p.score or 0.0)[: min(2, limit)]
    return {
        "basis": "lowest",
        "note": "どの分野も上位25%の境目以上のため、得点の低い分野",
        "items": [_highlight(p) for p in lowest],
    }


def _highlight_q3(p: PillarResult) -> Context:
    pos = p.peer("all")
    gap = pos.gap_to_top_quartile if pos else None
    return {
        "title": p.title,
        "score": score(p.score),
        "reference": "上位25%の境目",
        "median": score(pos.q3) if pos else "—",
        "gap": signed(-gap) if gap is not None else "—",
    }


def _driver_rows(results: RoundResults, drivers: Sequence[Driver]) -> list[Context]:
    """The answers that moved a pillar, each named by its 問番号 and short label."""
    q = results.questionnaire
    numbers = question_numbers(q)
    rows = []
    for d in drivers[:3]:
        question = next((x for x in q.questions if x.id == d.question_id), None)
        label = short_label(question) if question else d.text
        number = numbers.get(d.question_id, "")
        rows.append({"text": f"{number} {label}".strip(), "points": f"{d.points:.1f}"})
    return rows


def _appendix(m: MunicipalityResult, numbers: Mapping[str, str]) -> list[Context]:
    """The answers by section, each with its 問番号."""
    sections: list[Context] = []
    for row in m.answers:
        if not sections or sections[-1]["title"] != row.section:
            sections.append({"title": row.section, "rows": []})
        sections[-1]["rows"].append(
            {
                "number": numbers.get(row.question_id, ""),
                "text": row.text,
                "lines": row.value.split("\n") if row.value else [],
                "carried_over": row.carried_over,
            }
        )
    return sections


def methodology(results: RoundResults) -> Context:
    q = results.questionnaire
    config = results.peers.config
    return {
        "levels": [
            {
                "level": lv.level,
                "label": lv.label,
                "range": f"{lv.min_score:g}点以上"
                + (f"{nxt.min_score:g}点未満" if nxt is not None else ""),
                "description": join_lines(lv.description),
            }
            for lv, nxt in zip(q.levels.levels, [*q.levels.levels[1:], None], strict=True)
        ],
        "pillars": [{"title": p.title, "weight": f"{p.weight:g}"} for p in results.pillars],
        "bands": "、".join(b.label for b in config.bands),
        "min_group_size": config.min_group_size,
        "previous_label": results.previous_label,
    }


def municipality_context(
    results: RoundResults,
    m: MunicipalityResult,
    generated_on: date,
    *,
    department: str,
    contact: str | None = None,
) -> Context:
    """Everything the municipality report shows. ``generated_on`` is the only value that is
    not a function of the data (it is left out of the cache key, see ``batch.input_hash``).
    ``department``: the issuer on the cover (the ``DX_DEPARTMENT`` setting); ``contact``: whom
    to ask (the department unless given)."""
    overall_all = m.overall_peer("all")
    rank = None
    if overall_all and not overall_all.too_small and overall_all.rank:
        rank = {
            "rank": overall_all.rank,
            "n": overall_all.n,
            "percentile": f"{overall_all.percentile:.0f}"
            if overall_all.percentile is not None
            else "—",
            "median": score(overall_all.median),
        }
    row = results.row(m.code)
    pillars = [pillar_info(results, m, p, k) for k, p in enumerate(m.pillars, start=1)]
    context: Context = {
        "kind": "municipality",
        "title": f"{m.round_label} 市町村DX成熟度レポート {m.name}",
        "generated_on": japanese_date(generated_on),
        "issuer": department,
        "contact": contact or department,
        "round": round_info(results),
        "is_demo": m.is_demo,
        "final": m.final,
        "status_label": m.status_label,
        "last_updated": japanese_date(row.last_activity if row else None),
        "municipality": {
            "code": m.code,
            "name": m.name,
            "kind": m.kind,
            "subprefecture": m.subprefecture,
            "population": people(m.population),
        },
        "overall": {
            "score": score(m.overall),
            "score_value": _finite(m.overall),
            "level": m.level,
            "level_label": m.level_label or "—",
            "level_description": join_lines(m.level_description or ""),
            "coverage": percent(m.coverage),
        },
        "rank": rank,
        "overall_peers": [peer_row(x) for x in m.overall_peers],
        "overall_boxes": _boxes(results, m, OVERALL) if m.final else [],
        "trend": trend_info(m.overall_trend, _overall_like_for_like(results, m.code)),
        "gaps": [_highlight(p) for p in m.gaps],
        "growth": growth_areas(m),
        "strengths": [_highlight(p) for p in m.strengths],
        "pillars": pillars,
        "radar": {
            "labels": [p["title"] for p in pillars],
            "own": [p["score_value"] for p in pillars],
            "median": [p["median_value"] for p in pillars],
            "name": m.name,
        },
        "recommendations": [
            {
                "rank": r.rank,
                "title": r.title,
                "text": join_lines(r.text),
                "pillar": r.pillar_title,
                "gap": signed(-r.gap) if r.gap > 0 else None,
                "cases": [
                    {
                        "municipality": c.municipality,
                        "title": c.title,
                        "summary": join_lines(c.summary),
                        "source": c.source,
                    }
                    for c in r.cases
                ],
            }
            for r in m.recommendations
        ],
        "methodology": methodology(results),
        "appendix": _appendix(m, question_numbers(results.questionnaire)),
        "answered": f"{row.answered} / {row.total}" if row else "—",
    }
    safe: Context = printable_tree(context)
    return safe


def hashable(context: Mapping[str, Any]) -> dict[str, Any]:
    """The context without the values that do not come from the data (the date)."""
    return {k: v for k, v in context.items() if k != "generated_on"}
