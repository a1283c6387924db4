"""Report pages: the list of reports a user may download, each PDF, and the batch page.

Access is decided by ``dx_assess.web.access`` as everywhere: a municipality's report needs
``Action.VIEW`` on it (own town, assigned town, or any for the prefecture and admin); the
regional report, the batch and its ZIP are for the prefecture and admin. A report exists
once the municipality's response is submitted (its peer comparison needs a final response),
for every role alike.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from dx_assess import unit_of_work
from dx_assess.core.filenames import download_name
from dx_assess.extensions import db
from dx_assess.models import ReportJob, SurveyRound
from dx_assess.services.reports import jobs
from dx_assess.services.reports.service import (
    ReadyReport,
    municipality_report,
    regional_report,
    storage,
)
from dx_assess.services.reports.tasks import report_queue
from dx_assess.services.results import round_results
from dx_assess.services.rounds import chosen_round, opens_on_of, rounds_newest_first
from dx_assess.web.access import (
    Action,
    Duty,
    has_duty,
    login_required,
    require_duty,
    require_municipality,
    visible_codes,
)
from dx_assess.web.reports.forms import BatchForm

bp = Blueprint("reports", __name__, template_folder="templates")
PDF = "application/pdf"


def _send(source: bytes, filename: str, mimetype: str) -> WerkzeugResponse:
    response = send_file(
        io.BytesIO(source), mimetype=mimetype, as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _send_report(report: ReadyReport) -> WerkzeugResponse:
    # A report is a few hundred KB: sent from memory (no open file left to the server).
    return _send(report.data, report.spec.filename, PDF)


@bp.route("/reports")
@login_required
def index() -> str:
    rounds = rounds_newest_first(db.session)
    survey_round = chosen_round(db.session, request.args.get("round", type=int), rounds)
    rows: list[dict[str, object]] = []
    manager = has_duty(current_user, Duty.OVERSEE)
    if survey_round is not None:
        results = round_results(db.session, survey_round)
        codes = visible_codes(current_user)
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "subprefecture": r.subprefecture,
                "status": r.status,
                "status_label": r.status_label,
                "has_report": r.final,
                "overall": r.overall if r.final else None,
            }
            for r in results.rows
            if (r.supported or r.final) and (codes is None or r.code in codes)
        ]
    return render_template(
        "reports/index.html",
        rounds=[{"id": r.id, "title": r.title, "is_demo": r.is_demo} for r in rounds],
        survey_round=survey_round,
        opens_on=opens_on_of(survey_round),
        rows=rows,
        manager=manager,
        with_reports=sum(1 for r in rows if r["has_report"]),
    )


@bp.route("/rounds/<int:round_id>/reports/<code>.pdf", endpoint="municipality_report")
@login_required
def municipality_report_view(round_id: int, code: str) -> WerkzeugResponse:
    place = require_municipality(code, Action.VIEW)
    results = round_results(db.session, db.get_or_404(SurveyRound, round_id))
    report = municipality_report(results, place.code)
    if report is None:
        abort(404)  # no submitted response: no report yet
    return _send_report(report)


@bp.route("/rounds/<int:round_id>/regional-report.pdf", endpoint="regional_report")
@require_duty(Duty.OVERSEE)
def regional_report_view(round_id: int) -> WerkzeugResponse:
    return _send_report(
        regional_report(round_results(db.session, db.get_or_404(SurveyRound, round_id)))
    )


@bp.route("/rounds/<int:round_id>/reports/batch", methods=["GET", "POST"])
@require_duty(Duty.OVERSEE)
def batch(round_id: int) -> str | WerkzeugResponse | tuple[str, int]:
    survey_round = db.get_or_404(SurveyRound, round_id)
    form = BatchForm()
    if form.is_submitted():
        if not form.validate() or form.round_id.data != str(round_id):
            return _batch_page(survey_round, form), 422
        try:
            job, created = jobs.start_batch(
                db.session, survey_round, current_user, report_queue(current_app)
            )
        except Exception:
            unit_of_work.undo()  # the redirect below must not commit a half-started batch
            current_app.logger.exception("could not start a report batch")
            flash(_("一括作成を開始できませんでした。"), "error")
            return redirect(url_for("reports.batch", round_id=round_id), 303)
        if created:
            flash(_("レポートの一括作成を開始しました。"), "success")
        else:
            flash(_("このレポートの一括作成はすでに実行中です。"), "warning")
        return redirect(url_for("reports.batch", round_id=round_id, job=job.id), 303)
    form.round_id.data = str(round_id)
    return _batch_page(survey_round, form)


def _batch_page(survey_round: SurveyRound, form: BatchForm) -> str:
    recent = jobs.latest_jobs(db.session, survey_round.id)
    wanted = request.args.get("job", type=int)
    job = next((j for j in recent if j.id == wanted), recent[0] if recent else None)
    view = jobs.job_view(db.session, job) if job is not None else None
    return render_template(
        "reports/batch.html",
        survey_round=survey_round,
        form=form,
        job=view,
        recent=[jobs.job_view(db.session, j) for j in recent],
        refresh=bool(view and view["active"]),
        no_worker=bool(view and view["active"]) and not _workers_running(),
    )


def _workers_running() -> bool:
    queue = report_queue(current_app)
    return queue.embedded or bool(queue.live_workers())


@bp.route("/rounds/<int:round_id>/reports/batch/<int:job_id>.zip")
@require_duty(Duty.OVERSEE)
def batch_zip(round_id: int, job_id: int) -> WerkzeugResponse:
    job = db.session.get(ReportJob, job_id)
    if job is None or job.round_id != round_id or job.zip_path is None:
        abort(404)
    try:
        data = storage().get(job.zip_path)
    except ValueError:  # not a storage key
        data = None
    if data is None:
        abort(404)  # pruned
    survey_round = db.get_or_404(SurveyRound, round_id)
    return _send(
        data, download_name(survey_round.fiscal_year, "レポート一式", ext="zip"), "application/zip"
    )
