"""Hardening that holds whatever starts the app.

Debug mode: production (DX_ENV=production) refuses to start in debug mode or with the
Werkzeug debugger, whether it is asked for by ``flask run --debug``/``--debugger``,
FLASK_DEBUG, ``app.run(debug=True)`` or ``app.debug = True``
(``refuse_debug_in_production`` and ``DxFlask``).

Files: the embedded SQLite database (it holds the password hashes) is created readable by
its owner only (0600), and an instance folder we create is 0700 (``protect_sqlite_file``).

Security headers on every response, in one ``after_request``:

- Content-Security-Policy: only the site's own scripts, styles, images and fonts; no inline
  script, no inline style attribute, no plug-ins; the site cannot be framed
  (``frame-ancestors 'none'``, and X-Frame-Options: DENY for older browsers); forms post only
  to the site itself.
- X-Content-Type-Options: nosniff; Referrer-Policy: same-origin (addresses, which name
  municipalities and rounds, never go to other sites); Cross-Origin-Opener-Policy.
- Strict-Transport-Security when the request came over HTTPS (behind a TLS-terminating proxy,
  set DX_PROXY_COUNT so the app sees the proxy's X-Forwarded-Proto).
- Cache-Control: no-store on every page served to a logged-in user (their municipality's
  answers, unpublished scores, accounts): neither the browser nor a proxy keeps a copy.

A small hand-written hook rather than Flask-Talisman: these few fixed headers are all the
service needs, and the hook is tested header by header (tests/test_security_headers.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from flask import Flask, request
from flask.helpers import get_debug_flag
from flask_login import current_user
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from dx_assess.config import ConfigError
from dx_assess.unit_of_work import UnitOfWorkFlask

DEBUG_REFUSED = (
    "本番環境（DX_ENV=production）ではデバッグモードで起動できません"
    "（Werkzeug のデバッガーは誰にでもサーバー上でコードを実行させてしまいます）。"
    "--debug・--debugger・FLASK_DEBUG を外すか、開発用に DX_ENV=development にしてください。"
)


def _production(config: Any) -> bool:
    return bool(config.get("DX_ENV", "production") == "production")


class DxFlask(UnitOfWorkFlask):
    """Flask whose debug switch and development server refuse debug mode in production, and
    whose every request is one unit of work (:mod:`dx_assess.unit_of_work`)."""

    @property
    def debug(self) -> bool:
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        if value and _production(self.config):
            raise ConfigError(DEBUG_REFUSED)
        Flask.debug.fset(self, value)  # type: ignore[attr-defined]

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: Any,
    ) -> None:
        wants = debug or options.get("use_debugger") or get_debug_flag() or self.debug
        if wants and _production(self.config):
            raise ConfigError(DEBUG_REFUSED)
        super().run(host, port, debug, load_dotenv, **options)


def refuse_debug_in_production(app: Flask) -> None:
    """Raise ConfigError when production is being started with debugging on.

    ``flask run --debug`` sets FLASK_DEBUG before the app is built and wraps whatever the
    factory returns in the Werkzeug debugger, so the factory must refuse; ``--debugger``
    alone is seen in the command's parameters."""
    if not _production(app.config):
        return
    ctx = click.get_current_context(silent=True)
    cli_debugger = bool(ctx is not None and ctx.params.get("debugger"))
    if get_debug_flag() or cli_debugger or app.config.get("DEBUG"):
        raise ConfigError(DEBUG_REFUSED)


def protect_sqlite_file(app: Flask) -> None:
    """Create the SQLite database file 0600 (and its folder 0700) before SQLite does (0644)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database:
        return
    if url.database == ":memory:" or url.database.startswith("file:"):
        return
    path = Path(url.database)
    if not path.is_absolute():  # Flask-SQLAlchemy puts relative paths in the instance folder
        path = Path(app.instance_path) / path
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    personal = request.endpoint != "static" and current_user and current_user.is_authenticated
    if personal and "no-store" not in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Headers and proxy handling (create_app has already refused debug and made the file)."""
    app.after_request(_add_headers)
    proxies = int(app.config.get("DX_PROXY_COUNT") or 0)
    if proxies > 0:
        # The addresses and scheme the reverse proxies saw (for HSTS, secure cookies and
        # the log-in limits per client address); only as many hops as are really ours.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
