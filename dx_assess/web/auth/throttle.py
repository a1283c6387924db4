"""Log-in throttling with Flask-Limiter: failed log-ins are limited per account and per
client address.

Only failed attempts (answered 401) count. Once an account or an address has used up its
limit, every log-in attempt for it is refused with a Japanese 429 page, even one with the
right password, until the window has passed; the refusal is logged and recorded in the
security log (the unit of work keeps that record although the answer is a refusal). Limits
(``DX_LOGIN_LIMIT_PER_ACCOUNT``, ``DX_LOGIN_LIMIT_PER_ADDRESS``) use
the limits library's notation, e.g. ``10 per 15 minutes``. The counters live in
``DX_RATELIMIT_STORAGE_URL``: ``memory://`` (default, one process only) or
``redis://host:6379/0`` so that every worker and instance shares them.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, cast

from flask import Flask, current_app, render_template, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from flask_limiter.util import get_remote_address
from sqlalchemy import select
from werkzeug.wrappers import Response

log = logging.getLogger("dx_assess.security")

DEFAULT_PER_ACCOUNT = "10 per 15 minutes"
DEFAULT_PER_ADDRESS = "50 per 15 minutes"
# asking for a password reset link (every request counts, not only failures)
DEFAULT_RESET_PER_ACCOUNT = "3 per 15 minutes"
DEFAULT_RESET_PER_ADDRESS = "20 per 15 minutes"


def limiter_of(app: Flask) -> Limiter:
    """The app's own limiter (one per app, so that test apps never share counters)."""
    return cast(Limiter, app.extensions["dx_login_limiter"])


def account_key() -> str:
    """The login typed, as the per-account key (whether or not such an account exists)."""
    typed = (request.form.get("login") or "").strip().lower()[:64]
    return "account:" + (typed or "-")


def address_key() -> str:
    return "address:" + (get_remote_address() or "-")


def reset_key() -> str:
    """What was typed on the reset form (a login or an e-mail), as the per-account key."""
    typed = (request.form.get("login_or_email") or "").strip().lower()[:254]
    return "reset:" + (typed or "-")


def reset_per_account() -> str:
    return str(current_app.config.get("DX_RESET_LIMIT_PER_ACCOUNT") or DEFAULT_RESET_PER_ACCOUNT)


def reset_per_address() -> str:
    return str(current_app.config.get("DX_RESET_LIMIT_PER_ADDRESS") or DEFAULT_RESET_PER_ADDRESS)


def failed(response: Response) -> bool:
    return response.status_code == 401


def per_account() -> str:
    return str(current_app.config.get("DX_LOGIN_LIMIT_PER_ACCOUNT") or DEFAULT_PER_ACCOUNT)


def per_address() -> str:
    return str(current_app.config.get("DX_LOGIN_LIMIT_PER_ADDRESS") or DEFAULT_PER_ADDRESS)


def _breached(limit: RequestLimit) -> None:
    """Log and record a refused attempt (the 429 page is rendered by the error handler)."""
    from dx_assess import unit_of_work
    from dx_assess.extensions import db
    from dx_assess.models import SecurityEventKind, User
    from dx_assess.services.security_log import record

    if request.endpoint == "auth.forgot_password":
        log.warning("password reset throttled: limit %s reached (%s)", limit.limit, limit.key)
        return  # nobody logged in or failed to: nothing for the security log
    which = "アカウント" if limit.key.find("account:") >= 0 else "接続元"
    typed = (request.form.get("login") or "").strip()[:64]
    user = db.session.scalar(select(User).where(User.login == typed)) if typed else None
    log.warning("log-in throttled: %s limit %s reached (%s)", which, limit.limit, limit.key)
    record(
        db.session,
        SecurityEventKind.THROTTLED,
        user=user,
        detail=f"{which}ごとの失敗回数の上限（{limit.limit}）に達したため受け付けませんでした",
    )
    unit_of_work.keep()  # the 429 that follows keeps this record


def _throttled(error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
    limits = limiter_of(current_app).current_limits
    now = time.time()
    # limits' reset_at adds a second of its own: never say more than the window itself
    waits = [
        min(math.ceil(lim.reset_at - now), lim.limit.get_expiry()) for lim in limits if lim.breached
    ]
    wait = max(1, max(waits, default=60))
    minutes = max(1, math.ceil(wait / 60))
    html = render_template(
        "auth/throttled.html", minutes=minutes, reset=request.endpoint == "auth.forgot_password"
    )
    return html, 429, {"Retry-After": str(wait)}


def init_app(app: Flask) -> None:
    """Limit POST /login and POST /password/forgot (call after the blueprints are
    registered)."""
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", app.config.get("DX_RATELIMIT_STORAGE_URL") or "memory://"
    )
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "dx_assess")
    # Shared storage unreachable: keep limiting in this process rather than fail log-ins.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(key_func=get_remote_address, default_limits=[])
    limiter.init_app(app)
    # The limits are on the log-in view only, and its decorators check them when it runs
    # (Flask-Limiter's decorated limits are checked in the view, not in before_request).
    # The before_request hook init_app adds looked up the limits of every other request
    # of the app for nothing: removed.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    app.extensions["dx_login_limiter"] = limiter
    view: Any = app.view_functions["auth.login"]
    for key_func, limit, scope in (
        (account_key, per_account, "login-account"),
        (address_key, per_address, "login-address"),
    ):
        view = limiter.limit(
            limit,
            key_func=key_func,
            methods=["POST"],
            deduct_when=failed,
            on_breach=_breached,
            scope=scope,
        )(view)
    app.view_functions["auth.login"] = view
    reset: Any = app.view_functions["auth.forgot_password"]
    for key_func, limit, scope in (
        (reset_key, reset_per_account, "reset-account"),
        (address_key, reset_per_address, "reset-address"),
    ):
        reset = limiter.limit(
            limit, key_func=key_func, methods=["POST"], on_breach=_breached, scope=scope
        )(reset)
    app.view_functions["auth.forgot_password"] = reset
    app.register_error_handler(RateLimitExceeded, _throttled)
