"""One account per role, for tests that try every page as every kind of user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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
