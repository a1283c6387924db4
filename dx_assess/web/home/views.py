"""The home page (one per role), the language switch and the health check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from dx_assess.core.dashboards.adviser import AssignedTown, adviser_rows
from dx_assess.core.vocabulary import RoundState, Status, reiwa
from dx_assess.extensions import db
from dx_assess.models import Municipality, Role, Subprefecture, SurveyRound, User
from dx_assess.models import Response as ResponseRow
from dx_assess.services.registry import latest_supported_list_change
from dx_assess.services.responses import resume_section
from dx_assess.services.results import round_results
from dx_assess.services.rounds import (
    chosen_round,
    opens_on_of,
    round_questionnaire,
    round_state,
    rounds_newest_first,
)
from dx_assess.web import health, presenters
from dx_assess.web.access import login_required, visible_municipalities
from dx_assess.web.request_guard import safe_next
from dx_assess.web.rounds.views import round_summaries

bp = Blueprint("main", __name__, template_folder="templates")


@bp.route("/")
@login_required
def home() -> str:
    user: User = current_user
    programme = presenters.programme_status(latest_supported_list_change(db.session))
    if user.role is Role.MUNICIPAL:
        if user.municipality is None:  # excluded by a database constraint
            abort(403)
        return render_template(
            "main/home_municipal.html",
            municipality=presenters.municipality_view(user.municipality),
            programme=programme,
            rounds=_rounds_for(user.municipality),
        )
    if user.role is Role.ADVISER:
        rows = db.session.scalars(visible_municipalities(user).order_by(Municipality.code)).all()
        return render_template(
            "main/home_adviser.html",
            municipalities=[presenters.municipality_view(m) for m in rows],
            programme=programme,
            **_adviser_round(rows),
        )
    counts = presenters.registry_counts(
        db.session.execute(
            select(
                Subprefecture.order,
                Subprefecture.short_name,
                Municipality.kind,
                Municipality.supported,
                func.count(Municipality.id),
            )
            .join(Municipality.subprefecture)
            .group_by(
                Subprefecture.order,
                Subprefecture.short_name,
                Municipality.kind,
                Municipality.supported,
            )
        ).all()
    )
    if user.role is Role.PREFECTURE:
        return render_template(
            "main/home_prefecture.html",
            counts=counts,
            programme=programme,
            rounds=round_summaries(),
        )
    user_counts = dict(
        db.session.execute(select(User.role, func.count(User.id)).group_by(User.role)).all()
    )
    return render_template(
        "main/home_admin.html",
        counts=counts,
        programme=programme,
        user_counts={role.value: user_counts.get(role, 0) for role in Role},
    )


def _adviser_round(towns: Sequence[Municipality]) -> dict[str, object]:
    """The adviser's municipalities in the round chosen with ?round= (default: the open round,
    else the latest with responses, ``services.rounds.default_round``)."""
    rounds = rounds_newest_first(db.session)
    survey_round = chosen_round(db.session, request.args.get("round", type=int), rounds)
    if survey_round is None:
        return {"round": None, "rounds": [], "rows": []}
    assigned = [AssignedTown(m.code, m.name, m.subprefecture.short_name) for m in towns]
    results = round_results(db.session, survey_round)
    return {
        "round": {
            "id": survey_round.id,
            "title": survey_round.title,
            "label": reiwa(survey_round.fiscal_year),
            "is_demo": survey_round.is_demo,
            "previous": results.previous_label,
            "opens_on": opens_on_of(survey_round),
        },
        "rounds": [(r.id, r.title) for r in rounds],
        "rows": adviser_rows(results, assigned),
        "has_report": "reports.municipality_report" in current_app.view_functions,
    }


def _rounds_for(municipality: Municipality) -> list[dict[str, object]]:
    """Every round with this municipality's response status, newest first; an open round's
    「回答する」 leads to the first page not yet finished (``resume``)."""
    responses = {
        r.round_id: r
        for r in db.session.scalars(
            select(ResponseRow).where(ResponseRow.municipality_id == municipality.id)
        )
    }
    out = []
    for r in db.session.scalars(select(SurveyRound).order_by(SurveyRound.fiscal_year.desc())):
        response = responses.get(r.id)
        if response is None and not municipality.supported:
            continue
        state = round_state(r)
        status = Status.of(response.status if response else None)
        resume = None
        if state is RoundState.OPEN and status is not Status.SUBMITTED:
            resume = resume_section(response, round_questionnaire(r))
        out.append(
            {
                "id": r.id,
                "title": r.title,
                "label": reiwa(r.fiscal_year),
                "state": state.label,
                "open": state is RoundState.OPEN,
                "scheduled": state is RoundState.SCHEDULED,
                "opens_on": opens_on_of(r),
                "resume": resume,
                "closes_on": r.closes_on.isoformat(),
                "status": status,
                "status_label": status.label,
                "submitted_at": response.submitted_at
                if response is not None and status is Status.SUBMITTED
                else None,
            }
        )
    return out


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    lang = request.form.get("lang", "")
    if lang not in current_app.config["DX_LOCALES"]:
        abort(400)
    back = request.form.get("next", "")
    target = safe_next(back)
    if back and target is None:  # only ever sent crafted: the switch posts its own page
        abort(400)
    session["lang"] = lang
    return redirect(target or url_for("main.home"))


@bp.route("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    """For load balancers and operators: every check of ``dx_assess.web.health`` as JSON; 503 when
    a critical one (the database) fails, ``degraded`` when another one does."""
    return health.summary(health.run_checks(current_app))
