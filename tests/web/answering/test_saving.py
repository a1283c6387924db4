"""Saving answers: drafts, validation, the audit trail, and edits made at the same time."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import AnswerChange, Channel, Response, User
from dx_assess.services.responses import StaleWrite, current_answers
from dx_assess.services.saving import save_answers


def save(
    response: Response,
    q: Questionnaire,
    user: User,
    posted: dict[str, object],
    base: int | None = None,
    keep_mine: tuple[str, ...] = (),
    conflict_version: int | None = None,
) -> object:
    result = save_answers(
        db.session,
        response,
        q,
        posted,
        base_version=response.version if base is None else base,
        user=user,
        channel=Channel.FORM,
        keep_mine=keep_mine,
        conflict_version=conflict_version,
    )
    db.session.commit()
    return result


def audit_rows(response: Response) -> list[AnswerChange]:
    return list(
        db.session.scalars(
            select(AnswerChange)
            .where(AnswerChange.response_id == response.id)
            .order_by(AnswerChange.id)
        )
    )


def test_a_partial_draft_is_saved_with_one_audit_row_per_change(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    result = save(
        response,
        questionnaire,
        people["yamada"],
        {"basic_department": "総務課 情報係", "basic_population": "１，２３４"},
    )
    assert result.status == "saved"  # type: ignore[attr-defined]
    assert response.version == 1
    assert current_answers(response, questionnaire) == {
        "basic_department": "総務課 情報係",
        "basic_population": 1234,
    }
    rows = audit_rows(response)
    assert [
        (r.question_id, r.old_value, r.new_value, r.channel, r.changed_by_id, r.response_version)
        for r in rows
    ] == [
        ("basic_department", None, "総務課 情報係", Channel.FORM, people["yamada"].id, 1),
        ("basic_population", None, 1234, Channel.FORM, people["yamada"].id, 1),
    ]


def test_changing_and_clearing_are_audited_with_old_and_new_values(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    save(response, questionnaire, people["yamada"], {"basic_population": "1000"})
    save(response, questionnaire, people["sato"], {"basic_population": "1200"})
    save(response, questionnaire, people["sato"], {"basic_population": ""})
    rows = audit_rows(response)
    assert [(r.old_value, r.new_value, r.changed_by_id) for r in rows] == [
        (None, 1000, people["yamada"].id),
        (1000, 1200, people["sato"].id),
        (1200, None, people["sato"].id),
    ]
    assert "basic_population" not in current_answers(response, questionnaire)
    assert response.version == 3


def test_saving_the_same_values_again_changes_nothing(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    save(response, questionnaire, people["yamada"], {"basic_population": "1000"})
    result = save(response, questionnaire, people["yamada"], {"basic_population": "1,000"})
    assert result.status == "unchanged"  # type: ignore[attr-defined]
    assert response.version == 1
    assert len(audit_rows(response)) == 1


def test_bad_values_get_japanese_messages_and_change_nothing(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    save(response, questionnaire, people["yamada"], {"basic_population": "1000"})
    result = save(
        response,
        questionnaire,
        people["yamada"],
        {
            "basic_population": "たくさん",
            "basic_staff": "-3",
            "basic_department": "総務課",
        },
    )
    assert result.status == "invalid"  # type: ignore[attr-defined]
    assert result.errors == {  # type: ignore[attr-defined]
        "basic_population": "数値を入力してください（入力: たくさん）。",
        "basic_staff": "0人以上の値を入力してください。",
    }
    assert current_answers(response, questionnaire) == {"basic_population": 1000}
    assert response.version == 1
    assert len(audit_rows(response)) == 1


def test_cross_field_rule_warns_on_save_but_keeps_the_draft(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    result = save(
        response,
        questionnaire,
        people["yamada"],
        {"basic_population": "1000", "mnc_cards_held": "1500"},
    )
    assert result.status == "saved"  # type: ignore[attr-defined]
    assert [w.check_id for w in result.warnings] == ["cards_within_population"]  # type: ignore[attr-defined]


def test_stale_save_on_the_same_question_is_a_conflict_and_applies_nothing(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    save(response, questionnaire, people["yamada"], {"basic_population": "1000"})
    page_version = response.version  # both colleagues open the page now
    save(response, questionnaire, people["sato"], {"basic_population": "1100"})
    result = save(
        response,
        questionnaire,
        people["yamada"],
        {"basic_population": "1200", "basic_staff": "40"},
        base=page_version,
    )
    assert result.status == "conflict"  # type: ignore[attr-defined]
    [conflict] = result.conflicts  # type: ignore[attr-defined]
    assert (conflict.question_id, conflict.theirs, conflict.mine) == (
        "basic_population",
        1100,
        1200,
    )
    assert conflict.theirs_by == people["sato"].display_name
    # nothing of the stale save was applied, not even the non-conflicting answer
    assert current_answers(response, questionnaire) == {"basic_population": 1100}
    assert response.version == page_version + 1


def test_stale_save_on_other_questions_is_merged(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    save(
        response, questionnaire, people["yamada"], {"basic_population": "1000", "basic_staff": "30"}
    )
    page_version = response.version
    save(response, questionnaire, people["sato"], {"basic_population": "1100", "basic_staff": "30"})
    # yamada's page still shows population 1000, which yamada did not touch
    result = save(
        response,
        questionnaire,
        people["yamada"],
        {"basic_population": "1000", "basic_staff": "35"},
        base=page_version,
    )
    assert result.status == "saved"  # type: ignore[attr-defined]
    assert result.merged_from == [people["sato"].display_name]  # type: ignore[attr-defined]
    assert current_answers(response, questionnaire) == {"basic_population": 1100, "basic_staff": 35}


def test_resolving_a_conflict_keeps_the_colleagues_other_changes(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    page_version = response.version  # both open the page
    save(response, questionnaire, people["sato"], {"basic_population": "1100", "basic_staff": "30"})
    yamada_page = {"basic_population": "1200", "basic_staff": ""}  # staff left alone
    first = save(response, questionnaire, people["yamada"], yamada_page, base=page_version)
    assert [c.question_id for c in first.conflicts] == ["basic_population"]  # type: ignore[attr-defined]
    # the conflict page re-sends yamada's page against the version it first showed
    result = save(
        response,
        questionnaire,
        people["yamada"],
        yamada_page,
        base=page_version,
        keep_mine=("basic_population",),
        conflict_version=response.version,
    )
    assert result.status == "saved"  # type: ignore[attr-defined]
    # sato's staff number survives although yamada's page still showed it empty
    assert current_answers(response, questionnaire) == {"basic_population": 1200, "basic_staff": 30}


def test_a_change_made_after_the_conflict_page_is_a_new_conflict(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    page_version = response.version
    save(response, questionnaire, people["sato"], {"basic_population": "1100"})
    conflict_version = response.version  # yamada now sees the conflict page
    save(response, questionnaire, people["sato"], {"basic_population": "1150"})
    result = save(
        response,
        questionnaire,
        people["yamada"],
        {"basic_population": "1200"},
        base=page_version,
        keep_mine=("basic_population",),
        conflict_version=conflict_version,
    )
    assert result.status == "conflict"  # type: ignore[attr-defined]
    [conflict] = result.conflicts  # type: ignore[attr-defined]
    assert (conflict.theirs, conflict.mine) == (1150, 1200)
    assert current_answers(response, questionnaire) == {"basic_population": 1150}


def test_the_same_login_in_another_tab_still_gets_a_conflict(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    page_version = response.version  # one login, two tabs (small towns share logins)
    save(response, questionnaire, people["yamada"], {"basic_population": "1100"})
    result = save(
        response, questionnaire, people["yamada"], {"basic_population": "1120"}, base=page_version
    )
    assert result.status == "conflict"  # type: ignore[attr-defined]
    assert current_answers(response, questionnaire) == {"basic_population": 1100}


def test_a_write_racing_between_read_and_write_is_refused(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    save(response, questionnaire, people["yamada"], {"basic_population": "1000"})
    # another request bumps the version behind this session's back
    with db.engine.begin() as other:
        other.execute(update(Response).where(Response.id == response.id).values(version=5))
    with pytest.raises(StaleWrite):
        save_answers(
            db.session,
            response,
            questionnaire,
            {"basic_population": "900"},
            base_version=1,
            user=people["yamada"],
            channel=Channel.FORM,
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count(AnswerChange.id))) == 1


def test_the_audit_trail_cannot_be_edited(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    save(response, questionnaire, people["yamada"], {"basic_population": "1000"})
    with pytest.raises(Exception, match="audit rows cannot be changed"):
        db.session.execute(text("UPDATE answer_change SET new_value = '1'"))
    db.session.rollback()
    assert [r.new_value for r in audit_rows(response)] == [1000]


def test_hidden_questions_are_not_stored(
    response: Response, questionnaire: Questionnaire, people: dict[str, User]
) -> None:
    hidden = next(q for q in questionnaire.questions if q.show_when is not None)
    result = save(response, questionnaire, people["yamada"], {hidden.id: "テスト"})
    assert result.status in ("unchanged", "invalid")  # type: ignore[attr-defined]
    assert hidden.id not in current_answers(response, questionnaire)
