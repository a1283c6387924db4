"""The round status table (回答状況): who has not started, who is answering and how far, who
has submitted, whose response was sent back; a reminder list to copy and the CSV (pure).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import pandas as pd

from dx_assess.core.results import MunicipalityRow, RoundResults
from dx_assess.core.scoring.peers import SUBPREFECTURES
from dx_assess.core.vocabulary import IN_PROGRESS, STATUS_LABELS, STATUS_ORDER, Status, jst


@dataclass(frozen=True)
class StatusRow:
    code: str
    name: str
    subprefecture: str
    supported: bool
    status: str
    status_label: str
    answered: int
    total: int
    percent: int
    last_activity: str  # JST, "" when never saved

    @property
    def needs_reminder(self) -> bool:
        return self.status != Status.SUBMITTED


@dataclass(frozen=True)
class StatusTable:
    rows: tuple[StatusRow, ...]
    subprefectures: tuple[str, ...]  # those present among the visible rows, in order
    selected: str | None  # the 振興局 filter, None for all
    counts: tuple[tuple[str, str, int], ...]  # (status, label, count) in STATUS_ORDER

    @property
    def reminders(self) -> tuple[StatusRow, ...]:
        return tuple(r for r in self.rows if r.needs_reminder)


def _row(r: MunicipalityRow) -> StatusRow:
    return StatusRow(
        code=r.code,
        name=r.name,
        subprefecture=r.subprefecture,
        supported=r.supported,
        status=r.status,
        status_label=r.status_label,
        answered=r.answered,
        total=r.total,
        percent=r.percent if r.status != Status.NOT_STARTED else 0,
        last_activity=jst(r.last_activity),
    )


def status_table(
    results: RoundResults, visible: Collection[str] | None, subprefecture: str | None = None
) -> StatusTable:
    """The rows of ``results`` the user may see (``visible`` codes; None = all): supported
    municipalities and any other with a response; optionally of one 振興局 (an unknown name
    selects nothing rather than everything)."""
    seen = [
        r
        for r in results.rows
        if (visible is None or r.code in visible)
        and (r.supported or r.status != Status.NOT_STARTED)
    ]
    present = {r.subprefecture for r in seen}
    subs = tuple(s for s in SUBPREFECTURES if s in present) + tuple(
        sorted(present - set(SUBPREFECTURES) - {""})
    )
    chosen = [r for r in seen if subprefecture is None or r.subprefecture == subprefecture]
    counts = Counter(r.status for r in chosen)
    return StatusTable(
        rows=tuple(_row(r) for r in chosen),
        subprefectures=subs,
        selected=subprefecture,
        counts=tuple((s, STATUS_LABELS[s], counts.get(s, 0)) for s in STATUS_ORDER),
    )


def reminder_text(rows: Sequence[StatusRow]) -> str:
    """One line per municipality that has not submitted, ready to paste into an e-mail:
    「空知　○○町（回答中 40%）」."""
    lines = []
    for r in rows:
        if not r.needs_reminder:
            continue
        detail = r.status_label
        if r.status in IN_PROGRESS:
            detail += f" {r.percent}%"
        lines.append(f"{r.subprefecture}\u3000{r.name}（{detail}）")
    return "\n".join(lines)


def status_frame(results: RoundResults, table: StatusTable) -> pd.DataFrame:
    """The status table as a tidy frame for the CSV export."""
    return pd.DataFrame.from_records(
        [
            {
                "round_id": results.round_id,
                "fiscal_year": results.fiscal_year,
                "code": r.code,
                "municipality": r.name,
                "subprefecture": r.subprefecture,
                "supported": r.supported,
                "status": r.status,
                "status_label": r.status_label,
                "answered_count": r.answered,
                "total": r.total,
                "percent": r.percent,
                "last_activity_jst": r.last_activity,
            }
            for r in table.rows
        ],
        columns=[
            "round_id",
            "fiscal_year",
            "code",
            "municipality",
            "subprefecture",
            "supported",
            "status",
            "status_label",
            "answered_count",
            "total",
            "percent",
            "last_activity_jst",
        ],
    )
