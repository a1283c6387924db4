"""Helpers for the upload tests: read a form from a page as a browser would submit it."""

from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import select

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import Channel, Municipality, Response, SurveyRound, User
from dx_assess.services.responses import current_answers, get_or_create_response
from dx_assess.services.saving import save_answers


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._current: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = self.forms.setdefault(a.get("action", ""), {})
        elif tag == "input" and self._current is not None and a.get("type") == "hidden":
            self._current[a.get("name", "")] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def hidden_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action``, as the browser would send them."""
    parser = _Forms()
    parser.feed(html)
    assert action in parser.forms, f"no form posting to {action}: {list(parser.forms)}"
    return {k: v for k, v in parser.forms[action].items() if k != "csrf_token"}


def town_saves(
    survey_round: SurveyRound,
    code: str,
    questionnaire: Questionnaire,
    user: User,
    answers: dict[str, object],
) -> None:
    """A colleague saves ``answers`` on the screen (a plain save at the current version)."""
    db.session.expire_all()
    town = db.session.scalar(select(Municipality).where(Municipality.code == code))
    assert town is not None
    response = get_or_create_response(db.session, survey_round, town)
    result = save_answers(
        db.session,
        response,
        questionnaire,
        answers,
        base_version=response.version,
        user=user,
        channel=Channel.FORM,
    )
    assert result.status == "saved", result
    db.session.commit()


def answers_of(
    survey_round: SurveyRound, code: str, questionnaire: Questionnaire
) -> dict[str, object]:
    db.session.expire_all()
    response = db.session.scalar(
        select(Response)
        .join(Municipality)
        .where(Response.round_id == survey_round.id, Municipality.code == code)
    )
    return dict(current_answers(response, questionnaire)) if response else {}
