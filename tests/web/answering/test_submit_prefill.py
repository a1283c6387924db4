"""Submitting, reopening, closing, and prefilling from last year."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dx_assess.core.questionnaire import Questionnaire, visible_question_ids
from dx_assess.extensions import db
from dx_assess.models import (
    AnswerChange,
    Channel,
    EventKind,
    Municipality,
    Response,
    ResponseEvent,
    ResponseStatus,
    SurveyRound,
    User,
)
from dx_assess.services.prefill import prefill
from dx_assess.services.responses import (
    NotEditable,
    current_answers,
    get_or_create_response,
    reopen,
    submit,
)
from dx_assess.services.rounds import close_round, round_questionnaire
from dx_assess.services.saving import save_answers
from tests.support import Browser
from tests.support.answers import fill
from tests.web.answering.survey_fixtures import TOWN, complete_answers, make_round


def events(response: Response) -> list[tuple[EventKind, str | None]]:
    rows = db.session.scalars(
        select(ResponseEvent)
        .where(ResponseEvent.response_id == response.id)
        .order_by(ResponseEvent.id)
    )
    return [(e.kind, e.reason) for e in rows]


def test_incomplete_response_cannot_be_submitted(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    fill(response, questionnaire, people["yamada"], {"basic_population": "1000"})
    issues = submit(db.session, response, questionnaire, people["yamada"])
    assert "basic_department" in {i.question_id for i in issues}
    assert all(i.message for i in issues)
    assert response.status is ResponseStatus.DRAFT
    assert events(response) == []


def test_cross_field_rules_block_submission(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    answers = complete_answers(questionnaire)
    answers.update(basic_population="100", mnc_cards_held="150")
    fill(response, questionnaire, people["yamada"], answers)
    issues = submit(db.session, response, questionnaire, people["yamada"])
    assert [i.check_id for i in issues] == ["cards_within_population"]
    assert response.status is ResponseStatus.DRAFT


def test_submit_then_read_only_then_reopen_with_a_reason(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    fill(response, questionnaire, people["yamada"], complete_answers(questionnaire))
    assert submit(db.session, response, questionnaire, people["yamada"]) == []
    db.session.commit()
    assert response.status is ResponseStatus.SUBMITTED
    assert response.submitted_by_id == people["yamada"].id

    with pytest.raises(NotEditable, match="提出済み"):
        save_answers(
            db.session,
            response,
            questionnaire,
            {"basic_population": "5"},
            base_version=response.version,
            user=people["sato"],
            channel=Channel.FORM,
        )
    with pytest.raises(NotEditable, match="理由"):
        reopen(db.session, response, people["pref"], "  ")

    reopen(db.session, response, people["pref"], "人口の基準日が違います")
    db.session.commit()
    assert response.status is ResponseStatus.REOPENED
    fill(response, questionnaire, people["sato"], {"basic_population": "1100"})
    assert events(response) == [
        (EventKind.SUBMITTED, None),
        (EventKind.REOPENED, "人口の基準日が違います"),
    ]


def test_closing_the_round_stops_edits(
    survey_round: SurveyRound,
    response: Response,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    close_round(db.session, survey_round)
    db.session.commit()
    with pytest.raises(NotEditable, match="受け付けていません"):
        save_answers(
            db.session,
            response,
            questionnaire,
            {"basic_population": "5"},
            base_version=response.version,
            user=people["yamada"],
            channel=Channel.FORM,
        )


def test_prefill_from_last_year_through_the_version_map(
    people: dict[str, User],
) -> None:
    town = db.session.scalar(select(Municipality).where(Municipality.code == TOWN))
    assert town is not None
    fy2024 = make_round(2024, "2024.1", people["pref"])
    q2024 = round_questionnaire(fy2024)
    old = get_or_create_response(db.session, fy2024, town)
    answers = complete_answers(q2024)
    grid = q2024.question("std_status")
    answers["std_status"] = {r.id: "planned" for r in grid.rows}
    answers["basic_population"] = "1200"
    fill(old, q2024, people["yamada"], answers)

    fy2025 = make_round(2025, "2025.1", people["pref"])
    q2025 = round_questionnaire(fy2025)
    new = get_or_create_response(db.session, fy2025, town)
    fill(new, q2025, people["sato"], {"basic_population": "1150"})  # already answered: kept

    result = prefill(db.session, new, q2025, people["sato"])
    db.session.commit()
    values = current_answers(new, q2025)
    assert values["basic_population"] == 1150
    assert "basic_population" in result.kept
    # 計画策定済 (planned) became 移行作業中（期限内） (on_schedule) through the value map
    assert set(values["std_status"].values()) == {"on_schedule"}  # type: ignore[union-attr]
    # a renamed question carries over; a new one does not
    assert "gov_digital_talent" in result.filled
    assert "gen_ai_use" not in values
    carried = {a.question_id for a in new.answers if a.carried_over}
    assert carried == set(result.filled)
    rows = db.session.scalars(
        select(AnswerChange).where(
            AnswerChange.response_id == new.id, AnswerChange.channel == Channel.PREFILL
        )
    ).all()
    assert {r.question_id for r in rows} == set(result.filled)
    assert all(r.reason and "令和6年度" in r.reason for r in rows)

    # carried-over answers must be confirmed before submitting
    complete = complete_answers(q2025)
    for qid in result.filled:
        complete.pop(qid, None)
    fill(new, q2025, people["sato"], complete)
    issues = submit(db.session, new, q2025, people["sato"])
    visible = set(visible_question_ids(q2025, current_answers(new, q2025)))
    unconfirmed = {i.question_id for i in issues if "前回から引き継いだ回答" in i.message}
    assert unconfirmed == set(result.filled) & visible
    assert unconfirmed
    assert {i.question_id for i in issues} == unconfirmed
    assert new.status is ResponseStatus.DRAFT
    # saving the same values again does not confirm them (issue 10): confirming is explicit
    fill(new, q2025, people["sato"], {qid: values[qid] for qid in result.filled})
    assert {a.question_id for a in new.answers if a.carried_over} == set(result.filled)
    confirmed = save_answers(
        db.session,
        new,
        q2025,
        {},
        base_version=new.version,
        user=people["sato"],
        channel=Channel.FORM,
        confirm=result.filled,
    )
    assert confirmed.status == "saved"
    db.session.commit()
    assert not any(a.carried_over for a in new.answers)
    assert submit(db.session, new, q2025, people["sato"]) == []


def test_prefill_without_a_previous_response(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    with pytest.raises(NotEditable, match="引き継げる前回の回答がありません"):
        prefill(db.session, response, questionnaire, people["yamada"])


def test_the_reason_for_sending_back_is_shown_to_the_town(
    response: Response,
    questionnaire: Questionnaire,
    people: dict[str, User],
    browser: Browser,
) -> None:
    fill(response, questionnaire, people["yamada"], complete_answers(questionnaire))
    assert submit(db.session, response, questionnaire, people["yamada"]) == []
    reopen(db.session, response, people["pref"], "保有枚数を再確認してください")
    db.session.commit()
    browser.login("sato")
    base = f"/rounds/{response.round_id}/responses/{TOWN}"
    for page in (base, f"{base}/sections/mnc"):
        html = browser.get(page).get_data(as_text=True)
        assert "道庁から差し戻されました" in html
        assert "保有枚数を再確認してください" in html
    # once submitted again, the note goes
    assert submit(db.session, response, questionnaire, people["sato"]) == []
    db.session.commit()
    assert "保有枚数を再確認してください" not in browser.get(base).get_data(as_text=True)
