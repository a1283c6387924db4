"""The statistics import for the prefecture: upload the 総務省 CSV, review, apply to a round."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from dx_assess import unit_of_work
from dx_assess.core.statistics.model import StatisticsError
from dx_assess.extensions import db
from dx_assess.models import SurveyRound, UploadKind
from dx_assess.services import staged
from dx_assess.services import statistics_upload as statistics_import
from dx_assess.services.responses import NotEditable, WriteRefused
from dx_assess.services.staged import file_name
from dx_assess.web.access import Duty, require_duty
from dx_assess.web.labels import translated
from dx_assess.web.statistics.forms import StatisticsApplyForm, StatisticsUploadForm

bp = Blueprint("statistics", __name__, template_folder="templates")

CONFIRM_MISSING = _l("確認の欄にチェックを入れてください。")


def _preview(
    survey_round: SurveyRound, reviewed: statistics_import.StagedPreview, form: StatisticsApplyForm
) -> str:
    return render_template(
        "statistics/preview.html",
        round=survey_round,
        stats=reviewed.stats,
        notes=statistics_import.preview_notes(survey_round, reviewed.stats),
        rows=reviewed.rows,
        changed_since={r.code for r in reviewed.changed_since},
        form=form,
        source_name=reviewed.staged.source_name,
        to_apply=len(reviewed.to_apply),
    )


@bp.route("/rounds/<int:round_id>/statistics", methods=["GET", "POST"])
@require_duty(Duty.IMPORT_STATISTICS)
def upload(round_id: int) -> str | tuple[str, int]:
    """Upload the 総務省 CSV and review what it would change (the file is staged)."""
    survey_round = db.get_or_404(SurveyRound, round_id)
    form = StatisticsUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        name = file_name(form.file.data.filename, "statistics.csv")
        data = form.file.data.read()
        try:
            reviewed = statistics_import.stage_statistics(
                db.session, survey_round, data, name, current_user
            )
        except StatisticsError as exc:
            problems = [translated(p.as_message()) for p in exc.problems]
        except NotEditable as exc:
            problems = [translated(exc.message)]
        else:
            apply_form = StatisticsApplyForm(formdata=None, staged_id=str(reviewed.staged.id))
            return _preview(survey_round, reviewed, apply_form)
    status = 422 if problems or form.errors else 200
    return render_template(
        "statistics/upload.html", round=survey_round, form=form, problems=problems
    ), status


@bp.route("/rounds/<int:round_id>/statistics/apply", methods=["POST"])
@require_duty(Duty.IMPORT_STATISTICS)
def apply(round_id: int) -> str | tuple[str, int] | WerkzeugResponse:
    """Apply a staged statistics file: only its id and the confirmation come from the form."""
    survey_round = db.get_or_404(SurveyRound, round_id)
    form = StatisticsApplyForm()
    back = redirect(url_for("statistics.upload", round_id=round_id))
    if not form.validate_on_submit():  # only the CSRF token can fail here
        flash(_("画面の有効期限が切れました。もう一度アップロードしてください。"), "warning")
        return back
    try:
        row = staged.load(
            db.session,
            form.staged_id.data,
            kind=UploadKind.STATISTICS,
            survey_round=survey_round,
            municipality_id=None,
            user=current_user,
        )
        reviewed = statistics_import.review(db.session, survey_round, row)
    except WriteRefused as exc:
        unit_of_work.undo()
        flash(translated(exc.message), "warning")
        return back
    if reviewed.changed_since or not form.confirm.data:
        unit_of_work.keep()  # the page below is the new preview: remember what it shows
        if not form.confirm.data:
            form.confirm.errors = [CONFIRM_MISSING]
        form.confirm.data = False
        return _preview(survey_round, reviewed, form), (409 if reviewed.changed_since else 422)
    try:
        applied, skipped = statistics_import.apply_staged(
            db.session, survey_round, reviewed, user=current_user
        )
    except WriteRefused as exc:
        unit_of_work.undo()
        flash(translated(exc.message), "error")
        return back
    flash(_("%(n)d市町村の回答に反映しました。", n=len(applied)), "success")
    if skipped:
        flash(
            _("提出済みのため反映しなかった市町村：%(names)s", names="、".join(skipped)), "warning"
        )
    return redirect(url_for("rounds.round_status", round_id=round_id))
