"""/login and /logout."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from dx_assess import unit_of_work
from dx_assess.extensions import db
from dx_assess.services.accounts import signed_in, signed_out
from dx_assess.web.access import login_required
from dx_assess.web.auth.forms import LoginForm
from dx_assess.web.request_guard import safe_next

bp = Blueprint("auth", __name__, template_folder="templates")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = signed_in(db.session, form.login.data, form.password.data)
        if user is not None:
            login_user(user)
            flash(_("%(name)sとしてログインしました。", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        failed = True
        unit_of_work.keep()  # the 401 below keeps the failed log-in in the security log
    status = 401 if failed else 200
    return render_template("auth/login.html", form=form, failed=failed), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """End the session here and on the server: the session version goes up, so a copy of
    the session cookie (another tab, another computer, a stolen cookie) no longer works."""
    signed_out(db.session, current_user.id)
    logout_user()
    flash(_("ログアウトしました。"), "info")
    return redirect(url_for("auth.login"))
