"""Password reset by a single-use, time-limited link.

The link carries a token signed with ``SECRET_KEY`` (itsdangerous) holding the account id and
a fingerprint of its password hash and session version: setting the new password changes
both, so the link works once; it expires after ``DX_PASSWORD_RESET_MINUTES`` (60 by default).
Asking for a link always gets the same answer whether or not the account exists (no account
enumeration); a link is mailed only to an active account that has an e-mail address."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select

from dx_assess.core import mail as compose
from dx_assess.models import OutgoingMail, User
from dx_assess.models.base import DbSession
from dx_assess.services.accounts import set_password
from dx_assess.services.mail import contact, external_url, queue

SALT = "dx-assess-password-reset"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=SALT)


def valid_minutes() -> int:
    return int(current_app.config.get("DX_PASSWORD_RESET_MINUTES") or 60)


def _fingerprint(user: User) -> str:
    seed = f"{user.id}:{user.session_version}:{user.password_hash}".encode()
    return hashlib.sha256(seed).hexdigest()[:32]


def make_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_of_token(session: DbSession, token: str) -> User | None:
    """The active account whose link ``token`` is, if still valid and unused; else None."""
    try:
        data = _serializer().loads(token, max_age=valid_minutes() * 60)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = session.get(User, data["u"])
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user


def request_reset(session: DbSession, login_or_email: str) -> list[OutgoingMail]:
    """Queue a reset mail for each active account whose login or e-mail is what was typed.

    The caller answers the same in every case; the list is for tests and the log."""
    typed = login_or_email.strip()
    if not typed:
        return []
    users = session.scalars(
        select(User).where(
            User.active.is_(True),
            User.email.is_not(None),
            or_(User.login == typed, func.lower(User.email) == typed.lower()),
        )
    )
    queued = []
    for user in users:
        content = compose.password_reset(
            display_name=user.display_name,
            login=user.login,
            reset_url=external_url("auth.reset_password", token=make_token(user)),
            valid_minutes=valid_minutes(),
            contact=contact(),
        )
        mail = queue(session, content, [user.email])
        if mail is not None:
            queued.append(mail)
    return queued


def reset_password(session: DbSession, user: User, password: str) -> None:
    """Set the new password (the password rules apply; AccountError if weak): every session
    of the account ends and the link stops working."""
    set_password(session, user, password, actor_id=user.id)
