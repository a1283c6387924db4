"""The plan's indicators as the plan names them (北海道Society5.0推進計画の指標).

The prefecture keeps them in ``dx_assess/data/plan/plan_kpis.yaml`` (under version control):
name, scope, definition, baseline, target and the plan's status word (達成済 / 順調に推移 /
未達成見込み / その他), each with its source. Baselines and targets the plan papers stored here
do not give are left empty (shown as 未入力): they are the prefecture's to enter, never
invented. :func:`plan_indicators` joins each one to this round's computed KPI and to the change
since the previous round.

Pure: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dx_assess.core.dashboards.kpis import KpiTable, KpiValue
from dx_assess.core.shipped import PACKAGE_DIR

PLAN_FILE = PACKAGE_DIR / "data" / "plan" / "plan_kpis.yaml"
STATUS_WORDS = ("達成済", "順調に推移", "未達成見込み", "その他")


class PlanFileError(ValueError):
    pass


@dataclass(frozen=True)
class Figure:
    value: float
    as_of: dt.date
    source: str


@dataclass(frozen=True)
class PlanIndicator:
    id: str
    name: str
    kpi: str  # id of the computed KPI (dashboards.kpis)
    scope: str
    definition: str
    baseline: float | None
    target: float | None
    status: str | None
    status_as_of: str
    figures: tuple[Figure, ...] = ()


@dataclass(frozen=True)
class PlanRow:
    indicator: PlanIndicator
    value: KpiValue  # this round (overall row of the KPI table)
    previous: KpiValue | None  # the previous round, if any
    change: float | None  # value − previous value (points or 団体)
    same_scope: bool = True  # False: the previous round was answered by other municipalities


def _number(raw: object, where: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise PlanFileError(f"{where} は数値か null にしてください。")
    return float(raw)


@cache
def load_plan(path: Path = PLAN_FILE) -> tuple[tuple[PlanIndicator, ...], str]:
    """The indicators of the plan file and its source line."""
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for k, item in enumerate(data["indicators"]):
        status = item.get("status")
        if status is not None and status not in STATUS_WORDS:
            raise PlanFileError(f"indicators[{k}].status「{status}」は計画の言葉ではありません。")
        figures = tuple(
            Figure(float(f["value"]), f["as_of"], str(f["source"])) for f in item.get("figures", [])
        )
        out.append(
            PlanIndicator(
                id=str(item["id"]),
                name=str(item["name"]),
                kpi=str(item["kpi"]),
                scope=str(item["scope"]),
                definition=str(item["definition"]).strip(),
                baseline=_number(item.get("baseline"), f"indicators[{k}].baseline"),
                target=_number(item.get("target"), f"indicators[{k}].target"),
                status=status,
                status_as_of=str(item.get("status_as_of", "")),
                figures=figures,
            )
        )
    return tuple(out), str(data.get("source", ""))


def plan_indicators(table: KpiTable, previous: KpiTable | None = None) -> list[PlanRow]:
    """Each plan indicator with this round's value and the change since ``previous``."""
    indicators, _source = load_plan()
    rows = []
    for ind in indicators:
        now = table.overall.value(ind.kpi)
        before = previous.overall.value(ind.kpi) if previous is not None else None
        same = previous is None or previous.population == table.population
        change = (
            now.value - before.value
            if same and before is not None and now.value is not None and before.value is not None
            else None
        )
        rows.append(PlanRow(ind, now, before, change, same))
    return rows
