"""/login, /logout and the password reset by a mailed link."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from dx_assess import unit_of_work
from dx_assess.config import prefecture_contact
from dx_assess.extensions import db
from dx_assess.services import password_reset
from dx_assess.services.accounts import AccountError, AccountStopped, signed_in, signed_out
from dx_assess.web.access import login_required
from dx_assess.web.auth.forms import ForgotPasswordForm, LoginForm, ResetPasswordForm
from dx_assess.web.labels import translated
from dx_assess.web.request_guard import safe_next

bp = Blueprint("auth", __name__, template_folder="templates")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    failed = stopped = False
    if form.validate_on_submit():
        try:
            user = signed_in(db.session, form.login.data, form.password.data)
        except AccountStopped:
            user, stopped = None, True
        if user is not None:
            login_user(user)
            flash(_("%(name)sとしてログインしました。", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        failed = not stopped
        unit_of_work.keep()  # the 401 below keeps the failed log-in in the security log
    status = 401 if failed or stopped else 200
    return render_template(
        "auth/login.html",
        form=form,
        failed=failed,
        stopped=stopped,
        contact=prefecture_contact(current_app.config),
    ), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """End the session here and on the server: the session version goes up, so a copy of
    the session cookie (another tab, another computer, a stolen cookie) no longer works."""
    signed_out(db.session, current_user.id)
    logout_user()
    flash(_("ログアウトしました。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> str | tuple[str, int]:
    """Ask for a reset link: the same answer whether or not the account exists (throttled per
    address and per what was typed, ``web.auth.throttle``)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(db.session, form.login_or_email.data or "")
        return render_template(
            "auth/forgot_sent.html",
            minutes=password_reset.valid_minutes(),
            contact=prefecture_contact(current_app.config),
        )
    status = 422 if form.errors else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response | tuple[str, int]:
    """Set a new password with a mailed link (single use, time-limited)."""
    user = password_reset.user_of_token(db.session, token)
    if user is None:
        return render_template(
            "auth/reset_invalid.html",
            minutes=password_reset.valid_minutes(),
            contact=prefecture_contact(current_app.config),
        ), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            password_reset.reset_password(db.session, user, form.password.data or "")
        except AccountError as exc:
            form.password.errors = [translated(exc.message)]
        else:
            if current_user.is_authenticated and current_user.id == user.id:
                logout_user()  # every session of the account ended with the new password
            flash(
                _("パスワードを変更しました。新しいパスワードでログインしてください。"), "success"
            )
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/reset.html", form=form, login=user.login), status
