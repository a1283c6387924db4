"""Excel round trip pages: download a response as .xlsx; upload, preview, apply."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from dx_assess import unit_of_work
from dx_assess.core.excel.workbook import UploadError, WorkbookMeta, export_workbook, parse_workbook
from dx_assess.core.filenames import content_disposition, download_name
from dx_assess.core.questionnaire.numbering import question_numbers, short_label
from dx_assess.extensions import db
from dx_assess.models import UploadKind
from dx_assess.services import staged
from dx_assess.services.excel_upload import ExcelReview, apply_excel, review_excel, stage_excel
from dx_assess.services.responses import WriteRefused, current_answers, editable_reason
from dx_assess.services.staged import file_name
from dx_assess.web.access import Action, login_required
from dx_assess.web.answering.blueprint import context
from dx_assess.web.excel.forms import ExcelApplyForm, ExcelUploadForm
from dx_assess.web.labels import translated

bp = Blueprint("excel", __name__, template_folder="templates")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/rounds/<int:round_id>/responses/<code>/export.xlsx")
@login_required
def download(round_id: int, code: str) -> WerkzeugResponse:
    survey_round, municipality, response, questionnaire = context(round_id, code, Action.VIEW)
    answers = current_answers(response, questionnaire) if response else {}
    meta = WorkbookMeta(
        questionnaire_key=questionnaire.key,
        questionnaire_version=questionnaire.version,
        fiscal_year=survey_round.fiscal_year,
        municipality_code=municipality.code,
        municipality_name=municipality.name,
        response_version=response.version if response else 0,
    )
    data = export_workbook(questionnaire, meta, answers)
    filename = download_name(
        survey_round.fiscal_year, municipality.code, municipality.name, ext="xlsx"
    )
    result = WerkzeugResponse(data, mimetype=XLSX)
    result.headers["Content-Disposition"] = content_disposition(filename)
    result.headers["Cache-Control"] = "no-store"
    return result


CONFIRM_MISSING = _l("確認の欄にチェックを入れてください。")


def _preview(
    review: ExcelReview,
    form: ExcelApplyForm,
    round_id: int,
    code: str,
    municipality_name: str,
    round_title: str,
) -> str:
    return render_template(
        "excel/preview.html",
        review=review,
        rows=review.rows,
        form=form,
        round_id=round_id,
        code=code,
        municipality_name=municipality_name,
        round_title=round_title,
    )


@bp.route("/rounds/<int:round_id>/responses/<code>/import", methods=["GET", "POST"])
@login_required
def upload(round_id: int, code: str) -> str | tuple[str, int] | WerkzeugResponse:
    survey_round, municipality, response, questionnaire = context(round_id, code, Action.ANSWER)
    if response is not None and (why := editable_reason(response)):
        flash(translated(why), "error")
        return redirect(url_for("survey.overview", round_id=round_id, code=code))
    form = ExcelUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            parsed = parse_workbook(
                data,
                questionnaire,
                municipality_code=municipality.code,
                fiscal_year=survey_round.fiscal_year,
            )
        except UploadError as exc:
            problems = [translated(p.as_message()) for p in exc.problems]
        else:
            review = stage_excel(
                db.session,
                survey_round=survey_round,
                municipality=municipality,
                response=response,
                questionnaire=questionnaire,
                data=data,
                parsed=parsed,
                source_name=file_name(form.file.data.filename, "upload.xlsx"),
                user=current_user,
            )
            apply_form = ExcelApplyForm(formdata=None, staged_id=str(review.staged.id))
            return _preview(
                review, apply_form, round_id, code, municipality.name, survey_round.title
            )
    status = 422 if problems or form.errors else 200
    return render_template(
        "excel/upload.html",
        form=form,
        problems=problems,
        round_id=round_id,
        code=code,
        municipality_name=municipality.name,
        round_title=survey_round.title,
    ), status


@bp.route("/rounds/<int:round_id>/responses/<code>/import/apply", methods=["POST"])
@login_required
def apply(round_id: int, code: str) -> str | tuple[str, int] | WerkzeugResponse:
    """Apply a staged workbook: only its id and the confirmation come from the form."""
    survey_round, municipality, response, questionnaire = context(round_id, code, Action.ANSWER)
    form = ExcelApplyForm()
    back = redirect(url_for("excel.upload", round_id=round_id, code=code))
    if not form.validate_on_submit():  # only the CSRF token can fail here
        flash(_("画面の有効期限が切れました。もう一度アップロードしてください。"), "warning")
        return back
    try:
        if response is not None and (why := editable_reason(response)):
            raise WriteRefused(why)
        row = staged.load(
            db.session,
            form.staged_id.data,
            kind=UploadKind.EXCEL,
            survey_round=survey_round,
            municipality_id=municipality.id,
            user=current_user,
        )
    except WriteRefused as exc:  # refused before writing
        flash(translated(exc.message), "warning")
        return back
    review = review_excel(db.session, row, response, questionnaire)
    if not review.can_apply or not form.confirm.data:
        unit_of_work.keep()  # the page below is the new preview: remember what it shows
        if not form.confirm.data and review.can_apply:
            form.confirm.errors = [CONFIRM_MISSING]
        form.confirm.data = False
        status = 409 if review.changed_since or review.conflicts else 422
        page = _preview(review, form, round_id, code, municipality.name, survey_round.title)
        return page, status
    try:
        result = apply_excel(
            db.session,
            survey_round=survey_round,
            municipality=municipality,
            response=response,
            questionnaire=questionnaire,
            review=review,
            user=current_user,
        )
    except WriteRefused as exc:
        unit_of_work.undo()
        flash(translated(exc.message), "error")
        return back
    if result.status in ("invalid", "conflict"):
        unit_of_work.undo()
        numbers = question_numbers(questionnaire)
        problems = [
            f"{numbers.get(qid, '')} {short_label(questionnaire.question(qid))}：{message}"
            if questionnaire.has_question(qid)
            else message
            for qid, message in result.errors.items()
        ]
        problems.append(
            _("何も反映していません。ファイルを直してもう一度アップロードしてください。")
        )
        return render_template(
            "excel/upload.html",
            form=ExcelUploadForm(formdata=None),
            problems=problems,
            round_id=round_id,
            code=code,
            municipality_name=municipality.name,
            round_title=survey_round.title,
        ), 409 if result.status == "conflict" else 422
    count = len(result.changed)
    flash(
        _("Excelファイルから %(n)d 問の回答を反映しました。", n=count)
        if count
        else _("Excelファイルの内容は今の回答と同じでした。"),
        "success",
    )
    for warning in result.warnings:
        flash(_("確認してください：%(message)s", message=warning.message), "warning")
    return redirect(url_for("survey.overview", round_id=round_id, code=code))
