"""Migrations upgrade from an empty database, match the models, and downgrade to base.

Runs on the database named by TEST_DATABASE_URL (a fresh database is created on the same
PostgreSQL server and dropped afterwards) or on a fresh SQLite file.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from dx_assess import create_app
from tests.support.paths import REPO

TABLES = {
    "subprefecture",
    "municipality",
    "supported_list_change",
    "user_account",
    "adviser_assignment",
    "questionnaire_version",
    "survey_round",
    "response",
    "answer",
    "answer_change",
    "response_event",
    "report_job",
    "security_event",
    "staged_upload",
    "official_figure",
    "report_item",
    "report_render",
    "report_file",
    "submission_receipt",
    "outgoing_mail",
}


@pytest.fixture
def fresh_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"dx_assess_migrations_{uuid.uuid4().hex[:8]}"
    server = create_engine(
        url.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def test_upgrade_from_empty_then_downgrade_to_base(fresh_database_url: str) -> None:
    app = create_app({"DX_ENV": "testing", "DATABASE_URL": fresh_database_url})
    from dx_assess.extensions import db

    with app.app_context():
        assert set(inspect(db.engine).get_table_names()) == set()
        flask_migrate.upgrade()
        assert set(inspect(db.engine).get_table_names()) == TABLES | {"alembic_version"}

        # The migrations build exactly what the models describe.
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []

        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        flask_migrate.upgrade()  # and back up again
        assert set(inspect(db.engine).get_table_names()) == TABLES | {"alembic_version"}
        db.session.remove()
        db.engine.dispose()


def test_migration_files_are_named_with_a_date_prefix() -> None:
    versions = REPO / "migrations" / "versions"
    names = [p.name for p in versions.glob("*.py")]
    assert names
    for name in names:
        assert name[:8].isdigit(), name
        assert name[8] == "_", name
