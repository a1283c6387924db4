"""Accounts in tests: one per role (for tests that try every page as every kind of user), one
looked up by its login, the administrator's account form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import User


def one_per_role(
    make_user: Callable[..., Any], assign: Callable[[Any, list[str]], None], town: str
) -> dict[str, Any]:
    """Accounts by role: 「muni」 on the staff of ``town``, 「adv」 an adviser assigned to it,
    「pref」 the prefecture and 「root」 an administrator (``make_user`` and ``assign`` are the
    fixtures of tests/conftest.py)."""
    users = {
        "municipal": make_user("municipal", town, login="muni"),
        "adviser": make_user("adviser", login="adv"),
        "prefecture": make_user("prefecture", login="pref"),
        "admin": make_user("admin", login="root"),
    }
    assign(users["adviser"], [town])
    return users


def user_by_login(login: str) -> User | None:
    """The account ``login`` as the database holds it now (None: there is none)."""
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.login == login))


def account_form(
    login: str, display_name: str, role: str, municipality_code: str = "", **more: str
) -> dict[str, str]:
    """The administrator's account form (/admin/users/new, /admin/users/<id>) as a browser
    posts it: an active account, plus ``more`` fields (password, email)."""
    return {
        "login": login,
        "display_name": display_name,
        "role": role,
        "municipality_code": municipality_code,
        "active": "y",
        **more,
    }
