"""The security log (table security_event): record an event; read a page of them.

Every log-in, failed log-in, throttled attempt, log-out and account change (creation,
password, role or municipality, deactivation) is one row; rows are never changed (a
database trigger refuses updates). Each event is also written to the application log
(logger ``dx_assess.web.security``) for the operator's log collection.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import has_request_context, request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from dx_assess.core.vocabulary import jst
from dx_assess.models import SecurityEvent, SecurityEventKind, User
from dx_assess.models.base import DbSession

log = logging.getLogger("dx_assess.security")

KIND_LABELS: dict[SecurityEventKind, LazyString] = {
    SecurityEventKind.LOGIN: _l("ログイン"),
    SecurityEventKind.LOGIN_FAILED: _l("ログイン失敗"),
    SecurityEventKind.THROTTLED: _l("ログイン制限"),
    SecurityEventKind.LOGOUT: _l("ログアウト"),
    SecurityEventKind.ACCOUNT_CREATED: _l("アカウント作成"),
    SecurityEventKind.PASSWORD_CHANGED: _l("パスワード変更"),
    SecurityEventKind.ROLE_CHANGED: _l("役割・所属の変更"),
    SecurityEventKind.DEACTIVATED: _l("無効化"),
    SecurityEventKind.REACTIVATED: _l("有効化"),
}

PAGE_SIZE = 50


def client_address() -> str | None:
    """The client's address as the app sees it (behind a proxy: see DX_PROXY_COUNT)."""
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:64] or None


def record(
    session: DbSession,
    kind: SecurityEventKind,
    *,
    user: User | None = None,
    actor_id: int | None = None,
    detail: str = "",
) -> SecurityEvent:
    """Add one event; the request's unit of work commits it with the change it records."""
    event = SecurityEvent(
        kind=kind,
        user_id=user.id if user is not None else None,
        login=user.login if user is not None else None,
        actor_id=actor_id,
        address=client_address(),
        detail=detail[:300],
    )
    session.add(event)
    log.info(
        "security event %s user=%s actor=%s address=%s %s",
        kind.value,
        event.login or "-",
        actor_id or "-",
        event.address or "-",
        detail,
    )
    return event


@dataclass(frozen=True)
class EventRow:
    at: str
    kind: str
    kind_code: str
    login: str
    display_name: str
    actor: str
    address: str
    detail: str


@dataclass(frozen=True)
class EventPage:
    rows: list[EventRow]
    page: int
    pages: int
    total: int


def events_page(session: DbSession, *, page: int = 1, login: str | None = None) -> EventPage:
    """Newest first, ``PAGE_SIZE`` a page, optionally only the events of one account."""
    query = select(SecurityEvent)
    if login:
        query = query.where(SecurityEvent.login == login)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    found = session.scalars(
        query.order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    rows = [
        EventRow(
            at=jst(e.at),
            kind=str(KIND_LABELS[e.kind]),
            kind_code=e.kind.value,
            login=e.login or "",
            display_name=e.user.display_name if e.user is not None else "",
            actor=e.actor.login if e.actor is not None else "",
            address=e.address or "",
            detail=e.detail,
        )
        for e in found
    ]
    return EventPage(rows=rows, page=page, pages=pages, total=total)
