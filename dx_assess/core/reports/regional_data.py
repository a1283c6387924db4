"""The regional report's context (the prefecture's view of a round), as plain data.

Pure, like ``data``: built from :class:`~dx_assess.core.results.RoundResults` with the same
functions as the dashboards (``dashboards.regional`` for the 振興局 × pillar table and the
distributions, ``dashboards.kpis`` for the plan KPIs), so the PDF and the pages agree.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from dx_assess.core.dashboards.kpis import KpiTable, compute_kpis
from dx_assess.core.dashboards.regional import SMALL_N, distributions, regional_table
from dx_assess.core.reports.charts import wrap
from dx_assess.core.reports.data import (
    Context,
    japanese_date,
    methodology,
    round_info,
    score,
    signed,
)
from dx_assess.core.reports.text import printable_tree
from dx_assess.core.results import RoundResults
from dx_assess.core.scoring import OVERALL
from dx_assess.core.vocabulary import STATUS_LABELS, STATUS_ORDER, Status

MOVERS = 5


def _status(results: RoundResults, regions: list[str]) -> Context:
    """Who answers the round: every municipality, or the support programme."""
    supported = [r for r in results.rows if results.answered_by_all or r.supported]

    def counts(rows: list[Any]) -> dict[str, int]:
        return {s: sum(1 for r in rows if r.status == s) for s in STATUS_ORDER}

    def line(name: str, rows: list[Any]) -> Context:
        c = counts(rows)
        return {
            "region": name,
            "total": len(rows),
            "counts": c,
            "cells": [c[s] for s in STATUS_ORDER],
            "rate": f"{100 * c[Status.SUBMITTED] / len(rows):.0f}%" if rows else "—",
        }

    by_region = [line(g, [r for r in supported if r.subprefecture == g]) for g in regions]
    return {
        "labels": [STATUS_LABELS[s] for s in STATUS_ORDER],
        "label_map": {s: STATUS_LABELS[s] for s in STATUS_ORDER},
        "rows": by_region,
        "total": line("全市町村" if results.answered_by_all else "対象市町村全体", supported),
    }


def _kpis(table: KpiTable) -> Context:
    def value(v: float | None, unit: str) -> str:
        if v is None:
            return "—"
        return f"{v:.1f}%" if unit == "%" else f"{v:.0f}{unit}"

    return {
        "definitions": [
            {"name": d.name, "definition": d.definition, "unit": d.unit, "reference": d.reference}
            for d in table.definitions
        ],
        "rows": [
            {
                "region": row.region,
                "is_overall": row.is_overall,
                "responses": row.responses,
                "municipalities": row.municipalities,
                "cells": [
                    {"text": value(v.value, d.unit), "n": v.n}
                    for v, d in zip(row.values, table.definitions, strict=True)
                ],
            }
            for row in table.rows
        ],
    }


def _movers(results: RoundResults) -> Context | None:
    """The largest changes of the overall score since the previous round. When the overall
    change is not comparable (questions changed), the like-for-like change is used: the change
    over the pillars that can be compared."""
    t = results.trends
    if results.previous_label is None or not len(t):
        return None
    rows = t[t["pillar"] == OVERALL]
    names = {r.code: (r.name, r.subprefecture) for r in results.rows}
    comparable = bool(rows["comparable"].all()) if len(rows) else True
    column = "change" if comparable else "like_for_like_change"
    items: list[dict[str, Any]] = []
    for rec in rows.to_dict("records"):
        change = rec[column]
        if change is None or math.isnan(change):
            continue
        name, region = names.get(str(rec["code"]), (str(rec["code"]), ""))
        items.append(
            {
                "name": name,
                "region": region,
                "score": score(rec["score"]),
                "base": score(rec["base_score"]),
                "change": signed(change),
                "overall_change": signed(rec["change"]),
                "value": float(change),
            }
        )
    items.sort(key=lambda i: (-i["value"], i["name"]))
    up = [i for i in items if i["value"] > 0][:MOVERS]
    down = sorted((i for i in items if i["value"] < 0), key=lambda i: (i["value"], i["name"]))
    pillar_rows = []
    for p in results.pillars:
        part = t[(t["pillar"] == p.id) & t["comparable"]]
        changes = part["change"].dropna()
        pillar_rows.append(
            {
                "title": p.title,
                "comparable": bool(len(part)),
                "n": len(changes),
                "median_change": signed(float(changes.median())) if len(changes) else "—",
                "up": int((changes > 0).sum()),
                "down": int((changes < 0).sum()),
            }
        )
    return {
        "base": results.previous_label,
        "comparable": comparable,
        "n": len(items),
        "up": up,
        "down": down[:MOVERS],
        "pillars": pillar_rows,
    }


def regional_context(
    results: RoundResults, generated_on: date, *, department: str, contact: str | None = None
) -> Context:
    """Everything the regional report shows; ``department`` is the issuer on the cover (the
    ``DX_DEPARTMENT`` setting)."""
    table = regional_table(results)
    regions = [row.region for row in table.rows if not row.is_total]
    dists = distributions(results)
    scores = [
        {
            "code": r.code,
            "name": r.name,
            "region": r.subprefecture,
            "overall": score(r.overall),
            "level": r.level if r.level is not None else "—",
            "pillars": [score(r.pillar_scores.get(p.id)) for p in results.pillars],
        }
        for r in results.rows
        if r.final
    ]
    context: Context = {
        "kind": "regional",
        "title": f"{results.round_label} 市町村DX成熟度 地域別レポート",
        "generated_on": japanese_date(generated_on),
        "issuer": department,
        "contact": contact or department,
        "round": round_info(results),
        "is_demo": results.is_demo,
        "status": _status(results, regions),
        "metrics": [m.title for m in table.metrics],
        "metric_lines": [wrap(m.title, 6).split("\n") for m in table.metrics],
        "distributions": [
            {
                "title": d.metric.title,
                "n": d.n,
                "cells": [score(v) for v in (d.minimum, d.q1, d.median, d.q3, d.maximum)],
                "points": list(d.values),
            }
            for d in dists
        ],
        "regions": [
            {
                "region": row.region,
                "is_total": row.is_total,
                "municipalities": row.municipalities,
                "submitted": row.submitted,
                "cells": [{"text": score(c.median), "n": c.n, "small": c.small} for c in row.cells],
                "medians": [c.median for c in row.cells],
            }
            for row in table.rows
        ],
        "small_n": SMALL_N,
        "kpis": _kpis(compute_kpis(results)),
        "movers": _movers(results),
        "pillar_titles": [p.title for p in results.pillars],
        "pillar_lines": [wrap(p.title, 6).split("\n") for p in results.pillars],
        "scores": scores,
        "methodology": methodology(results),
    }
    safe: Context = printable_tree(context)
    return safe
