"""Saving a section's answers from the form, trying again when another save or a busy
database got in the way (each try is one ``unit_of_work.attempt``)."""

from __future__ import annotations

import time

from flask_login import current_user
from sqlalchemy.exc import OperationalError

from dx_assess import unit_of_work
from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import Channel, Municipality, Response, SurveyRound
from dx_assess.models.base import is_busy, retryable
from dx_assess.services.responses import StaleWrite, get_or_create_response
from dx_assess.services.saving import SaveResult, save_answers


class SaveNotMade(Exception):
    """A save that could not be made after its retries; nothing of it was written."""

    def __init__(self, busy: bool) -> None:
        super().__init__("busy" if busy else "stale")
        self.busy = busy


STALE_TRIES = 5  # another save landed between read and write: read again and decide again
BUSY_TRIES = 3  # the database was busy (a lock, SQLite's single writer): wait a little


def save_with_retries(
    survey_round: SurveyRound,
    municipality: Municipality,
    response: Response | None,
    questionnaire: Questionnaire,
    posted: dict[str, object],
    base_version: int,
    *,
    shown: dict[str, object],
    confirm: list[str],
    keep_mine: list[str] | None = None,
    conflict_version: int | None = None,
) -> tuple[Response, SaveResult]:
    """Save (creating the response on the first save). If another save landed between our
    read and our write, read again and decide again: every decision is made from what is
    stored, so trying again is safe. If the database stays busy, or the race is lost every
    time, raise SaveNotMade: nothing was written, and the page is shown again as typed.
    Each try is one ``unit_of_work.attempt``: committed here, where a busy database refusing
    the commit can still be retried, and rolled back before the next try."""
    stale_tries = busy_tries = 0
    created_here = response is None
    while True:
        try:
            with unit_of_work.attempt(db.session) as attempt:
                if created_here or response is None:
                    response = get_or_create_response(db.session, survey_round, municipality)
                saving: Response = response
                result = save_answers(
                    db.session,
                    saving,
                    questionnaire,
                    posted,
                    base_version=base_version,
                    user=current_user,
                    channel=Channel.FORM,
                    keep_mine=keep_mine or (),
                    conflict_version=conflict_version,
                    shown=shown,
                    confirm=confirm,
                )
                if result.status not in ("saved", "unchanged"):
                    attempt.discard()
            return saving, result
        except StaleWrite:
            stale_tries += 1
            if stale_tries == STALE_TRIES:
                raise SaveNotMade(busy=False) from None
            db.session.expire_all()
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            busy_tries += 1
            if busy_tries == BUSY_TRIES or not retryable(exc):
                raise SaveNotMade(busy=True) from exc
            time.sleep(0.05 * busy_tries)
            db.session.expire_all()
