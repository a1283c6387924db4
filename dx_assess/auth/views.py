"""/login and /logout."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from dx_assess.access import login_required
from dx_assess.accounts.security_log import record
from dx_assess.auth.forms import LoginForm
from dx_assess.auth.passwords import verify_password
from dx_assess.extensions import db
from dx_assess.models import SecurityEventKind, User
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
            record(db.session, SecurityEventKind.LOGIN, user=user)
            db.session.commit()
            login_user(user)
            flash(_("%(name)sとしてログインしました。", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        failed = True
        # an unknown login is not kept: it may be a password typed into the wrong field
        if user is None:
            why = "登録されていないログインID"
        elif not ok:
            why = "パスワードの誤り"
        else:
            why = "無効なアカウント"
        record(db.session, SecurityEventKind.LOGIN_FAILED, user=user, detail=why)
        db.session.commit()
    status = 401 if failed else 200
    return render_template("auth/login.html", form=form, failed=failed), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """End the session here and on the server: the session version goes up, so a copy of
    the session cookie (another tab, another computer, a stolen cookie) no longer works."""
    user = db.session.get(User, current_user.id)
    if user is not None:
        user.session_version += 1
        record(db.session, SecurityEventKind.LOGOUT, user=user)
        db.session.commit()
    logout_user()
    flash(_("ログアウトしました。"), "info")
    return redirect(url_for("auth.login"))
