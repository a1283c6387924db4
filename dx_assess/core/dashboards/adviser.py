"""The adviser's home: their municipalities in one round, at a glance (pure).

Per municipality: response status (with % complete while answering), overall score and level
(provisional while not submitted), change since the previous round, the pillar furthest below
the median of the supported municipalities (largest gap), whether a report can be made, and
what the town wrote under 「相談したいこと」 (the question bound to ``consultation``; saved
drafts count too: an adviser reads it to prepare a visit, not to score).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dx_assess.core.questionnaire.bindings import CONSULTATION
from dx_assess.core.results import NOT_STARTED, STATUS_LABELS, RoundResults


@dataclass(frozen=True)
class AssignedTown:
    """One assigned municipality as registered (also when it is not in the round)."""

    code: str
    name: str
    subprefecture: str


@dataclass(frozen=True)
class AdviserRow:
    code: str
    name: str
    subprefecture: str
    in_round: bool  # supported or has a response: has a results page
    status: str
    status_label: str
    percent: int
    final: bool
    overall: float | None
    level: int | None
    level_label: str | None
    change: float | None  # points since the previous round (final responses only)
    change_comparable: bool
    base_round: str | None
    gap_pillar: str | None  # title of the pillar furthest below the peer median
    gap_points: float | None
    consultation: str = ""  # 「相談したいこと」 as written ("" when none)


def consultation_text(results: RoundResults, code: str) -> str:
    """The town's answer to the question bound to ``consultation`` ("" when unbound or empty)."""
    question = results.bindings.question(CONSULTATION)
    if question is None:
        return ""
    value = results.answers.get(code, {}).get(question)
    return value.strip() if isinstance(value, str) else ""


def adviser_rows(results: RoundResults, towns: Sequence[AssignedTown]) -> list[AdviserRow]:
    out: list[AdviserRow] = []
    for town in towns:
        result = results.municipality(town.code)
        row = results.row(town.code)
        if result is None or row is None:
            out.append(
                AdviserRow(
                    code=town.code,
                    name=town.name,
                    subprefecture=town.subprefecture,
                    in_round=False,
                    status="outside",
                    status_label="この調査回の対象外",
                    percent=0,
                    final=False,
                    overall=None,
                    level=None,
                    level_label=None,
                    change=None,
                    change_comparable=True,
                    base_round=None,
                    gap_pillar=None,
                    gap_points=None,
                )
            )
            continue
        trend = result.overall_trend
        gap = result.gaps[0] if result.gaps else None
        gap_position = gap.peer("all") if gap else None
        out.append(
            AdviserRow(
                code=row.code,
                name=row.name,
                subprefecture=row.subprefecture,
                in_round=True,
                status=row.status,
                status_label=STATUS_LABELS.get(row.status, row.status),
                percent=row.percent if row.status != NOT_STARTED else 0,
                final=row.final,
                overall=result.overall,
                level=result.level,
                level_label=result.level_label,
                change=trend.change if trend else None,
                change_comparable=trend.comparable if trend else True,
                base_round=trend.base_round if trend else None,
                gap_pillar=gap.title if gap else None,
                gap_points=gap_position.gap_to_median if gap_position else None,
                consultation=consultation_text(results, row.code),
            )
        )
    return out
