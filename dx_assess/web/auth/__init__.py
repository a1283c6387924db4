"""Log-in, log-out, and loading the current user for Flask-Login."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from dx_assess.extensions import db
from dx_assess.models import User


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: ``"<id>:<session_version>"``; a stale version logs out."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        user = db.session.get(User, int(raw_id))
        version = int(raw_version)
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def configure_login(manager: LoginManager) -> None:
    manager.user_loader(load_user)
    manager.login_view = "auth.login"
    manager.login_message = _l("このページを見るにはログインしてください。")
    manager.login_message_category = "info"
    manager.session_protection = "basic"
