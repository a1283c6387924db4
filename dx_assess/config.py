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
    # the report queue and storage (dx_assess.reports.service)
    "DX_BROKER_URL",
    "DX_BROKER_NAMESPACE",
    "DX_REPORT_STORAGE",
    "DX_REPORTS_AUTO_PRUNE",
)


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
    return config


def environment() -> Mapping[str, str]:
    """The process environment (a seam for tests)."""
    return os.environ
