"""Before and after submitting: the review page (確認) with its print stylesheet, the PDF
確認票, the page that asks to confirm the submission, and the 提出控え download; and the
contact person (回答担当者) saved from the first section page."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from dx_assess.core.filenames import content_disposition
from dx_assess.core.reports.assets import templates_dir
from dx_assess.core.reports.engine import PdfEngineUnavailable
from dx_assess.extensions import db
from dx_assess.models import Municipality, Response, SurveyRound
from dx_assess.services import receipts
from dx_assess.services.responses import current_answers
from dx_assess.web.access import Action, can, login_required
from dx_assess.web.answering.blueprint import ViewResult, bp, context
from dx_assess.web.answering.forms import ConfirmForm
from dx_assess.web.answering.presenters import response_view


def template_root() -> Path:
    return templates_dir(current_app.config.get("DX_REPORT_TEMPLATES_DIR"))


def _page(
    template: str,
    survey_round: SurveyRound,
    municipality: Municipality,
    response: Response | None,
    **extra: object,
) -> str:
    from dx_assess.services.rounds import round_questionnaire

    questionnaire = round_questionnaire(survey_round)
    answers = current_answers(response, questionnaire) if response else {}
    view = response_view(
        survey_round, response, questionnaire, answers, municipality.code, municipality.name
    )
    return render_template(
        template,
        view=view,
        review=receipts.review_of(response, questionnaire),
        contact=receipts.contact_of(response),
        can_answer=can(current_user, Action.ANSWER, municipality),
        has_receipt=response is not None and view.status == "submitted",
        confirm_form=ConfirmForm(),
        **extra,
    )


@bp.route("/rounds/<int:round_id>/responses/<code>/review")
@login_required
def review(round_id: int, code: str) -> str:
    survey_round, municipality, response, _questionnaire = context(round_id, code, Action.VIEW)
    return _page("survey/review.html", survey_round, municipality, response)


@bp.route("/rounds/<int:round_id>/responses/<code>/submit", methods=["GET"])
@login_required
def confirm_submit(round_id: int, code: str) -> ViewResult:
    """Asks to confirm the submission: what goes, what is left, what happens next."""
    survey_round, municipality, response, _questionnaire = context(round_id, code, Action.ANSWER)
    return _page("survey/confirm_submit.html", survey_round, municipality, response)


def _pdf(data: bytes, filename: str) -> WerkzeugResponse:
    reply = current_app.response_class(data, mimetype="application/pdf")
    reply.headers["Content-Disposition"] = content_disposition(filename)
    reply.headers["Cache-Control"] = "private, no-store"
    return reply


def _no_engine(round_id: int, code: str) -> WerkzeugResponse:
    flash(
        _(
            "このサーバーではPDFを作れません（PDFの部品がありません）。管理者に連絡してください。"
            "画面の確認ページはブラウザから印刷できます。"
        ),
        "error",
    )
    return redirect(url_for("survey.review", round_id=round_id, code=code))


@bp.route("/rounds/<int:round_id>/responses/<code>/confirmation.pdf")
@login_required
def confirmation_pdf(round_id: int, code: str) -> WerkzeugResponse:
    survey_round, municipality, response, _questionnaire = context(round_id, code, Action.VIEW)
    try:
        data = receipts.confirmation_pdf(
            db.session, survey_round, municipality, response, current_user, template_root()
        )
    except PdfEngineUnavailable:
        return _no_engine(round_id, code)
    return _pdf(data, receipts.file_name(survey_round, municipality, "confirmation"))


@bp.route("/rounds/<int:round_id>/responses/<code>/receipt.pdf")
@login_required
def receipt_download(round_id: int, code: str) -> WerkzeugResponse:
    survey_round, municipality, response, _questionnaire = context(round_id, code, Action.VIEW)
    if response is None:
        abort(404)
    try:
        data = receipts.receipt_pdf(db.session, response, template_root())
    except PdfEngineUnavailable:
        return _no_engine(round_id, code)
    if data is None:
        abort(404)  # not submitted: no receipt
    return _pdf(data, receipts.file_name(survey_round, municipality, "receipt"))
