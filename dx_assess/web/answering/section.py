"""A section's page: show its questions, save what was posted (merging with others' saves,
or a conflict page to choose per question), and the same save for the page's script (JSON)."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dx_assess.core.answers.contact import LIMITS as CONTACT_LIMITS
from dx_assess.core.answers.contact import check_contact
from dx_assess.core.answers.display import display_value
from dx_assess.core.answers.values import same
from dx_assess.core.questionnaire import (
    AnswerError,
    Question,
    Questionnaire,
    Section,
    normalize_answer,
)
from dx_assess.core.questionnaire.numbering import question_numbers, short_label
from dx_assess.core.questionnaire.numbers import parse_ascii_int
from dx_assess.extensions import db
from dx_assess.models import Municipality, SurveyRound
from dx_assess.services import history as history_service
from dx_assess.services import receipts
from dx_assess.services.prefill import reference_answers
from dx_assess.services.responses import WriteRefused, current_answers, raw_for_form
from dx_assess.services.saving import SaveResult
from dx_assess.web.access import Action, can, login_required
from dx_assess.web.answering.blueprint import ViewResult, bp, context
from dx_assess.web.answering.forms import (
    FIELD_PREFIX,
    field_inputs,
    initial_data,
    posted_answers,
    section_form_class,
    shown_json,
    shown_values,
)
from dx_assess.web.answering.presenters import not_editable_reason, page_warnings, response_view
from dx_assess.web.answering.save import SaveNotMade, save_with_retries
from dx_assess.web.labels import label, translated


def _section(questionnaire: Questionnaire, section_id: str) -> Section:
    for section in questionnaire.sections:
        if section.id == section_id:
            return section
    abort(404)


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _int_field(name: str) -> int:
    raw = request.form.get(name, "")
    return parse_ascii_int(raw) or 0  # "²" passes str.isdigit() but not int()


@bp.route("/rounds/<int:round_id>/responses/<code>/sections/<section_id>", methods=["GET", "POST"])
@login_required
def section(round_id: int, code: str, section_id: str) -> ViewResult:
    survey_round, municipality, response, questionnaire = context(round_id, code, Action.VIEW)
    section = _section(questionnaire, section_id)
    can_answer = can(current_user, Action.ANSWER, municipality)
    if request.method == "POST" and not can_answer:
        abort(403)
    answers = current_answers(response, questionnaire) if response else {}
    page_response = response  # the response as the page showed it (None before the first save)
    index = [s.id for s in questionnaire.sections].index(section.id)
    neighbours = {
        "previous": questionnaire.sections[index - 1].id if index > 0 else None,
        "next": questionnaire.sections[index + 1].id
        if index + 1 < len(questionnaire.sections)
        else None,
    }
    form_class = section_form_class(questionnaire, section)
    why_not = not_editable_reason(survey_round, response)
    editing = can_answer and why_not is None
    # The first page also asks the response's contact person (回答担当者).
    asks_contact = index == 0
    stored_contact = dict(zip(CONTACT_LIMITS, _contact_values(response), strict=True))
    contact_typed = (
        {k: request.form.get(f"contact_{k}", "") for k in CONTACT_LIMITS}
        if request.method == "POST" and asks_contact and "contact_name" in request.form
        else None
    )
    contact_shown = (
        {k: request.form.get(f"shown-contact_{k}", "") for k in CONTACT_LIMITS}
        if contact_typed is not None
        else None
    )

    def page(template: str, **values: Any) -> str:
        """Render a page of this section (a successful save redirects without one)."""
        view = response_view(
            survey_round,
            page_response,
            questionnaire,
            answers,
            municipality.code,
            municipality.name,
            references=_references(survey_round, municipality, questionnaire, section),
        )
        section_view = next(s for s in view.sections if s.id == section.id)
        warnings = page_warnings(questionnaire, section, answers)
        by_question: dict[str, list[str]] = {}
        for w in warnings:
            for qid in w.question_ids:
                by_question.setdefault(qid, []).append(w.message)
        # Show-when conditions may name answers on other pages; the script needs them too.
        other_answers = json.dumps(
            {
                qid: value
                for qid, value in raw_for_form(answers).items()
                if questionnaire.question(qid).section != section.id
            },
            ensure_ascii=False,
        )
        values.setdefault("contact_errors", {})
        return render_template(
            template,
            view=view,
            section=section_view,
            neighbours=neighbours,
            other_answers=other_answers,
            asks_contact=asks_contact,
            contact_labels={k: label for k, (_n, label) in CONTACT_LIMITS.items()},
            contact_values=contact_typed if contact_typed is not None else stored_contact,
            contact_shown=contact_shown if contact_shown is not None else stored_contact,
            warnings=warnings,
            question_warnings={qid: " ".join(m) for qid, m in by_question.items()},
            **values,
        )

    if request.method == "GET":
        version = response.version if response else 0
        form = form_class(data={**initial_data(section, answers), "base_version": str(version)})
        shown_fields = {
            FIELD_PREFIX + q.id: shown_json(answers.get(q.id))
            for q in section.questions
            if not q.derived
        }
        return page(
            "survey/section.html", form=form, editing=editing, errors={}, shown=shown_fields
        )

    form = form_class()
    if not form.validate_on_submit():  # only the CSRF token can fail here
        abort(400)
    if not editing:
        flash(label(why_not) if why_not else _("編集できません。"), "error")
        return redirect(url_for("survey.overview", round_id=round_id, code=code))

    def typed_again(status: int, **why: Any) -> tuple[str, int]:
        """The page again with what the user typed (nothing was saved) and why (``not_saved``:
        a message; ``contact_errors``: the contact fields' errors)."""
        return page(
            "survey/section.html",
            form=form,
            editing=True,
            errors={},
            shown=_shown_from_request(section, request.form, answers),
            **why,
        ), status

    if contact_typed is not None and not _wants_json():
        _checked, contact_errors = check_contact(contact_typed)
        if contact_errors:  # nothing of the page is saved; what was typed stays
            return typed_again(422, contact_errors=contact_errors)
    posted = posted_answers(form, section, request.form)
    shown = shown_values(section, request.form)
    # A conflict page posts the user's values again with the version their page first
    # showed, plus a choice per conflicting question and the version the conflict page
    # showed; questions nobody else touched merge as in any other save.
    resolving = [q for q in request.form.get("conflicts", "").split(",") if q in posted]
    keep_mine = [q for q in resolving if request.form.get(f"resolve-{q}") == "mine"]
    for qid in resolving:  # a conflict resolved in favour of the other person's answer
        if request.form.get(f"resolve-{qid}") == "theirs":
            del posted[qid]  # left as it is stored
    confirm = (
        [q.id for q in section.questions if not q.derived]
        if request.form.get("action") == "confirm"
        else []
    )

    try:
        response, result = save_with_retries(
            survey_round,
            municipality,
            response,
            questionnaire,
            posted,
            _int_field("base_version"),
            shown=shown,
            confirm=confirm,
            keep_mine=keep_mine,
            conflict_version=_int_field("conflict_version") if resolving else None,
        )
    except WriteRefused as exc:  # the try was rolled back
        flash(translated(exc.message), "error")
        return redirect(url_for("survey.overview", round_id=round_id, code=code))
    except SaveNotMade as exc:
        message = (
            _(
                "データベースが混み合っているため、まだ保存していません。入力した内容はこの画面に"
                "残っています。少し待ってから、もう一度「保存する」を押してください。"
            )
            if exc.busy
            else _(
                "ほかの方の保存と重なったため、まだ保存していません。入力した内容はこの画面に"
                "残っています。もう一度「保存する」を押してください。"
            )
        )
        if _wants_json():
            return jsonify({"status": "busy", "message": message}), 503 if exc.busy else 409
        return typed_again(503 if exc.busy else 409, not_saved=message)

    if _wants_json():
        reply = _json_result(result)
        if result.status in ("saved", "unchanged"):
            stored_now = current_answers(response, questionnaire)
            reply["answers"] = {
                q.id: {
                    "shown": shown_json(stored_now.get(q.id)),
                    "fields": field_inputs(q, stored_now.get(q.id)),
                }
                for q in section.questions
                if not q.derived
            }
        status = {"saved": 200, "unchanged": 200, "conflict": 409}.get(result.status, 422)
        return jsonify(reply), status

    if result.status == "invalid":
        errors = {FIELD_PREFIX + qid: message for qid, message in result.errors.items()}
        for name, message in errors.items():
            if name in form:
                form[name].errors = [message]
        return page(
            "survey/section.html",
            form=form,
            editing=True,
            errors=result.errors,
            shown=_shown_from_request(section, request.form, answers),
        ), 422
    if result.status == "conflict":
        conflicts = [
            {
                "id": c.question_id,
                "text": questionnaire.question(c.question_id).text,
                "theirs": display_value(questionnaire.question(c.question_id), c.theirs),
                "theirs_by": translated(c.theirs_by),
                "theirs_at": history_service.jst(c.theirs_at),
                "mine": display_value(questionnaire.question(c.question_id), c.mine),
                "before": display_value(questionnaire.question(c.question_id), c.before),
            }
            for c in result.conflicts
        ]
        conflicting = {c.question_id for c in result.conflicts}
        numbers = question_numbers(questionnaire)
        also_saved = [  # the user's other changes on this page, saved with the choice
            {
                "label": f"{numbers[q.id]} {short_label(q)}",
                "value": _shown(q, posted.get(q.id)),
            }
            for q in section.questions
            if q.id in posted
            and q.id not in conflicting
            and not _same_answer(q, posted.get(q.id), answers.get(q.id))
        ]
        kept = [
            (k, v)
            for k, values in request.form.lists()
            for v in values
            if k not in ("csrf_token", "base_version", "conflict_version", "conflicts", "action")
            and not k.startswith("resolve-")
        ]
        return page(
            "survey/conflict.html",
            conflicts=conflicts,
            also_saved=also_saved,
            kept=kept,
            base_version=_int_field("base_version"),
            conflict_version=result.version,
            missing_choice=[
                c["id"]
                for c in conflicts
                if request.form.get(f"resolve-{c['id']}") not in ("mine", "theirs")
            ]
            if request.form.get("conflicts")  # the conflict page was sent without a choice
            else [],
        ), 409

    if contact_typed is not None and not _wants_json():
        # after the answers (committed by their save): the contact, audited, no version bump
        _errors, contact_changed = receipts.save_contact(
            db.session, response, contact_typed, current_user, contact_shown
        )
        if contact_changed:
            flash(_("回答担当者を保存しました。"), "success")
    if resolving:  # after a conflict: the choices made on the conflict page were saved
        flash(_("同時に編集された回答は、選んだ内容で保存しました。"), "info")
    elif result.merged_from:
        flash(
            _(
                "%(names)sさんも同時に編集していました。同じ設問への変更はなかったため、"
                "両方の回答を保存しました。",
                names=_("、").join(translated(n) for n in sorted(result.merged_from)),
            ),
            "info",
        )
    on_this_page = {q.id for q in section.questions}
    checks = {c.id: c for c in questionnaire.checks}
    stay = False  # this save made a check on this page fail: show it here, beside the question
    for warning in result.warnings:
        check = checks.get(warning.check_id or "")
        if check is not None and on_this_page & set(check.names):
            # the page shows it beside the question, linked from its summary; the user stays
            # to see it when this save changed one of its answers (pressed again: go on)
            stay = stay or bool(set(result.changed) & set(check.names))
            continue
        flash(_("確認してください：%(message)s", message=warning.message), "warning")
    flash(
        _("保存しました。") if result.status == "saved" else _("変更はありませんでした。"),
        "success",
    )
    wants_next = request.form.get("action") == "next"
    if stay and wants_next:
        flash(_("確認が必要な回答があるため、このページを表示しています。"), "info")
    target = neighbours["next"] if wants_next and not stay else section.id
    if target is None:
        return redirect(url_for("survey.overview", round_id=round_id, code=code))
    return redirect(url_for("survey.section", round_id=round_id, code=code, section_id=target))


def _contact_values(response: object) -> list[str]:
    return [getattr(response, f"contact_{k}", None) or "" for k in CONTACT_LIMITS]


def _same_answer(q: Question, posted: object, stored: object) -> bool:
    """Whether a posted raw value is the stored answer (an invalid one counts as different)."""
    try:
        value = normalize_answer(q, posted)
    except AnswerError:
        return False
    return same(value, stored)


def _shown(q: Question, posted: object) -> str:
    """A posted raw value as the page shows answers (as typed if it is not valid)."""
    try:
        return display_value(q, normalize_answer(q, posted))
    except AnswerError:
        return str(posted)


def _references(
    survey_round: SurveyRound,
    municipality: Municipality,
    questionnaire: Questionnaire,
    section: Section,
) -> dict[str, str]:
    """Last round's answers to this page's reference-only questions, as display text."""
    if not any(q.carries_as_reference for q in section.questions):
        return {}
    found = reference_answers(db.session, survey_round, municipality, questionnaire)
    if found is None:
        return {}
    return {
        q.id: f"{found.source_title}: {display_value(q, found.values[q.id])}"
        for q in section.questions
        if q.id in found.values
    }


def _shown_from_request(section: Section, formdata: Any, answers: dict[str, Any]) -> dict[str, str]:
    """The shown values of a page shown again after a save that was not made: the ones the
    page sent (it still shows what it showed), else the stored ones."""
    out = {}
    for q in section.questions:
        if q.derived:
            continue
        name = "shown-" + FIELD_PREFIX + q.id
        raw = formdata.get(name)
        out[FIELD_PREFIX + q.id] = raw if isinstance(raw, str) else shown_json(answers.get(q.id))
    return out


def _json_result(result: SaveResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "version": result.version,
        "errors": {FIELD_PREFIX + k: v for k, v in result.errors.items()},
        "conflicts": [c.question_id for c in result.conflicts],
        "warnings": [w.message for w in result.warnings],
    }
