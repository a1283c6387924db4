"""scripts/test runs the suite on every core: each pytest-xdist worker on a database of its own."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.workers import (
    create_postgresql_database,
    libpq_url,
    worker_database_url,
    worker_name,
)


def test_a_worker_database_is_the_given_one_with_the_worker_name() -> None:
    url = "postgresql+psycopg://dx:s3cret@db.example:5433/dx_ci?sslmode=require"
    assert worker_database_url(url, "gw1") == (
        "postgresql+psycopg://dx:s3cret@db.example:5433/dx_ci_gw1?sslmode=require"
    )
    assert worker_database_url("sqlite:////tmp/t.sqlite3", "gw0") == "sqlite:////tmp/t.sqlite3_gw0"


def test_in_a_worker_the_session_database_is_the_workers_own(database_url: str) -> None:
    worker = worker_name()
    if worker is None:
        pytest.skip("serial run (-n 0): the given database is used")
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        assert database_url == worker_database_url(given, worker)
    else:  # SQLite in the worker's own temporary folder
        assert f"/popen-{worker}/" in str(make_url(database_url).database)


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="needs TEST_DATABASE_URL on PostgreSQL",
)
def test_a_missing_postgresql_database_is_created_once() -> None:
    given = os.environ["TEST_DATABASE_URL"]
    probe = worker_database_url(given, f"probe_{uuid.uuid4().hex[:8]}")
    try:
        assert create_postgresql_database(probe, connect_to=given) is True
        assert create_postgresql_database(probe, connect_to=given) is False
        engine = create_engine(probe)
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT current_database()"))
                .scalar_one()
                .endswith(make_url(probe).database or "?")
            )
        engine.dispose()
    finally:
        import psycopg

        with psycopg.connect(libpq_url(given), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{make_url(probe).database}"')
