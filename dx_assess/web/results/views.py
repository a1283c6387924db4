"""The municipality results page: scores, level, peer positions, trend and recommendations."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_login import current_user

from dx_assess.core.results import sensitivity_view
from dx_assess.extensions import db
from dx_assess.models import SurveyRound
from dx_assess.services.results import round_results
from dx_assess.web.access import (
    Action,
    Duty,
    has_duty,
    login_required,
    require_duty,
    require_municipality,
)

bp = Blueprint("results", __name__, template_folder="templates")


@bp.route("/rounds/<int:round_id>/results/<code>")
@login_required
def municipality(round_id: int, code: str) -> str:
    place = require_municipality(code, Action.VIEW)
    survey_round = db.get_or_404(SurveyRound, round_id)
    results = round_results(db.session, survey_round)
    result = results.municipality(place.code)
    if result is None:
        abort(404)  # not in this round (outside the programme, no response)
    # A draft's provisional results are for those who follow the town (see Duty.FOLLOW_UP).
    hidden_for_staff = not result.final and not has_duty(current_user, Duty.FOLLOW_UP)
    return render_template(
        "results/municipality.html",
        r=result,
        hidden=hidden_for_staff,
        pillar_count=len(results.pillars),
        has_report="reports.municipality_report" in current_app.view_functions,
    )


@bp.route("/rounds/<int:round_id>/sensitivity")
@require_duty(Duty.OVERSEE)
def sensitivity(round_id: int) -> str:
    survey_round = db.get_or_404(SurveyRound, round_id)
    results = round_results(db.session, survey_round)
    return render_template(
        "results/sensitivity.html", results=results, view=sensitivity_view(results)
    )
