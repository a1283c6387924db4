"""Declarative base with a naming convention, so migrations name constraints stably."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# What services accept: a plain Session or Flask-SQLAlchemy's scoped ``db.session``.
DbSession = Session | scoped_session[Any]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def string_enum(cls: type[enum.Enum], name: str, length: int = 20) -> Enum:
    """An enum column stored as its values in a VARCHAR with a CHECK constraint (portable
    between SQLite and PostgreSQL, readable in a dump)."""
    return Enum(
        cls,
        native_enum=False,
        length=length,
        create_constraint=True,
        name=name,
        values_callable=lambda members: [m.value for m in members],
    )


def utcnow() -> datetime:
    """The current time, timezone-aware (stored as UTC)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given: use dx_assess.models.base.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: PostgreSQL's "try again" states: serialization failure, deadlock, lock wait timed out
#: (lock_timeout), statement timed out (statement_timeout).
BUSY_SQLSTATES = ("40001", "40P01", "55P03", "57014")


def is_busy(exc: BaseException) -> bool:
    """True for the database's "try again" errors: SQLite's "database is locked" (two writers
    at once on the embedded database, after its busy timeout) and PostgreSQL's serialization
    failure, deadlock, lock timeout or statement timeout."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    if "database is locked" in str(exc.orig):
        return True
    return getattr(exc.orig, "sqlstate", None) in BUSY_SQLSTATES


def retryable(exc: BaseException) -> bool:
    """A busy error worth trying again at once; a statement that ran into its timeout is not
    (it would take as long again, and the worker must answer before it is killed)."""
    return is_busy(exc) and getattr(getattr(exc, "orig", None), "sqlstate", None) != "57014"
