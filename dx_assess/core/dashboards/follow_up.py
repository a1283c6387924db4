"""The list of municipalities not yet submitted (未提出団体の一覧), pure.

Each municipality of a round's status table with its response's contact person (回答担当者),
its last activity (when it was last saved, and by whom) and its status; filtered by status and
振興局, sorted by a column; the same rows as a CSV frame with Japanese headers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from dx_assess.core.dashboards.status import StatusRow
from dx_assess.core.scoring.peers import SUBPREFECTURES
from dx_assess.core.vocabulary import STATUS_ORDER, Status

#: The status filter: "unsubmitted" (every status but 提出済み, the default), one status, or all.
UNSUBMITTED = "unsubmitted"
ALL = "all"
STATUS_FILTERS: tuple[str, ...] = (UNSUBMITTED, *STATUS_ORDER, ALL)

#: Columns the list sorts by (?sort=); the default is 振興局 then the registry order.
SORT_KEYS: tuple[str, ...] = ("subprefecture", "name", "status", "contact", "last_activity")
DEFAULT_SORT = "subprefecture"


@dataclass(frozen=True)
class Contact:
    """A response's contact person and its last save, as stored (None: not given)."""

    name: str | None = None
    section: str | None = None
    phone: str | None = None
    email: str | None = None
    last_saved_by: str | None = None  # the display name of who saved last


@dataclass(frozen=True)
class FollowUpRow:
    code: str
    name: str
    subprefecture: str
    status: str
    status_label: str
    percent: int
    contact_name: str
    contact_section: str
    contact_phone: str
    contact_email: str
    last_activity: str  # JST, "" when never saved
    last_saved_by: str


@dataclass(frozen=True)
class FollowUpList:
    rows: tuple[FollowUpRow, ...]
    status: str  # the status filter applied
    subprefecture: str | None
    sort: str
    descending: bool


def _status_rank(status: str) -> int:
    try:
        return STATUS_ORDER.index(Status(status))
    except ValueError:
        return len(STATUS_ORDER)


def _sub_rank(name: str) -> int:
    return SUBPREFECTURES.index(name) if name in SUBPREFECTURES else len(SUBPREFECTURES)


def follow_up_list(
    rows: Sequence[StatusRow],
    contacts: Mapping[str, Contact],
    *,
    status: str = UNSUBMITTED,
    subprefecture: str | None = None,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
) -> FollowUpList:
    """``rows`` (a status table's, in registry order) with their contacts, filtered and sorted.

    An unknown status filter or sort key falls back to the default; an unknown 振興局 selects
    nothing. Sorting is stable: rows that tie keep the registry order, and rows with an empty
    sort value (no contact, never saved) come last either way."""
    status = status if status in STATUS_FILTERS else UNSUBMITTED
    sort = sort if sort in SORT_KEYS else DEFAULT_SORT
    out: list[FollowUpRow] = []
    for r in rows:
        if status == UNSUBMITTED and r.status == Status.SUBMITTED:
            continue
        if status not in (UNSUBMITTED, ALL) and r.status != status:
            continue
        if subprefecture is not None and r.subprefecture != subprefecture:
            continue
        c = contacts.get(r.code, Contact())
        out.append(
            FollowUpRow(
                code=r.code,
                name=r.name,
                subprefecture=r.subprefecture,
                status=r.status,
                status_label=r.status_label,
                percent=r.percent,
                contact_name=c.name or "",
                contact_section=c.section or "",
                contact_phone=c.phone or "",
                contact_email=c.email or "",
                last_activity=r.last_activity,
                last_saved_by=(c.last_saved_by or "") if r.last_activity else "",
            )
        )
    order = list(range(len(out)))
    key_of = {
        "subprefecture": lambda i: (_sub_rank(out[i].subprefecture), out[i].subprefecture),
        "name": lambda i: (out[i].name,),
        "status": lambda i: (_status_rank(out[i].status),),
        "contact": lambda i: (out[i].contact_name,),
        "last_activity": lambda i: (out[i].last_activity,),
    }[sort]
    empty = {"contact": "contact_name", "last_activity": "last_activity"}.get(sort)
    filled = [i for i in order if empty is None or getattr(out[i], empty)]
    blank = [i for i in order if empty is not None and not getattr(out[i], empty)]
    filled.sort(key=key_of, reverse=descending)  # stable, also reversed (ties keep their order)
    return FollowUpList(
        rows=tuple(out[i] for i in filled + blank),
        status=status,
        subprefecture=subprefecture,
        sort=sort,
        descending=descending,
    )


#: The CSV's columns: (Japanese header, row attribute).
CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("団体コード", "code"),
    ("振興局", "subprefecture"),
    ("市町村", "name"),
    ("状態", "status_label"),
    ("進み具合（％）", "percent"),
    ("回答担当者", "contact_name"),
    ("所属", "contact_section"),
    ("電話番号", "contact_phone"),
    ("メールアドレス", "contact_email"),
    ("最終更新（日本時間）", "last_activity"),
    ("最終更新者", "last_saved_by"),
)


def follow_up_frame(listing: FollowUpList) -> pd.DataFrame:
    """The listed rows as a frame with Japanese headers (for ``exports.to_csv``)."""
    return pd.DataFrame.from_records(
        [{header: getattr(r, attr) for header, attr in CSV_COLUMNS} for r in listing.rows],
        columns=[header for header, _ in CSV_COLUMNS],
    )
