"""Password hashing and the minimum rules for a new password."""

from __future__ import annotations

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

from dx_assess.core.messages import N_, Message

MIN_LENGTH = 10
# A valid hash of a random string, checked when the login is unknown so that the answer
# takes as long as for a known login.
_DUMMY_HASH = generate_password_hash("not-a-real-password-8d1f6c")


def hash_password(password: str) -> str:
    """scrypt (Werkzeug's default). Only DX_ENV=testing may choose a cheaper method."""
    method = "scrypt"
    if has_app_context() and current_app.config["DX_ENV"] == "testing":
        method = current_app.config.get("DX_PASSWORD_HASH_METHOD", method)
    return generate_password_hash(password, method=method)


def verify_password(password_hash: str | None, password: str) -> bool:
    return check_password_hash(password_hash or _DUMMY_HASH, password) and password_hash is not None


def password_problem(password: str) -> Message | None:
    """A Japanese message (translatable) if ``password`` is too weak, else None."""
    if len(password) < MIN_LENGTH:
        return N_("パスワードは%(n)d文字以上にしてください。", n=MIN_LENGTH)
    if password.isdigit() or password.isalpha():
        return N_("パスワードには英字と数字（または記号）を混ぜてください。")
    return None
