"""The one place that decides who may see or change what.

Every view asks here: ``require_role`` for role-wide pages, ``require_municipality`` for
pages about one municipality, ``visible_municipalities`` for lists. Tests walk the whole
matrix (tests/test_authorization.py).

Rules:
- municipal staff: their own municipality only (view; answer when a round is open);
- adviser: the municipalities assigned to them (view only);
- prefecture: every municipality (view); rounds, sending responses back, the statistics
  import and the support-programme list;
- admin: every municipality (view); accounts, adviser assignments, the registry and the
  security log.

Separation of duties: the work of each role-wide page is a ``Duty``; ``DUTIES`` says which
roles hold it, and views, menus and templates ask ``has_duty``/``require_duty``, nowhere else.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from functools import wraps
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, assert_never, cast

import flask_login
from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select

from dx_assess.extensions import db
from dx_assess.models import AdviserAssignment, Municipality, Role, User

if TYPE_CHECKING:
    from flask import Flask

P = ParamSpec("P")
R = TypeVar("R")


class Action(enum.StrEnum):
    VIEW = "view"  # registry data, responses, results, reports
    ANSWER = "answer"  # fill in the questionnaire
    # send a municipality's submitted response back (reopen): the round-runner's duty
    MANAGE_PROGRAMME = "manage_programme"


class Duty(enum.StrEnum):
    """Role-wide work, not about one municipality."""

    OVERSEE = "oversee"  # regional comparison, KPIs, sensitivity, regional and batch reports
    EXPORT = "export"  # the dashboards' CSV/xlsx exports (an adviser's hold their towns only)
    RUN_ROUNDS = "run_rounds"  # open, close and reschedule rounds; reopen responses
    IMPORT_STATISTICS = "import_statistics"  # the 総務省 population and card figures
    SET_PROGRAMME = "set_programme"  # the support-programme list (対象市町村)
    MANAGE_ACCOUNTS = "manage_accounts"  # accounts, adviser assignments, the security log


DUTIES: Mapping[Duty, frozenset[Role]] = MappingProxyType(
    {
        Duty.OVERSEE: frozenset({Role.PREFECTURE, Role.ADMIN}),
        Duty.EXPORT: frozenset({Role.PREFECTURE, Role.ADMIN, Role.ADVISER}),
        Duty.RUN_ROUNDS: frozenset({Role.PREFECTURE}),
        Duty.IMPORT_STATISTICS: frozenset({Role.PREFECTURE}),
        Duty.SET_PROGRAMME: frozenset({Role.PREFECTURE}),
        Duty.MANAGE_ACCOUNTS: frozenset({Role.ADMIN}),
    }
)


def has_duty(user: Any, duty: Duty) -> bool:
    """Does ``user`` (possibly anonymous) hold ``duty``?"""
    if not getattr(user, "is_authenticated", False) or not user.active:
        return False
    return user.role in DUTIES[duty]


def sees_every_municipality(user: User) -> bool:
    """True when ``can(user, VIEW, m)`` holds for every municipality (prefecture, admin)."""
    return user.active and user.role in (Role.PREFECTURE, Role.ADMIN)


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
            return has_duty(user, Duty.RUN_ROUNDS)
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


def require_duty(duty: Duty) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: log-in required, and the user's role must hold ``duty``."""
    return require_role(*sorted(DUTIES[duty]))


def init_app(app: Flask) -> None:
    """Templates ask ``may('run_rounds')`` for menus and buttons (same rule as the views)."""

    def may(duty: str) -> bool:
        return has_duty(current_user, Duty(duty))

    app.jinja_env.globals["may"] = may


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
