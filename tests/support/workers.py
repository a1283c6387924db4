"""What each pytest-xdist worker has of its own when ``scripts/test`` runs the suite on every
core: a database (``<name>_gw0``, ``<name>_gw1``… on PostgreSQL, created when missing and never
dropped here) and an instance folder (``<folder>-gw0``…). Run serially (``-n 0``), nothing
changes: the database and the folder are the ones given."""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url


def worker_name() -> str | None:
    """``gw0``, ``gw1``… in an xdist worker; None when the tests run in one process."""
    return os.environ.get("PYTEST_XDIST_WORKER") or None


def worker_database_url(url: str, worker: str) -> str:
    """The database URL of ``worker``: the database name (SQLite: the file) + ``_<worker>``."""
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL (``postgresql+psycopg://…`` too) as psycopg takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_postgresql_database(url: str, connect_to: str) -> bool:
    """Create the database of ``url`` unless it exists, connected (autocommit: CREATE DATABASE
    runs outside a transaction) to the existing database of ``connect_to``. True if created."""
    import psycopg
    from psycopg import sql

    name = make_url(url).database
    assert name, url
    with psycopg.connect(libpq_url(connect_to), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:  # another run created it meanwhile
            return False
    return True
