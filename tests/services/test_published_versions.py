"""A published questionnaire version is parsed once per process: its stored content (~43 KB of
YAML, deferred on the model) is not read from the database again on later requests."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from dx_assess.extensions import db
from dx_assess.models import QuestionnaireVersion
from dx_assess.services.versions import load_published
from tests.support import empty_database
from tests.support.answers import open_test_round


def test_a_published_version_is_read_and_parsed_once_per_process(app: Flask) -> None:
    with app.app_context():
        try:
            version_id = open_test_round(2025, "2025.1").questionnaire_version_id
            db.session.commit()
            db.session.remove()
            first = load_published(db.session.get(QuestionnaireVersion, version_id))
            db.session.remove()
            row = db.session.get(QuestionnaireVersion, version_id)
            assert row is not None
            assert "content" not in sa.inspect(row).dict  # not loaded with the row …
            assert load_published(row) is first  # … nor to parse it again
            assert "content" not in sa.inspect(row).dict
            assert "sections:" in row.content  # still there when asked for
        finally:
            db.session.rollback()
            empty_database()
