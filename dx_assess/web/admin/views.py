"""Administration: user accounts, adviser assignments and the security log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from dx_assess import unit_of_work
from dx_assess.extensions import db
from dx_assess.models import Municipality, Role, Subprefecture, User
from dx_assess.services.accounts import (
    AccountError,
    UserData,
    create_user,
    set_assignments,
    set_password,
    update_user,
)
from dx_assess.services.security_log import events_page
from dx_assess.web.access import Duty, require_duty
from dx_assess.web.admin.forms import AssignmentForm, UserForm
from dx_assess.web.formtools import choices
from dx_assess.web.presenters import user_view

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")


def _municipality_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        select(Municipality.code, Municipality.name, Subprefecture.short_name)
        .join(Municipality.subprefecture)
        .order_by(Subprefecture.order, Municipality.code)
    ).all()
    return choices([("", _("（なし）"))] + [(c, f"{n}（{s}・{c}）") for c, n, s in rows])


def _form_data(form: UserForm) -> UserData:
    return UserData(
        login=(form.login.data or "").strip(),
        display_name=form.display_name.data or "",
        role=Role(form.role.data),
        municipality_code=form.municipality_code.data or None,
        active=bool(form.active.data),
        email=(form.email.data or "").strip(),
    )


@bp.route("/users")
@require_duty(Duty.MANAGE_ACCOUNTS)
def users() -> str:
    rows = db.session.scalars(select(User).order_by(User.role, User.login)).all()
    return render_template("admin/users.html", users=[user_view(u) for u in rows])


@bp.route("/users/new", methods=["GET", "POST"])
@require_duty(Duty.MANAGE_ACCOUNTS)
def user_new() -> str | Response | tuple[str, int]:
    form = UserForm()
    form.municipality_code.choices = _municipality_choices()
    if form.validate_on_submit():
        try:
            user = create_user(
                db.session, _form_data(form), form.password.data or "", actor_id=current_user.id
            )
        except AccountError as exc:
            getattr(form, exc.field, form.login).errors.append(exc.message)
        else:
            flash(_("アカウント「%(login)s」を作成しました。", login=user.login), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require_duty(Duty.MANAGE_ACCOUNTS)
def user_edit(user_id: int) -> str | Response | tuple[str, int]:
    user = db.get_or_404(User, user_id)
    view = user_view(user)
    # On POST only what was posted counts: a missing field is an error, not the old value.
    initial = {
        "login": user.login,
        "display_name": user.display_name,
        "email": user.email or "",
        "role": user.role.value,
        "municipality_code": view.municipality_code or "",
        "active": user.active,
    }
    form = UserForm(data=None if request.method == "POST" else initial)
    form.login.render_kw = {**(form.login.render_kw or {}), "readonly": True}
    form.municipality_code.choices = _municipality_choices()
    if form.validate_on_submit():
        try:
            update_user(db.session, user, _form_data(form), acting_user_id=current_user.id)
            if form.password.data:
                set_password(db.session, user, form.password.data, actor_id=current_user.id)
        except AccountError as exc:
            unit_of_work.undo()  # update_user may have changed the account before set_password
            getattr(form, exc.field, form.login).errors.append(exc.message)
        else:
            flash(_("アカウント「%(login)s」を更新しました。", login=user.login), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=view), status


@bp.route("/users/<int:user_id>/assignments", methods=["GET", "POST"])
@require_duty(Duty.MANAGE_ACCOUNTS)
def assignments(user_id: int) -> str | Response | tuple[str, int]:
    adviser = db.get_or_404(User, user_id)
    if adviser.role is not Role.ADVISER:
        abort(404)
    form = AssignmentForm(municipalities=[a.municipality.code for a in adviser.assignments])
    rows = db.session.execute(
        select(
            Municipality.code, Municipality.name, Municipality.supported, Subprefecture.short_name
        )
        .join(Municipality.subprefecture)
        .order_by(Municipality.supported.desc(), Subprefecture.order, Municipality.code)
    ).all()
    form.municipalities.choices = choices(
        (code, f"{name}（{sub}）" + ("" if supported else _("・支援対象外")))
        for code, name, supported, sub in rows
    )
    if form.validate_on_submit():
        try:
            added, removed = set_assignments(db.session, adviser, form.municipalities.data or [])
        except AccountError as exc:
            form.municipalities.errors = [exc.message]
        else:
            flash(
                _(
                    "担当市町村を更新しました（追加%(a)d・解除%(r)d）。",
                    a=len(added),
                    r=len(removed),
                ),
                "success",
            )
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template("admin/assignments.html", form=form, adviser=user_view(adviser)), status


@bp.route("/security-events")
@require_duty(Duty.MANAGE_ACCOUNTS)
def security_events() -> str:
    """The security log, newest first, 50 a page, optionally for one login (?user=)."""
    login = (request.args.get("user") or "").strip()[:64] or None
    page = request.args.get("page", default=1, type=int)
    events = events_page(db.session, page=page, login=login)
    return render_template("admin/security_events.html", events=events, login=login)
