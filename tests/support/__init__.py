"""Helpers for tests: log in and post forms with a CSRF token, like a browser."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import select, text
from werkzeug.test import TestResponse

TEST_PASSWORD = "test-password-123"


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """A test client that logs in and posts forms the way a user would.

    Each request runs in a fresh app context (its own ``g`` and database session), as on a
    real server; otherwise Flask would reuse the test's context and hide stale state.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()

    def request(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        with self.app.app_context():
            return self.client.open(path, method=method, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def csrf_token(self, page: str = "/login") -> str:
        html = self.get(page).get_data(as_text=True)
        match = CSRF_RE.search(html)
        assert match, f"no CSRF token on {page}"
        return match.group(1)

    def login(self, login: str, password: str = TEST_PASSWORD) -> TestResponse:
        token = self.csrf_token("/login")
        return self.request(
            "POST", "/login", data={"login": login, "password": password, "csrf_token": token}
        )

    def post(
        self,
        path: str,
        data: dict[str, Any] | None = None,
        form_page: str | None = None,
        **kwargs: Any,
    ) -> TestResponse:
        """Post a form with the CSRF token of ``form_page`` (default: the same path)."""
        token = self.csrf_token(form_page or path)
        return self.request("POST", path, data={"csrf_token": token, **(data or {})}, **kwargs)


def municipality_id(code: str) -> int:
    from dx_assess.extensions import db
    from dx_assess.models import Municipality

    found = db.session.scalar(select(Municipality.id).where(Municipality.code == code))
    assert found is not None
    return found


def table_counts() -> dict[str, int]:
    from dx_assess.extensions import db

    return {
        t.name: db.session.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one()  # noqa: S608
        for t in db.metadata.sorted_tables
    }


AUDIT_TABLES = ("answer_change", "response_event")


def empty_database() -> None:
    """Delete every row of every table, the append-only audit trail included.

    The database refuses DELETE on the audit tables (migration bc0cc7952fcd); this is the one
    documented way round it, for tests only: on PostgreSQL the transaction sets
    ``dx_assess.purge_audit_trail``, which the trigger function lets through; on SQLite the
    triggers are dropped and created again, from their own definitions, in the same
    transaction. The application never does either.
    """
    from dx_assess.extensions import db

    session = db.session
    session.rollback()
    dialect = session.get_bind().dialect.name
    triggers: list[str] = []
    if dialect == "postgresql":
        session.execute(text("SET LOCAL dx_assess.purge_audit_trail = 'on'"))
    else:
        rows = session.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('answer_change', 'response_event') AND name LIKE '%_no_delete'"
            )
        ).all()
        for name, sql in rows:
            session.execute(text(f'DROP TRIGGER "{name}"'))
            triggers.append(sql)
    for table in reversed(db.metadata.sorted_tables):
        session.execute(table.delete())
    for sql in triggers:
        session.execute(text(sql))
    session.commit()
    session.remove()
