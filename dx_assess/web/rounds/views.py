"""Round pages for the prefecture: list and open rounds, see response status, close a round."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse

from dx_assess import unit_of_work
from dx_assess.core.dashboards.exports import to_csv
from dx_assess.core.dashboards.follow_up import (
    DEFAULT_SORT,
    STATUS_FILTERS,
    UNSUBMITTED,
    FollowUpList,
    follow_up_frame,
    follow_up_list,
)
from dx_assess.core.dashboards.status import StatusTable, reminder_text, status_frame, status_table
from dx_assess.core.filenames import content_disposition, download_name
from dx_assess.core.results import RoundResults
from dx_assess.core.vocabulary import reiwa, today
from dx_assess.extensions import db
from dx_assess.models import Response, ResponseStatus, SurveyRound
from dx_assess.services import notices
from dx_assess.services.follow_up import round_contacts
from dx_assess.services.results import round_results
from dx_assess.services.rounds import (
    OPEN,
    RoundError,
    check_deadline_near_fiscal_year,
    check_fiscal_year_dates,
    close_round,
    open_round,
    reschedule_round,
    round_state,
)
from dx_assess.services.versions import PublishError, broken_files, questionnaire_root, statuses
from dx_assess.web.access import Duty, has_duty, login_required, require_duty, visible_codes
from dx_assess.web.formtools import choices
from dx_assess.web.labels import japanese_date, translated
from dx_assess.web.rounds.forms import CloseRoundForm, OpenRoundForm, ReminderForm, ScheduleForm

bp = Blueprint("rounds", __name__, template_folder="templates")


def round_summaries() -> list[dict[str, object]]:
    rows = db.session.scalars(select(SurveyRound).order_by(SurveyRound.fiscal_year.desc()))
    out = []
    for r in rows:
        counts = dict(
            db.session.execute(
                select(Response.status, func.count(Response.id))
                .where(Response.round_id == r.id)
                .group_by(Response.status)
            ).all()
        )
        out.append(
            {
                "id": r.id,
                "title": r.title,
                "fiscal_year": r.fiscal_year,
                "label": reiwa(r.fiscal_year),
                "version": r.questionnaire_version.version,
                "opens_on": r.opens_on.isoformat(),
                "closes_on": r.closes_on.isoformat(),
                "state": round_state(r).label,
                "state_code": round_state(r).code,
                "submitted": counts.get(ResponseStatus.SUBMITTED, 0),
                "started": sum(counts.values()),
                "is_demo": r.is_demo,
            }
        )
    return out


@bp.route("/rounds", methods=["GET", "POST"])
@require_duty(Duty.RUN_ROUNDS)
def rounds() -> str | WerkzeugResponse | tuple[str, int]:
    form = OpenRoundForm()
    form.questionnaire.choices = choices(
        (
            f"{s.key}:{s.version}",
            _(
                "%(title)s（%(version)s版・%(n)d問）",
                title=s.title,
                version=s.version,
                n=s.question_count,
            ),
        )
        for s in reversed(statuses(db.session, questionnaire_root()))
    )
    if form.validate_on_submit():
        key, version = form.questionnaire.data.split(":", 1)
        try:
            check_fiscal_year_dates(
                int(form.fiscal_year.data), form.opens_on.parsed, form.closes_on.parsed
            )
            created = open_round(
                db.session,
                questionnaire_root(),
                fiscal_year=int(form.fiscal_year.data),
                key=key,
                version=version,
                opens_on=form.opens_on.parsed,
                closes_on=form.closes_on.parsed,
                actor=current_user,
                population=form.population.data,
            )
        except RoundError as exc:
            unit_of_work.undo()  # open_round may have published the questionnaire already
            field = {
                "opens_on": form.opens_on,
                "closes_on": form.closes_on,
                "fiscal_year": form.fiscal_year,
            }.get(exc.field, form.questionnaire)
            field.errors.append(translated(exc.message))
        except PublishError as exc:
            unit_of_work.undo()
            form.questionnaire.errors.extend(translated(m) for m in exc.messages)
        else:
            flash(_("%(title)sを作成しました。", title=created.title), "success")
            return redirect(url_for("rounds.round_status", round_id=created.id))
    elif not form.is_submitted():
        day = today()
        year = day.year if day.month >= 4 else day.year - 1  # the fiscal year of today
        form.fiscal_year.data = form.fiscal_year.data or str(year)
    status = 422 if form.errors else 200
    return render_template(
        "rounds/list.html",
        rounds=round_summaries(),
        form=form,
        broken=broken_files(questionnaire_root()),
    ), status


def _status_table(survey_round: SurveyRound) -> tuple[RoundResults, StatusTable]:
    """The round's status rows the current user may see, filtered by ?subprefecture=."""
    results = round_results(db.session, survey_round)
    chosen = request.args.get("subprefecture") or None
    return results, status_table(results, visible_codes(current_user), chosen)


@bp.route("/rounds/<int:round_id>")
@login_required
def round_status(round_id: int) -> str:
    return _round_page(_round(round_id))


def _round(round_id: int) -> SurveyRound:
    survey_round = db.session.get(SurveyRound, round_id)
    if survey_round is None:
        abort(404)
    return survey_round


def _round_page(
    survey_round: SurveyRound,
    close_form: CloseRoundForm | None = None,
    schedule_form: ScheduleForm | None = None,
) -> str:
    _results, table = _status_table(survey_round)
    state = round_state(survey_round)
    manager = has_duty(current_user, Duty.RUN_ROUNDS)
    if schedule_form is None:
        schedule_form = ScheduleForm(formdata=None)
        schedule_form.closes_on.data = survey_round.closes_on.isoformat()
    return render_template(
        "rounds/round.html",
        round=survey_round,
        state=state,
        table=table,
        reminders=reminder_text(table.rows),
        label=reiwa(survey_round.fiscal_year),
        close_form=close_form or CloseRoundForm(formdata=None),
        schedule_form=schedule_form,
        can_manage=manager,
        can_export=has_duty(current_user, Duty.EXPORT),
        reminder_form=ReminderForm(formdata=None),
        not_submitted=len(notices.not_submitted(db.session, survey_round)) if manager else 0,
        reminder_days="・".join(str(d) for d in current_app.config.get("DX_REMINDER_DAYS", ())),
    )


@bp.route("/rounds/<int:round_id>/status.csv")
@login_required
def round_status_csv(round_id: int) -> WerkzeugResponse:
    """The status table as CSV (UTF-8 with BOM), same rows and filter as the page."""
    survey_round = db.session.get(SurveyRound, round_id)
    if survey_round is None:
        abort(404)
    results, table = _status_table(survey_round)
    response = WerkzeugResponse(to_csv(status_frame(results, table)), mimetype="text/csv")
    filename = download_name(survey_round.fiscal_year, "回答状況", ext="csv")
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/rounds/<int:round_id>/close", methods=["POST"])
@require_duty(Duty.RUN_ROUNDS)
def close(round_id: int) -> WerkzeugResponse | tuple[str, int]:
    survey_round = _round(round_id)
    form = CloseRoundForm()
    if not form.validate_on_submit():
        return _round_page(survey_round, close_form=form), 422
    close_round(db.session, survey_round)
    flash(
        _(
            "%(title)sを締め切りました。以後、回答は編集できません"
            "（締切日を変更すると再開できます）。",
            title=survey_round.title,
        ),
        "success",
    )
    return redirect(url_for("rounds.round_status", round_id=round_id))


@bp.route("/rounds/<int:round_id>/schedule", methods=["POST"])
@require_duty(Duty.RUN_ROUNDS)
def schedule(round_id: int) -> WerkzeugResponse | tuple[str, int]:
    survey_round = _round(round_id)
    form = ScheduleForm()
    if form.validate_on_submit():
        try:
            check_deadline_near_fiscal_year(survey_round.fiscal_year, form.closes_on.parsed)
            reschedule_round(db.session, survey_round, form.closes_on.parsed)
        except RoundError as exc:
            form.closes_on.errors = [translated(exc.message)]
        else:
            flash(
                _(
                    "%(title)sの締切を%(day)sにしました。この日まで回答を受け付けます。",
                    title=survey_round.title,
                    day=japanese_date(survey_round.closes_on),
                ),
                "success",
            )
            return redirect(url_for("rounds.round_status", round_id=round_id))
    unit_of_work.undo()  # the page below shows the stored closing date
    return _round_page(survey_round, schedule_form=form), 422


@bp.route("/rounds/<int:round_id>/reminders", methods=["POST"])
@require_duty(Duty.RUN_ROUNDS)
def send_reminders(round_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Mail every municipality that has not submitted (at most once a day each)."""
    survey_round = _round(round_id)
    if not ReminderForm().validate_on_submit():
        return _round_page(survey_round), 422
    if round_state(survey_round) is not OPEN:
        flash(_("回答を受け付けている調査回だけ、締切前のお願いを送れます。"), "error")
        return redirect(url_for("rounds.round_status", round_id=round_id))
    result = notices.reminders(db.session, survey_round)
    message = _("%(n)d団体に締切前のお願いのメールを送りました。", n=result.queued)
    if result.already:
        message += _("%(n)d団体には本日すでに送っています。", n=result.already)
    if result.unreachable:
        message += _(
            "%(n)d団体はメールアドレスが分からないため送れませんでした。", n=result.unreachable
        )
    flash(message, "success")
    return redirect(url_for("rounds.round_status", round_id=round_id))


def _follow_up(survey_round: SurveyRound) -> tuple[StatusTable, FollowUpList]:
    """The 未提出団体の一覧 of the rows the user may see, filtered and sorted as the address
    says (?status=, ?subprefecture=, ?sort=, ?desc=1): links and forms, no script needed."""
    _results, table = _status_table(survey_round)
    listing = follow_up_list(
        table.rows,
        round_contacts(db.session, survey_round),
        status=request.args.get("status") or UNSUBMITTED,
        subprefecture=table.selected,
        sort=request.args.get("sort") or DEFAULT_SORT,
        descending=request.args.get("desc") == "1",
    )
    return table, listing


@bp.route("/rounds/<int:round_id>/follow-up")
@require_duty(Duty.FOLLOW_UP)
def follow_up(round_id: int) -> str:
    survey_round = _round(round_id)
    table, listing = _follow_up(survey_round)
    return render_template(
        "rounds/follow_up.html",
        round=survey_round,
        label=reiwa(survey_round.fiscal_year),
        table=table,
        listing=listing,
        status_filters=STATUS_FILTERS,
    )


@bp.route("/rounds/<int:round_id>/follow-up.csv")
@require_duty(Duty.FOLLOW_UP)
def follow_up_csv(round_id: int) -> WerkzeugResponse:
    """The list as shown (same filter and order) as CSV: UTF-8 with BOM, Japanese headers."""
    survey_round = _round(round_id)
    _table, listing = _follow_up(survey_round)
    response = WerkzeugResponse(to_csv(follow_up_frame(listing)), mimetype="text/csv")
    filename = download_name(survey_round.fiscal_year, "未提出団体の一覧", ext="csv")
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response
