"""/login and /logout."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from dx_assess.access import login_required
from dx_assess.auth.forms import LoginForm
from dx_assess.auth.passwords import verify_password
from dx_assess.extensions import db
from dx_assess.models import User
from dx_assess.models.base import utcnow
from dx_assess.request_guard import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.login == form.login.data.strip()))
        ok = verify_password(user.password_hash if user else None, form.password.data)
        if user is not None and ok and user.active:
            user.last_login_at = utcnow()
            db.session.commit()
            login_user(user)
            flash(_("%(name)sさん、ようこそ。", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        failed = True
    status = 401 if failed else 200
    return render_template("auth/login.html", form=form, failed=failed), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    logout_user()
    flash(_("ログアウトしました。"), "info")
    return redirect(url_for("auth.login"))
