"""The registry pages: municipality list and detail; the support-programme list upload."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from werkzeug.wrappers import Response

from dx_assess.core.registry.supported_list import SupportedListError, parse_supported_list
from dx_assess.extensions import db
from dx_assess.models import Municipality, Subprefecture
from dx_assess.services.registry import (
    latest_supported_list_change,
    registry_entries,
    set_supported_list,
)
from dx_assess.web.access import (
    Action,
    Duty,
    login_required,
    require_duty,
    require_municipality,
    visible_municipalities,
)
from dx_assess.web.formtools import choices
from dx_assess.web.labels import translated
from dx_assess.web.presenters import municipality_view, programme_status
from dx_assess.web.registry.forms import (
    MunicipalityFilterForm,
    SupportedListApplyForm,
    SupportedListUploadForm,
)

bp = Blueprint("registry", __name__, template_folder="templates")


@bp.route("/municipalities")
@login_required
def municipality_list() -> str:
    form = MunicipalityFilterForm(request.args)
    subprefectures = db.session.scalars(select(Subprefecture).order_by(Subprefecture.order)).all()
    form.subprefecture.choices = choices(
        [("", _("すべて"))] + [(s.short_name, s.name) for s in subprefectures]
    )
    query = visible_municipalities(current_user).join(Municipality.subprefecture)
    if form.q.data:
        needle = f"%{form.q.data.strip()}%"
        query = query.where(
            or_(
                Municipality.name.like(needle),
                Municipality.name_kana.like(needle),
                Municipality.code.like(needle),
            )
        )
    if form.subprefecture.data:
        query = query.where(Subprefecture.short_name == form.subprefecture.data)
    if form.kind.data:
        query = query.where(Municipality.kind == form.kind.data)
    if form.supported.data in ("yes", "no"):
        query = query.where(Municipality.supported.is_(form.supported.data == "yes"))
    rows = db.session.scalars(query.order_by(Subprefecture.order, Municipality.code)).all()
    return render_template(
        "registry/list.html",
        form=form,
        municipalities=[municipality_view(m) for m in rows],
        programme=programme_status(latest_supported_list_change(db.session)),
    )


@bp.route("/municipalities/<code>")
@login_required
def municipality_detail(code: str) -> str:
    municipality = require_municipality(code, Action.VIEW)
    return render_template(
        "registry/detail.html",
        municipality=municipality_view(municipality),
        programme=programme_status(latest_supported_list_change(db.session)),
    )


@bp.route("/registry/supported", methods=["GET", "POST"])
@require_duty(Duty.SET_PROGRAMME)
def supported_upload() -> str | Response | tuple[str, int]:
    """Upload a CSV of the programme's municipalities: preview first, then apply."""
    form = SupportedListUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            parsed = parse_supported_list(data, registry_entries(db.session))
        except SupportedListError as exc:
            problems = [translated(p.as_message()) for p in exc.problems]
        else:
            current = set(
                db.session.scalars(select(Municipality.code).where(Municipality.supported))
            )
            names = dict(db.session.execute(select(Municipality.code, Municipality.name)).all())
            wanted = set(parsed.codes)
            apply_form = SupportedListApplyForm(
                codes=",".join(parsed.codes), source_name=form.file.data.filename or "upload.csv"
            )
            return render_template(
                "registry/supported_preview.html",
                form=apply_form,
                encoding=parsed.encoding_label,
                count=len(wanted),
                added=[f"{c} {names[c]}" for c in sorted(wanted - current)],
                removed=[f"{c} {names[c]}" for c in sorted(current - wanted)],
            )
    status = 422 if problems or form.errors else 200
    return render_template(
        "registry/supported_upload.html",
        form=form,
        problems=problems,
        programme=programme_status(latest_supported_list_change(db.session)),
    ), status


@bp.route("/registry/supported/apply", methods=["POST"])
@require_duty(Duty.SET_PROGRAMME)
def supported_apply() -> Response:
    form = SupportedListApplyForm()
    if not form.validate_on_submit() or not form.confirm.data:
        flash(_("確認のチェックが入っていないため、変更しませんでした。"), "warning")
        return redirect(url_for("registry.supported_upload"))
    codes = [c for c in (form.codes.data or "").split(",") if c]
    try:
        result = set_supported_list(
            db.session,
            "\n".join(codes).encode(),
            source_name=form.source_name.data or "upload.csv",
            actor=current_user.login,
        )
    except SupportedListError as exc:  # refused before writing
        for problem in exc.problems:
            flash(translated(problem.as_message()), "error")
        return redirect(url_for("registry.supported_upload"))
    flash(
        _(
            "支援対象市町村を更新しました（%(n)d市町村、追加%(a)d・除外%(r)d）。",
            n=result.supported_count,
            a=len(result.added),
            r=len(result.removed),
        ),
        "success",
    )
    return redirect(url_for("registry.municipality_list", supported="yes"))
