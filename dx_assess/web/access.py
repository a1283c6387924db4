"""The one place that decides who may see or change what.

Every view asks here: ``require_duty`` for role-wide pages, ``login_required`` for pages any
user may open, ``require_municipality`` for pages about one municipality,
``visible_municipalities``/``visible_codes`` for lists; templates ask ``may('duty')``, and the
menu (``dx_assess.web.menu``) offers a page exactly when ``may_open`` says its view lets the user
in. Tests walk the whole matrix and the menu (tests/test_authorization.py).

Rules:
- municipal staff: their own municipality only (view; answer when a round is open);
- adviser: the municipalities assigned to them (view only);
- prefecture: every municipality (view); rounds, sending responses back, the statistics
  import and the support-programme list;
- admin: every municipality (view); accounts, adviser assignments, the registry, the
  security log and the mails sent (「送信メール」, the outbox).

Separation of duties: the work of each role-wide page is a ``Duty``; ``DUTIES`` says which
roles hold it (named role sets of ``dx_assess.core.vocabulary``), and views, menus and templates ask
``has_duty``/``require_duty``/``may``, nowhere else.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from functools import wraps
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, assert_never, cast

import flask_login
from flask import abort, current_app
from flask_login import current_user
from sqlalchemy import Select, select

from dx_assess.core.vocabulary import PREFECTURE_STAFF, SUPPORT_STAFF
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
    READ_MAIL = "read_mail"  # 「送信メール」: every mail the service queued or sent (the outbox)
    # follow municipalities' progress from outside (advisers: their towns): the reminder list
    # of a round's status page, and a draft's provisional results (municipal staff see their
    # results only once submitted: a score that changes with every save would mislead)
    FOLLOW_UP = "follow_up"


DUTIES: Mapping[Duty, frozenset[Role]] = MappingProxyType(
    {
        Duty.OVERSEE: PREFECTURE_STAFF,
        Duty.EXPORT: SUPPORT_STAFF,
        Duty.RUN_ROUNDS: frozenset({Role.PREFECTURE}),
        Duty.IMPORT_STATISTICS: frozenset({Role.PREFECTURE}),
        Duty.SET_PROGRAMME: frozenset({Role.PREFECTURE}),
        Duty.MANAGE_ACCOUNTS: frozenset({Role.ADMIN}),
        Duty.READ_MAIL: frozenset({Role.ADMIN}),
        Duty.FOLLOW_UP: SUPPORT_STAFF,
    }
)


def has_duty(user: Any, duty: Duty) -> bool:
    """Does ``user`` (possibly anonymous) hold ``duty``?"""
    if not getattr(user, "is_authenticated", False) or not user.active:
        return False
    return user.role in DUTIES[duty]


def sees_every_municipality(user: User) -> bool:
    """True when ``can(user, VIEW, m)`` holds for every municipality (prefecture, admin)."""
    return user.active and user.role in PREFECTURE_STAFF


def can(user: User, action: Action, municipality: Municipality) -> bool:
    """May ``user`` do ``action`` on ``municipality``'s data?"""
    if not user.active:
        return False
    role = user.role
    match action:
        case Action.VIEW:
            if role in PREFECTURE_STAFF:
                return True
            if role is Role.ADVISER:
                return is_assigned(user, municipality)
            return user.municipality_id == municipality.id  # municipal staff: their own
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
    if user.role in PREFECTURE_STAFF:
        return query
    if user.role is Role.ADVISER:
        assigned = select(AdviserAssignment.municipality_id).where(
            AdviserAssignment.adviser_id == user.id
        )
        return query.where(Municipality.id.in_(assigned))
    return query.where(Municipality.id == user.municipality_id)  # municipal staff: their own


def visible_codes(user: User) -> set[str] | None:
    """Codes of the municipalities ``user`` may see (dashboards' and exports' rows), or None
    for every municipality (prefecture, admin)."""
    if sees_every_municipality(user):
        return None
    query = visible_municipalities(user).with_only_columns(Municipality.code)
    return set(db.session.scalars(query))


class _AnyUser(enum.Enum):
    """The rule of a page that any logged-in, active user may open."""

    ANY_USER = "any_user"


ANY_USER = _AnyUser.ANY_USER
#: What a view requires: a duty, or only a log-in.
Rule = Duty | _AnyUser
_RULE = "access_rule"  # the attribute of a guarded view function that holds its rule


def _with_rule(view: Callable[P, R], rule: Rule) -> Callable[P, R]:
    setattr(view, _RULE, rule)
    return view


def rule_of(view: Callable[..., Any]) -> Rule | None:
    """The rule a view function was guarded with (None: not guarded by this module)."""
    rule = getattr(view, _RULE, None)
    return rule if isinstance(rule, Duty | _AnyUser) else None


def satisfies(user: Any, rule: Rule) -> bool:
    """Does ``user`` (possibly anonymous) pass ``rule``?"""
    if isinstance(rule, Duty):
        return has_duty(user, rule)
    return bool(getattr(user, "is_authenticated", False) and user.active)


def may_open(user: Any, endpoint: str) -> bool:
    """Would the view of ``endpoint`` let ``user`` in? (The menu asks, for pages
    without a municipality in their address.)

    Raises LookupError for an endpoint whose view is not guarded by ``require_duty`` or
    ``login_required``, so that a menu entry cannot point to a page without a known rule."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        return False  # a blueprint this app does not register
    rule = rule_of(view)
    if rule is None:
        raise LookupError(f"{endpoint} is not guarded by require_duty or login_required")
    return satisfies(user, rule)


def require_duty(duty: Duty) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """View decorator: log-in required, and the user's role must hold ``duty``."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                from dx_assess.extensions import login_manager

                return login_manager.unauthorized()  # type: ignore[no-any-return]
            if not has_duty(current_user, duty):
                abort(403)
            return view(*args, **kwargs)

        return _with_rule(wrapped, duty)

    return decorator


def init_app(app: Flask) -> None:
    """Templates ask ``may('run_rounds')`` for menus and buttons (same rule as the views)."""

    def may(duty: str) -> bool:
        return has_duty(current_user, Duty(duty))

    app.jinja_env.globals["may"] = may


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """View decorator: any logged-in, active user (Flask-Login's, with its type kept)."""
    return _with_rule(cast(Callable[P, R], flask_login.login_required(view)), ANY_USER)


def require_municipality(code: str, action: Action) -> Municipality:
    """The municipality with ``code`` if the current user may do ``action`` on it; else 404/403."""
    municipality = db.session.scalar(select(Municipality).where(Municipality.code == code))
    if municipality is None:
        abort(404)
    if not can(current_user, action, municipality):
        abort(403)
    return municipality
