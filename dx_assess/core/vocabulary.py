"""The words the whole service shares: Japan time and the Japanese calendar, the roles and
the role sets, a response's status and a round's state with their Japanese labels and their
one display order, and what counts as a number in an answer or a results cell.

Pure: imports nothing of Flask, SQLAlchemy or the app, so that the pure core (questionnaire,
scoring, results, dashboards' and reports' data) and the shell use the same definitions.
The labels are Japanese source text; ``dx_assess.web.labels`` lists them for translation.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

# ---------------------------------------------------------------------- time and calendar

#: Japan time: rounds open and close on Japanese calendar days; pages show Japan time.
JST = ZoneInfo("Asia/Tokyo")

#: The prefecture's department that runs the assessment (``DX_DEPARTMENT`` overrides it).
DEFAULT_DEPARTMENT = "北海道経済部 AI・DX推進局 DX推進課"


def now() -> datetime:
    """The current time in Japan (timezone-aware)."""
    return datetime.now(JST)


def today() -> date:
    """Today in Japan (rounds open and close on Japanese calendar days)."""
    return now().date()


def jst(value: datetime | None) -> str:
    """A timestamp as Japan time, e.g. 2026-11-22 14:05; "" for None."""
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M") if value else ""


def _reiwa_year(year: int) -> str:
    n = year - 2018
    return "元" if n == 1 else str(n)


def reiwa(fiscal_year: int) -> str:
    """令和N年度 for a fiscal year (令和元年度 = FY2019)."""
    return f"令和{_reiwa_year(fiscal_year)}年度"


_REIWA_START = date(2019, 5, 1)


def reference_date(fiscal_year: int) -> date:
    """A round's 基準日: the first day of its fiscal year (令和8年度 → 令和8年4月1日現在), as
    the questionnaire from 令和8年度 on fixes it for every municipality."""
    return date(fiscal_year, 4, 1)


def wareki(day: date) -> str:
    """A date in the Japanese calendar, e.g. 令和8年12月1日; 平成 before 2019-05-01
    (平成31年4月30日), so that an old statistics file's date reads right too."""
    if day < _REIWA_START:
        n = day.year - 1988
        return f"平成{'元' if n == 1 else n}年{day.month}月{day.day}日"
    return f"令和{_reiwa_year(day.year)}年{day.month}月{day.day}日"


def wareki_time(value: datetime) -> str:
    """A moment as pages show it, in Japan time: 令和8年11月22日 14:05 (a naive datetime is
    taken as UTC, as the database stores time)."""
    local = (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(JST)
    return f"{wareki(local.date())} {local.hour:02d}:{local.minute:02d}"


# ---------------------------------------------------------------------- roles


class Role(enum.StrEnum):
    """A user's one role (stored in ``user_account.role`` as these values)."""

    MUNICIPAL = "municipal"  # 市町村職員
    ADVISER = "adviser"  # アドバイザー
    PREFECTURE = "prefecture"  # 道庁 DX推進課
    ADMIN = "admin"  # システム管理者


#: The prefecture's own staff (DX推進課 and the system administrator): they see every
#: municipality and oversee the whole programme.
PREFECTURE_STAFF: frozenset[Role] = frozenset({Role.PREFECTURE, Role.ADMIN})
#: Everyone who follows municipalities from outside: an adviser their assigned towns, the
#: prefecture's staff all of them (reminders, exports, the lists of municipalities).
SUPPORT_STAFF: frozenset[Role] = frozenset({Role.ADVISER}) | PREFECTURE_STAFF


# ---------------------------------------------------------------------- response status


class ResponseStatus(enum.StrEnum):
    """A response's status as stored (``response.status``; the values are the schema's)."""

    DRAFT = "draft"  # 回答中
    SUBMITTED = "submitted"  # 提出済み
    REOPENED = "reopened"  # 差し戻し（再回答中）


class Status(enum.StrEnum):
    """Where a municipality stands in a round: a stored :class:`ResponseStatus`, or
    ``not_started`` when it has no response yet.

    The members are declared in THE display order, used by the status table, its counts, the
    CSV and the regional report: by how much work is left, from none done to done
    (未着手 → 回答中 → 差し戻し中 → 提出済み). Not the order in time: a response is sent back
    (差し戻し) only after it was submitted, but it is unfinished work again, and a reader of
    the counts or of a reminder list wants the ones still to do first and the finished last.
    """

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    REOPENED = "reopened"
    SUBMITTED = "submitted"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @classmethod
    def of(cls, stored: ResponseStatus | None) -> Status:
        """The status of a municipality whose response has ``stored`` (None: no response)."""
        return cls.NOT_STARTED if stored is None else cls(stored.value)


#: Japanese labels (the ``label`` template filter translates them).
STATUS_LABELS: Mapping[str, str] = MappingProxyType(
    {
        Status.NOT_STARTED: "未着手",
        Status.DRAFT: "回答中",
        Status.REOPENED: "差し戻し中",
        Status.SUBMITTED: "提出済み",
    }
)
#: The display order (see :class:`Status`).
STATUS_ORDER: tuple[Status, ...] = tuple(Status)
#: Statuses of a response being answered (a progress bar makes sense).
IN_PROGRESS: frozenset[Status] = frozenset({Status.DRAFT, Status.REOPENED})


# ---------------------------------------------------------------------- round state


class RoundState(enum.StrEnum):
    """A round's state on a given day, in the order a round goes through them."""

    SCHEDULED = "scheduled"  # 開始前
    OPEN = "open"  # 回答受付中
    CLOSED = "closed"  # 締切済み

    @property
    def code(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        return ROUND_STATE_LABELS[self]


ROUND_STATE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        RoundState.SCHEDULED: "開始前",
        RoundState.OPEN: "回答受付中",
        RoundState.CLOSED: "締切済み",
    }
)


# ---------------------------------------------------------------------- numbers


def answer_number(value: object) -> float | None:
    """A numeric answer as a float; None for anything else (a yes/no is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def cell_number(value: object) -> float | None:
    """A cell of a results frame as a float; None when empty (None or NaN)."""
    if value is None:
        return None
    f = float(value)  # type: ignore[arg-type]
    return None if math.isnan(f) else f
