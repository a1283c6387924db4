"""The audit trail (answer_change, response_event) can only grow: the database itself refuses
UPDATE, DELETE and (PostgreSQL) TRUNCATE, whoever sends them (issue 10, item 10)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import AnswerChange, Channel, EventKind, Response, ResponseEvent, User
from dx_assess.services.saving import save_answers
from tests.support import empty_database


def _audited(response: Response, questionnaire: Questionnaire, user: User) -> None:
    """One answer change and one response event on ``response``."""
    result = save_answers(
        db.session,
        response,
        questionnaire,
        {"basic_population": "1000"},
        base_version=response.version,
        user=user,
        channel=Channel.FORM,
    )
    assert result.status == "saved"
    db.session.add(
        ResponseEvent(
            response_id=response.id,
            kind=EventKind.PREFILLED,
            response_version=result.version,
            by_id=user.id,
        )
    )
    db.session.commit()


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(AnswerChange.id))) or 0,
        db.session.scalar(select(func.count(ResponseEvent.id))) or 0,
    )


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM answer_change",
        "DELETE FROM response_event",
        "DELETE FROM answer_change WHERE question_id = 'basic_population'",
        "UPDATE answer_change SET reason = 'rewritten'",
        "UPDATE response_event SET reason = 'rewritten'",
        "DELETE FROM response",  # the cascade would delete the audit rows
    ],
)
def test_the_database_refuses_to_remove_or_rewrite_audit_rows(
    response: Response, questionnaire: Questionnaire, people: dict[str, User], statement: str
) -> None:
    _audited(response, questionnaire, people["yamada"])
    assert _counts() == (1, 1)
    with pytest.raises(Exception, match="audit rows cannot be"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert _counts() == (1, 1)


@pytest.mark.parametrize("table", ["answer_change", "response_event", "response"])
def test_postgresql_refuses_truncate(
    response: Response, questionnaire: Questionnaire, people: dict[str, User], table: str
) -> None:
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (DELETE without WHERE is refused above)")
    _audited(response, questionnaire, people["yamada"])
    with pytest.raises(Exception, match="audit rows cannot be deleted"):
        db.session.execute(text(f"TRUNCATE {table} CASCADE"))
    db.session.rollback()
    assert _counts() == (1, 1)


def test_the_orm_cannot_delete_a_response_with_its_history(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    _audited(response, questionnaire, people["yamada"])
    db.session.delete(db.session.get(Response, response.id))
    with pytest.raises(Exception, match="audit rows cannot be deleted"):
        db.session.flush()
    db.session.rollback()
    assert _counts() == (1, 1)


def _triggers() -> set[str]:
    if db.session.get_bind().dialect.name == "postgresql":
        rows = db.session.scalars(
            text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O'")
        )
    else:
        rows = db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    return set(rows)


ARMED = {"answer_change_no_update", "answer_change_no_delete"}
ARMED |= {"response_event_no_update", "response_event_no_delete"}


def test_the_tests_can_still_empty_the_database(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    """The documented bypass (tests only) empties everything and leaves the triggers armed."""
    _audited(response, questionnaire, people["pref"])
    empty_database()
    assert _counts() == (0, 0)
    assert db.session.scalar(select(func.count(Response.id))) == 0
    assert _triggers() >= ARMED
    if db.session.get_bind().dialect.name == "postgresql":
        assert _triggers() >= {"answer_change_no_truncate", "response_event_no_truncate"}
        setting = text("SELECT current_setting('dx_assess.purge_audit_trail', true)")
        assert db.session.scalar(setting) != "on"  # SET LOCAL ended with its transaction
