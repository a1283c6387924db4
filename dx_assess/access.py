"""The one place that decides who may see or change what.

Every view asks here: ``require_role`` for role-wide pages, ``require_municipality`` for
pages about one municipality, ``visible_municipalities`` for lists. Tests walk the whole
matrix (tests/test_authorization.py).

Rules:
- municipal staff: their own municipality only (view; answer when a round is open);
- adviser: the municipalities assigned to them (view only);
- prefecture: every municipality (view; manage rounds and the support-programme list);
- admin: every municipality (view); accounts and the registry.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar, assert_never, cast

import flask_login
from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select

from dx_assess.extensions import db
from dx_assess.models import AdviserAssignment, Municipality, Role, User

P = ParamSpec("P")
R = TypeVar("R")


class Action(enum.StrEnum):
    VIEW = "view"  # registry data, responses, results, reports
    ANSWER = "answer"  # fill in the questionnaire
    MANAGE_PROGRAMME = "manage_programme"  # the support-programme list, rounds


def can(user: User, action: Action, municipality: Municipality) -> bool:
    """May ``user`` do ``action`` on ``municipality``'s data?"""
    if not user.active:
        return False
    role = user.role
    match action:
        case Action.VIEW:
            match role:
                case Role.PREFECTURE | Role.ADMIN:
                    return True
                case Role.MUNICIPAL:
                    return user.municipality_id == municipality.id
                case Role.ADVISER:
                    return is_assigned(user, municipality)
                case _:
                    assert_never(role)
        case Action.ANSWER:
            return role is Role.MUNICIPAL and user.municipality_id == municipality.id
        case Action.MANAGE_PROGRAMME:
            return role in (Role.PREFECTURE, Role.ADMIN)
        case _:
            assert_never(action)


def is_assigned(adviser: User, municipality: Municipality) -> bool:
    row = db.session.scalar(
        select(AdviserAssignment.id).where(
            AdviserAssignment.adviser_id == adviser.id,
            AdviserAssignment.municipality_id == municipality.id,
        )
    )
    return row is not None


def visible_municipalities(user: User) -> Select[Municipality]:
    """A query of the municipalities ``user`` may view (same rules as ``can``)."""
    query = select(Municipality)
    if not user.active:
        return query.where(Municipality.id.is_(None))
    role = user.role
    match role:
        case Role.PREFECTURE | Role.ADMIN:
            return query
        case Role.MUNICIPAL:
            return query.where(Municipality.id == user.municipality_id)
        case Role.ADVISER:
            assigned = select(AdviserAssignment.municipality_id).where(
                AdviserAssignment.adviser_id == user.id
            )
            return query.where(Municipality.id.in_(assigned))
        case _:
            assert_never(role)


def require_role(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: log-in required, and the user's role must be one of ``roles``."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                from dx_assess.extensions import login_manager

                return login_manager.unauthorized()  # type: ignore[no-any-return]
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorator


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """View decorator: any logged-in, active user (Flask-Login's, with its type kept)."""
    return cast(Callable[P, R], flask_login.login_required(view))


def require_municipality(code: str, action: Action) -> Municipality:
    """The municipality with ``code`` if the current user may do ``action`` on it; else 404/403."""
    municipality = db.session.scalar(select(Municipality).where(Municipality.code == code))
    if municipality is None:
        abort(404)
    if not can(current_user, action, municipality):
        abort(403)
    return municipality
