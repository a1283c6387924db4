"""The response as a whole: its overview, submitting it, carrying over last round's answers
(prefill), sending a submitted response back (reopen) and its change history."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from dx_assess import unit_of_work
from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import Municipality, Response, SurveyRound
from dx_assess.services import history as history_service
from dx_assess.services import notices, receipts
from dx_assess.services.prefill import has_earlier_response, prefill
from dx_assess.services.responses import (
    WriteRefused,
    current_answers,
    get_or_create_response,
    reopen,
    submit,
)
from dx_assess.web.access import Action, can, login_required
from dx_assess.web.answering.blueprint import ViewResult, bp, context
from dx_assess.web.answering.forms import ConfirmForm, ReasonForm
from dx_assess.web.answering.presenters import response_view
from dx_assess.web.answering.review import template_root
from dx_assess.web.labels import translated


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


def _refused(exc: WriteRefused, round_id: int, code: str) -> WerkzeugResponse:
    """Back to the overview with why the write was refused; what the request wrote (a response
    created for it) is rolled back."""
    unit_of_work.undo()
    flash(translated(exc.message), "error")
    return redirect(url_for("survey.overview", round_id=round_id, code=code))


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
        return _refused(exc, round_id, code)
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
                "message": translated(i.message),
            }
            for i in issues
        ]
        return _overview(
            survey_round, municipality, shown_response, questionnaire, submit_issues=listed
        ), 422
    receipts.keep_and_send(db.session, response, template_root())  # 提出控え, kept and mailed
    flash(
        _(
            "提出しました。ご協力ありがとうございました。提出控え（PDF）をこのページから"
            "ダウンロードできます。"
        ),
        "success",
    )
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
        return _refused(exc, round_id, code)
    if result.filled:
        flash(
            _(
                "%(source)sの回答から %(n)d 問を引き継ぎました。"
                "「引き継ぎ」の印がある回答を確かめて、各ページで直すか"
                "「この内容で確認しました」を押してください。",
                source=result.source_title,
                n=len(result.filled),
            ),
            "success",
        )
    else:
        flash(_("引き継げる回答はありませんでした（回答済みの設問はそのままです）。"), "info")
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
        flash(_("差し戻しの理由を入力してください。"), "error")
        return _overview(
            survey_round, municipality, response, questionnaire, reason_errors=True
        ), 422
    try:
        reopen(db.session, response, current_user, form.reason.data or "")
    except WriteRefused as exc:  # refused before writing
        flash(translated(exc.message), "error")
        return redirect(url_for("survey.overview", round_id=round_id, code=code))
    notices.sent_back(db.session, response, form.reason.data or "")
    flash(_("差し戻しました。市町村の担当者が再び編集できます。"), "success")
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
