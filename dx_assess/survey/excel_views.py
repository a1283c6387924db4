"""Excel round trip pages: download a response as .xlsx; upload, preview, apply."""

from __future__ import annotations

import json

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from dx_assess.access import Action, login_required
from dx_assess.extensions import db
from dx_assess.models import Channel
from dx_assess.questionnaire.numbers import parse_ascii_int
from dx_assess.survey.excel import (
    UploadError,
    WorkbookMeta,
    export_workbook,
    parse_workbook,
    preview_changes,
)
from dx_assess.survey.responses import (
    WriteRefused,
    current_answers,
    editable_reason,
    get_or_create_response,
    save_answers,
)
from dx_assess.survey.round_forms import ExcelApplyForm, ExcelUploadForm
from dx_assess.survey.views import context

bp = Blueprint("excel", __name__)

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
    filename = f"dx_{survey_round.fiscal_year}_{municipality.code}.xlsx"
    result = WerkzeugResponse(data, mimetype=XLSX)
    result.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    result.headers["Cache-Control"] = "no-store"
    return result


@bp.route("/rounds/<int:round_id>/responses/<code>/import", methods=["GET", "POST"])
@login_required
def upload(round_id: int, code: str) -> str | tuple[str, int] | WerkzeugResponse:
    survey_round, municipality, response, questionnaire = context(round_id, code, Action.ANSWER)
    if response is not None and (why := editable_reason(response)):
        flash(why, "error")
        return redirect(url_for("survey.overview", round_id=round_id, code=code))
    form = ExcelUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            parsed = parse_workbook(
                form.file.data.read(),
                questionnaire,
                municipality_code=municipality.code,
                fiscal_year=survey_round.fiscal_year,
            )
        except UploadError as exc:
            problems = [str(p) for p in exc.problems]
        else:
            current = current_answers(response, questionnaire) if response else {}
            rows = preview_changes(questionnaire, current, parsed)
            apply_form = ExcelApplyForm(
                posted=json.dumps(parsed.posted, ensure_ascii=False),
                base_version=str(parsed.meta.response_version),
                source_name=form.file.data.filename or "upload.xlsx",
            )
            return render_template(
                "survey/excel_preview.html",
                rows=rows,
                form=apply_form,
                round_id=round_id,
                code=code,
                municipality_name=municipality.name,
                round_title=survey_round.title,
            )
    status = 422 if problems or form.errors else 200
    return render_template(
        "survey/excel_upload.html",
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
    survey_round, municipality, response, questionnaire = context(round_id, code, Action.ANSWER)
    form = ExcelApplyForm()
    back = redirect(url_for("excel.upload", round_id=round_id, code=code))
    if not form.validate_on_submit() or not form.confirm.data:
        flash("確認のチェックが入っていないため、反映しませんでした。", "warning")
        return back
    try:
        posted = json.loads(form.posted.data or "{}")
        parsed_version = parse_ascii_int(form.base_version.data or "0")
        if parsed_version is None:
            raise ValueError(form.base_version.data)
        base_version = parsed_version
        if not isinstance(posted, dict):
            raise TypeError
    except (ValueError, TypeError, RecursionError):  # "[[[[…" nests past the recursion limit
        abort(400)
    if response is None:
        response = get_or_create_response(db.session, survey_round, municipality)
    try:
        result = save_answers(
            db.session,
            response,
            questionnaire,
            posted,
            base_version=base_version,
            user=current_user,
            channel=Channel.EXCEL,
            reason=f"Excelファイル「{form.source_name.data}」から",
        )
    except WriteRefused as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return back
    if result.status in ("invalid", "conflict"):
        db.session.rollback()
        if result.status == "invalid":
            problems = [f"[{qid}] {message}" for qid, message in result.errors.items()]
        else:
            problems = [
                f"「{questionnaire.question(c.question_id).text}」は、ファイルを作った後に"
                f"{c.theirs_by}さんが画面で変更しています。"
                for c in result.conflicts
            ]
            problems.append(
                "新しいExcelファイルをダウンロードして入力し直すか、画面で修正してください。"
                "何も反映していません。"
            )
        return render_template(
            "survey/excel_upload.html",
            form=ExcelUploadForm(),
            problems=problems,
            round_id=round_id,
            code=code,
            municipality_name=municipality.name,
            round_title=survey_round.title,
        ), 409
    db.session.commit()
    count = len(result.changed)
    flash(
        f"Excelファイルから {count} 問の回答を反映しました。"
        if count
        else "Excelファイルの内容は今の回答と同じでした。",
        "success",
    )
    return redirect(url_for("survey.overview", round_id=round_id, code=code))
