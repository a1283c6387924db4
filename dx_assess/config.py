"""Settings: built-in defaults < instance/config.py < environment < explicit mapping.

The environment is chosen by ``DX_ENV`` (``production`` unless told otherwise).
Production refuses to start without a ``SECRET_KEY`` and never runs in debug mode.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("production", "development", "testing")

# Settings read from environment variables of the same name.
_ENV_SETTINGS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "SESSION_COOKIE_SECURE",
    "DX_DEFAULT_LOCALE",
    "DX_REPORT_CACHE_DIR",
    "DX_REPORTS_DIR",
    "DX_REPORT_WORKERS",
    "DX_REPORT_TEMPLATES_DIR",
    "DX_DB_LOCK_TIMEOUT_MS",
    "DX_DB_STATEMENT_TIMEOUT_MS",
)

# Database waits end well before gunicorn kills a worker (30 s by default), so that a long lock
# becomes the Japanese "busy" page with the typed input kept, never a killed worker: a lock wait
# (PostgreSQL lock_timeout, SQLite's busy timeout) ends after 5 s and is tried at most 3 times;
# a statement ends after 20 s (PostgreSQL statement_timeout) and is not tried again.
DEFAULT_LOCK_TIMEOUT_MS = 5_000
DEFAULT_STATEMENT_TIMEOUT_MS = 20_000


class ConfigError(RuntimeError):
    """The configuration cannot be used safely."""


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _development_secret(instance_path: Path) -> str:
    """A random key kept in the instance folder, so dev sessions survive restarts."""
    key_file = instance_path / "dev-secret-key"
    if key_file.exists():
        return key_file.read_text(encoding="ascii").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key, encoding="ascii")
    key_file.chmod(0o600)
    return key


def build_config(
    instance_path: Path,
    instance_values: Mapping[str, Any],
    environ: Mapping[str, str],
    overrides: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Compute the final settings; raise ConfigError when they are unsafe."""
    merged: dict[str, Any] = dict(instance_values)
    for name in (*_ENV_SETTINGS, "DX_ENV"):
        if name in environ and environ[name] != "":
            merged[name] = environ[name]
    merged.update(overrides or {})

    env = str(merged.get("DX_ENV", "production"))
    if env not in ENVIRONMENTS:
        raise ConfigError(f"DX_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")

    config: dict[str, Any] = {
        "DX_ENV": env,
        "DEBUG": False,
        "TESTING": env == "testing",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "DX_DEFAULT_LOCALE": "ja",
        "DX_LOCALES": ("ja", "en"),
    }
    config.update({k: v for k, v in merged.items() if k not in {"DEBUG"}})
    config["DX_ENV"] = env
    config["TESTING"] = env == "testing" or _as_bool(merged.get("TESTING", False))
    config["SESSION_COOKIE_SECURE"] = _as_bool(config["SESSION_COOKIE_SECURE"])

    secret = merged.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))') "
                "or put SECRET_KEY in instance/config.py."
            )
        secret = _development_secret(instance_path) if env == "development" else "testing-only"
    if env == "production" and len(str(secret)) < 32:
        raise ConfigError("SECRET_KEY is too short for production: use at least 32 characters.")
    config["SECRET_KEY"] = secret

    url = merged.get("DATABASE_URL") or merged.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = "sqlite:///" + str(instance_path / "dx_assess.sqlite3")
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(str(url))
    config.pop("DATABASE_URL", None)
    _database_timeouts(config)
    return config


def _database_timeouts(config: dict[str, Any]) -> None:
    """Lock and statement timeouts as connection options (set on every new connection)."""
    try:
        lock_ms = int(config.get("DX_DB_LOCK_TIMEOUT_MS") or DEFAULT_LOCK_TIMEOUT_MS)
        statement_ms = int(config.get("DX_DB_STATEMENT_TIMEOUT_MS") or DEFAULT_STATEMENT_TIMEOUT_MS)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            "DX_DB_LOCK_TIMEOUT_MS and DX_DB_STATEMENT_TIMEOUT_MS must be whole milliseconds"
        ) from exc
    if lock_ms <= 0 or statement_ms <= 0:
        raise ConfigError("DX_DB_LOCK_TIMEOUT_MS and DX_DB_STATEMENT_TIMEOUT_MS must be > 0")
    config["DX_DB_LOCK_TIMEOUT_MS"] = lock_ms
    config["DX_DB_STATEMENT_TIMEOUT_MS"] = statement_ms
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    uri = str(config["SQLALCHEMY_DATABASE_URI"])
    if uri.startswith("postgresql"):
        extra = f"-c lock_timeout={lock_ms} -c statement_timeout={statement_ms}"
        given = str(connect_args.get("options", "")).strip()
        connect_args["options"] = f"{given} {extra}".strip()
    elif uri.startswith("sqlite"):
        connect_args.setdefault("timeout", lock_ms / 1000)  # SQLite's busy timeout, seconds
    options["connect_args"] = connect_args
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def environment() -> Mapping[str, str]:
    """The process environment (a seam for tests)."""
    return os.environ
