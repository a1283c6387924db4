"""Answering pages: a response's overview, its sections, submit, prefill, reopen, history."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from werkzeug.wrappers import Response as WerkzeugResponse

from dx_assess import unit_of_work
from dx_assess.core.answers.display import display_value
from dx_assess.core.questionnaire import Questionnaire, Section
from dx_assess.core.questionnaire.numbers import parse_ascii_int
from dx_assess.extensions import db
from dx_assess.models import Channel, Municipality, Response, SurveyRound
from dx_assess.models.base import is_busy, retryable
from dx_assess.services import history as history_service
from dx_assess.services.prefill import has_earlier_response, prefill, reference_answers
from dx_assess.services.responses import (
    SaveResult,
    StaleWrite,
    WriteRefused,
    current_answers,
    get_or_create_response,
    raw_for_form,
    reopen,
    save_answers,
    submit,
)
from dx_assess.services.rounds import round_questionnaire
from dx_assess.web.access import Action, can, login_required, require_municipality
from dx_assess.web.answering.forms import (
    FIELD_PREFIX,
    field_inputs,
    initial_data,
    posted_answers,
    section_form_class,
    shown_json,
    shown_values,
)
from dx_assess.web.answering.presenters import not_editable_reason, response_view
from dx_assess.web.rounds.forms import ConfirmForm, ReasonForm

bp = Blueprint("survey", __name__, template_folder="templates")

ViewResult = str | WerkzeugResponse | tuple[str, int] | tuple[WerkzeugResponse, int]


def _survey_round(round_id: int) -> SurveyRound:
    survey_round = db.session.get(SurveyRound, round_id)
    if survey_round is None:
        abort(404)
    return survey_round


def _response(survey_round: SurveyRound, municipality: Municipality) -> Response | None:
    return db.session.scalar(
        select(Response).where(
            Response.round_id == survey_round.id, Response.municipality_id == municipality.id
        )
    )


def context(
    round_id: int, code: str, action: Action
) -> tuple[SurveyRound, Municipality, Response | None, Questionnaire]:
    municipality = require_municipality(code, action)
    survey_round = _survey_round(round_id)
    response = _response(survey_round, municipality)
    if response is None and not (survey_round.answered_by_all or municipality.supported):
        abort(404)  # a programme-only round is for the municipalities in the support programme
    return survey_round, municipality, response, round_questionnaire(survey_round)


def _section(questionnaire: Questionnaire, section_id: str) -> Section:
    for section in questionnaire.sections:
        if section.id == section_id:
            return section
    abort(404)


def _overview(
    survey_round: SurveyRound,
    municipality: Municipality,
    response: Response | None,
    questionnaire: Questionnaire,
    **extra: Any,
) -> str:
    answers = current_answers(response, questionnaire) if response else {}
    view = response_view(
        survey_round, response, questionnaire, answers, municipality.code, municipality.name
    )
    return render_template(
        "survey/overview.html",
        view=view,
        can_answer=can(current_user, Action.ANSWER, municipality),
        can_reopen=can(current_user, Action.MANAGE_PROGRAMME, municipality),
        has_previous=has_earlier_response(db.session, survey_round, municipality),
        confirm_form=ConfirmForm(),
        reason_form=ReasonForm(),
        **extra,
    )


@bp.route("/rounds/<int:round_id>/responses/<code>")
@login_required
def overview(round_id: int, code: str) -> str:
    survey_round, municipality, response, questionnaire = context(round_id, code, Action.VIEW)
    return _overview(survey_round, municipality, response, questionnaire)


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _int_field(name: str) -> int:
    raw = request.form.get(name, "")
    return parse_ascii_int(raw) or 0  # "²" passes str.isdigit() but not int()


class SaveNotMade(Exception):
    """A save that could not be made after its retries; nothing of it was written."""

    def __init__(self, busy: bool) -> None:
        super().__init__("busy" if busy else "stale")
        self.busy = busy


STALE_TRIES = 5  # another save landed between read and write: read again and decide again
BUSY_TRIES = 3  # the database was busy (a lock, SQLite's single writer): wait a little


def _save(
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
        # Show-when conditions may name answers on other pages; the script needs them too.
        other_answers = json.dumps(
            {
                qid: value
                for qid, value in raw_for_form(answers).items()
                if questionnaire.question(qid).section != section.id
            },
            ensure_ascii=False,
        )
        return render_template(
            template,
            view=view,
            section=section_view,
            neighbours=neighbours,
            other_answers=other_answers,
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
        flash(why_not or "編集できません。", "error")
        return redirect(url_for("survey.overview", round_id=round_id, code=code))
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

    def typed_again(status: int, message: str) -> tuple[str, int]:
        """The page again with what the user typed (nothing was saved) and why."""
        return page(
            "survey/section.html",
            form=form,
            editing=True,
            errors={},
            shown=_shown_from_request(section, request.form, answers),
            not_saved=message,
        ), status

    try:
        response, result = _save(
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
        flash(exc.message, "error")
        return redirect(url_for("survey.overview", round_id=round_id, code=code))
    except SaveNotMade as exc:
        message = (
            "データベースが混み合っているため、まだ保存していません。入力した内容はこの画面に"
            "残っています。少し待ってから、もう一度「保存する」を押してください。"
            if exc.busy
            else "ほかの方の保存と重なったため、まだ保存していません。入力した内容はこの画面に"
            "残っています。もう一度「保存する」を押してください。"
        )
        if _wants_json():
            return jsonify({"status": "busy", "message": message}), 503 if exc.busy else 409
        return typed_again(503 if exc.busy else 409, message)

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
                "theirs_by": c.theirs_by,
                "theirs_at": history_service.jst(c.theirs_at),
                "mine": display_value(questionnaire.question(c.question_id), c.mine),
            }
            for c in result.conflicts
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

    if result.merged_from:
        flash(
            f"同じ時間に {'、'.join(result.merged_from)} さんも編集していました。"
            "重なる変更はなかったため、両方の回答を保存しました。",
            "info",
        )
    for warning in result.warnings:
        flash(f"確認してください: {warning.message}", "warning")
    flash("保存しました。" if result.status == "saved" else "変更はありませんでした。", "success")
    target = neighbours["next"] if request.form.get("action") == "next" else section.id
    if target is None:
        return redirect(url_for("survey.overview", round_id=round_id, code=code))
    return redirect(url_for("survey.section", round_id=round_id, code=code, section_id=target))


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


@bp.route("/rounds/<int:round_id>/responses/<code>/submit", methods=["POST"])
@login_required
def submit_response(round_id: int, code: str) -> ViewResult:
    survey_round, municipality, response, questionnaire = context(round_id, code, Action.ANSWER)
    ConfirmForm().validate_on_submit()
    created = response is None
    if response is None:
        response = get_or_create_response(db.session, survey_round, municipality)
    try:
        issues = submit(db.session, response, questionnaire, current_user)
    except WriteRefused as exc:
        unit_of_work.undo()  # the response may have been created above
        flash(exc.message, "error")
        return redirect(url_for("survey.overview", round_id=round_id, code=code))
    if issues:
        unit_of_work.undo()
        shown_response = None if created else response  # a row created here was rolled back
        listed = [
            {
                "question": questionnaire.question(i.question_id).text
                if i.question_id and questionnaire.has_question(i.question_id)
                else "",
                "section": questionnaire.question(i.question_id).section
                if i.question_id and questionnaire.has_question(i.question_id)
                else None,
                "message": i.message,
            }
            for i in issues
        ]
        return _overview(
            survey_round, municipality, shown_response, questionnaire, submit_issues=listed
        ), 422
    flash("提出しました。ご協力ありがとうございました。", "success")
    return redirect(url_for("survey.overview", round_id=round_id, code=code))


@bp.route("/rounds/<int:round_id>/responses/<code>/prefill", methods=["POST"])
@login_required
def prefill_response(round_id: int, code: str) -> WerkzeugResponse:
    survey_round, municipality, response, questionnaire = context(round_id, code, Action.ANSWER)
    if response is None:
        response = get_or_create_response(db.session, survey_round, municipality)
    try:
        result = prefill(db.session, response, questionnaire, current_user)
    except WriteRefused as exc:
        unit_of_work.undo()  # the response may have been created above
        flash(exc.message, "error")
        return redirect(url_for("survey.overview", round_id=round_id, code=code))
    if result.filled:
        flash(
            f"{result.source_title}の回答から {len(result.filled)} 問を引き継ぎました。"
            "「引き継ぎ」の印がある回答を確かめて、各ページで直すか"
            "「この内容で確認しました」を押してください。",
            "success",
        )
    else:
        flash("引き継げる回答はありませんでした（回答済みの設問はそのままです）。", "info")
    return redirect(url_for("survey.overview", round_id=round_id, code=code))


@bp.route("/rounds/<int:round_id>/responses/<code>/reopen", methods=["POST"])
@login_required
def reopen_response(round_id: int, code: str) -> ViewResult:
    survey_round, municipality, response, questionnaire = context(
        round_id, code, Action.MANAGE_PROGRAMME
    )
    form = ReasonForm()
    if response is None:
        abort(404)
    if not form.validate_on_submit():
        flash("差し戻しの理由を入力してください。", "error")
        return _overview(
            survey_round, municipality, response, questionnaire, reason_errors=True
        ), 422
    try:
        reopen(db.session, response, current_user, form.reason.data or "")
    except WriteRefused as exc:  # refused before writing
        flash(exc.message, "error")
        return redirect(url_for("survey.overview", round_id=round_id, code=code))
    flash("差し戻しました。市町村の担当者が再び編集できます。", "success")
    return redirect(url_for("survey.overview", round_id=round_id, code=code))


@bp.route("/rounds/<int:round_id>/responses/<code>/history")
@login_required
def history(round_id: int, code: str) -> str:
    survey_round, municipality, response, questionnaire = context(round_id, code, Action.VIEW)
    question_id = request.args.get("question") or None
    if question_id and not questionnaire.has_question(question_id):
        abort(404)
    entries = (
        history_service.entries(db.session, response, questionnaire, question_id)
        if response
        else []
    )
    return render_template(
        "survey/history.html",
        view=response_view(
            survey_round,
            response,
            questionnaire,
            current_answers(response, questionnaire) if response else {},
            municipality.code,
            municipality.name,
        ),
        entries=entries,
        question=questionnaire.question(question_id) if question_id else None,
    )
