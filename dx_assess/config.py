"""Settings: built-in defaults < instance/config.py < environment < explicit mapping.

The environment is chosen by ``DX_ENV`` (``production`` unless told otherwise).

* The instance file contributes only the upper-case names it defines itself
  (``read_instance_file``), never Flask's defaults, so one unrelated line cannot reset the
  production cookie flags or the upload limit.
* In production the result is checked against the baseline (``production_problems``): a
  weaker cookie, no upload limit, debug or testing on, a short or missing ``SECRET_KEY`` or
  CSRF off is refused with a Japanese message (``ConfigError``; the command line exits 2).
  ``DX_ALLOW_PLAIN_HTTP=1`` is the one documented exception: a deployment behind plain HTTP on
  a trusted network may send the cookies without ``Secure``; it is logged at every start.
* Every value remembers where it came from (``DX_CONFIG_SOURCES``) for ``dx-assess config show``.
"""

from __future__ import annotations

import logging
import os
import secrets
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dx_assess.core.mail.contact import PrefectureContact
from dx_assess.core.vocabulary import DEFAULT_DEPARTMENT

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
    "DX_ALLOW_PLAIN_HTTP",
    "DX_METRICS_TOKEN",
    # security (login throttling, reverse proxies)
    "DX_RATELIMIT_STORAGE_URL",
    "DX_LOGIN_LIMIT_PER_ACCOUNT",
    "DX_LOGIN_LIMIT_PER_ADDRESS",
    "DX_PROXY_COUNT",
    # database waits
    "DX_DB_LOCK_TIMEOUT_MS",
    "DX_DB_STATEMENT_TIMEOUT_MS",
    "DX_QUESTIONNAIRES_DIR",
    "DX_DEPARTMENT",
    # the report queue and storage (dx_assess.services.reports.service)
    "DX_BROKER_URL",
    "DX_BROKER_NAMESPACE",
    "DX_REPORT_STORAGE",
    "DX_REPORTS_AUTO_PRUNE",
    # mail (dx_assess.services.mail) and the prefecture's contact (問い合わせ先)
    "DX_BASE_URL",
    "DX_MAIL_BACKEND",
    "DX_MAIL_FROM",
    "DX_SMTP_HOST",
    "DX_SMTP_PORT",
    "DX_SMTP_USER",
    "DX_SMTP_PASSWORD",
    "DX_SMTP_STARTTLS",
    "DX_SMTP_SSL",
    "DX_SMTP_TIMEOUT",
    "DX_MAIL_MAX_ATTEMPTS",
    "DX_REMINDER_DAYS",
    "DX_PASSWORD_RESET_MINUTES",
    "DX_RESET_LIMIT_PER_ACCOUNT",
    "DX_RESET_LIMIT_PER_ADDRESS",
    "DX_CONTACT_PHONE",
    "DX_CONTACT_EMAIL",
)

#: Where a value came from, as ``config show`` prints it.
SOURCE_DEFAULT = "既定値"
SOURCE_INSTANCE = "instance/config.py"
SOURCE_ENVIRONMENT = "環境変数"
SOURCE_ARGUMENT = "create_app の引数"
SOURCE_DERIVED = "自動設定"

#: The production baseline: nothing may be weaker than this.
MIN_SECRET_KEY_LENGTH = 32
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PLAIN_HTTP_WARNING = (
    "DX_ALLOW_PLAIN_HTTP が有効です。セッションCookieを Secure なしで送ります"
    "（HTTPS のない信頼できるネットワーク内に限って使ってください）。"
)

log = logging.getLogger("dx_assess.config")

# Database waits end well before gunicorn kills a worker (30 s by default), so that a long lock
# becomes the Japanese "busy" page with the typed input kept, never a killed worker: a lock wait
# (PostgreSQL lock_timeout, SQLite's busy timeout) ends after 5 s and is tried at most 3 times;
# a statement ends after 20 s (PostgreSQL statement_timeout) and is not tried again.
DEFAULT_LOCK_TIMEOUT_MS = 5_000
DEFAULT_STATEMENT_TIMEOUT_MS = 20_000

#: Mail: ``outbox`` keeps every mail in the database for the admin to read (the embedded
#: default, no SMTP); ``smtp`` sends it through DX_SMTP_HOST after the commit.
MAIL_BACKENDS = ("outbox", "smtp")


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
    instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key, encoding="ascii")
    key_file.chmod(0o600)
    return key


def read_instance_file(path: Path) -> dict[str, Any]:
    """The settings ``path`` defines itself: its upper-case names (``_PRIVATE`` and imported
    modules left out). Nothing else: no Flask default can come along with them."""
    module = types.ModuleType("dx_assess_instance_config")
    module.__file__ = str(path)
    code = compile(path.read_bytes(), str(path), "exec")
    exec(code, module.__dict__)  # noqa: S102  # the operator's own settings file, like Flask's
    return {
        name: value
        for name, value in vars(module).items()
        if name.isupper() and not name.startswith("_") and not isinstance(value, types.ModuleType)
    }


def build_config(
    instance_path: Path,
    instance_values: Mapping[str, Any],
    environ: Mapping[str, str],
    overrides: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Compute the final settings; raise ConfigError when they are unsafe.

    ``config["DX_CONFIG_SOURCES"]`` says where each setting came from."""
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, value in instance_values.items():
        merged[name] = value
        sources[name] = SOURCE_INSTANCE
    for name in (*_ENV_SETTINGS, "DX_ENV"):
        if name in environ and environ[name] != "":
            merged[name] = environ[name]
            sources[name] = f"{SOURCE_ENVIRONMENT} {name}"
    for name, value in (overrides or {}).items():
        merged[name] = value
        sources[name] = SOURCE_ARGUMENT

    env = str(merged.get("DX_ENV", "production"))
    if env not in ENVIRONMENTS:
        raise ConfigError(
            f"DX_ENV は {', '.join(ENVIRONMENTS)} のいずれかにしてください（今は {env!r}）。"
            f" DX_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}"
        )
    plain_http = _as_bool(merged.get("DX_ALLOW_PLAIN_HTTP", False))
    secure_cookies = env == "production" and not plain_http

    config: dict[str, Any] = {
        "DX_ENV": env,
        "DEBUG": False,
        "TESTING": env == "testing",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": MAX_UPLOAD_BYTES,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "DX_DEFAULT_LOCALE": "ja",
        "DX_LOCALES": ("ja", "en"),
        "DX_ALLOW_PLAIN_HTTP": plain_http,
        "DX_METRICS_TOKEN": "",
        # the department that runs the survey, on pages and PDF covers (seed of R7.7)
        "DX_DEPARTMENT": DEFAULT_DEPARTMENT,
        "DX_CONTACT_PHONE": "",
        "DX_CONTACT_EMAIL": "",
        "DX_BASE_URL": "",
        "DX_MAIL_BACKEND": "outbox",
        "DX_MAIL_FROM": "dx-assess@localhost",
        "DX_SMTP_HOST": "",
        "DX_SMTP_PORT": 25,
        "DX_SMTP_USER": "",
        "DX_SMTP_PASSWORD": "",
        "DX_SMTP_STARTTLS": False,
        "DX_SMTP_SSL": False,
        "DX_SMTP_TIMEOUT": 10,
        "DX_MAIL_MAX_ATTEMPTS": 8,
        "DX_REMINDER_DAYS": "7,1",
        "DX_PASSWORD_RESET_MINUTES": 60,
    }
    for name in config:
        sources.setdefault(name, SOURCE_DEFAULT)
    if env == "production":
        # Refused below instead of silently dropped: the operator must know.
        config.update(merged)
    else:
        config.update({k: v for k, v in merged.items() if k != "DEBUG"})
        sources["DEBUG"] = SOURCE_DEFAULT
    config["DX_ENV"] = env
    config["DX_ALLOW_PLAIN_HTTP"] = plain_http
    config["TESTING"] = env == "testing" or _as_bool(config.get("TESTING", False))
    config["DEBUG"] = _as_bool(config.get("DEBUG", False))
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        config[name] = _as_bool(config[name])

    secret = merged.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigError(
                "SECRET_KEY が設定されていません（SECRET_KEY is not set）。環境変数 SECRET_KEY に"
                "32文字以上のランダムな値を設定してください（例: python3 -c 'import secrets; "
                "print(secrets.token_hex(32))'）。instance/config.py に書くこともできます。"
            )
        secret = _development_secret(instance_path) if env == "development" else "testing-only"
        sources["SECRET_KEY"] = SOURCE_DERIVED
    config["SECRET_KEY"] = secret

    url = merged.get("DATABASE_URL") or merged.get("SQLALCHEMY_DATABASE_URI")
    url_source = sources.get("DATABASE_URL") or sources.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = "sqlite:///" + str(instance_path / "dx_assess.sqlite3")
        url_source = SOURCE_DEFAULT
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(str(url))
    sources["SQLALCHEMY_DATABASE_URI"] = url_source or SOURCE_DEFAULT
    config.pop("DATABASE_URL", None)
    sources.pop("DATABASE_URL", None)
    _database_timeouts(config)
    _mail_settings(config)

    if env == "production":
        problems = production_problems(config)
        if problems:
            raise ConfigError(
                "本番環境（DX_ENV=production）の安全な設定より弱いため、起動しません。\n"
                + "\n".join(f"- {p}" for p in problems)
            )
    config["DX_CONFIG_SOURCES"] = sources
    return config


def production_problems(config: Mapping[str, Any]) -> list[str]:
    """How ``config`` is weaker than the production baseline (in Japanese; empty when fine)."""
    problems: list[str] = []
    plain_http = bool(config.get("DX_ALLOW_PLAIN_HTTP"))
    for prefix, what in (
        ("SESSION_COOKIE", "セッションCookie"),
        ("REMEMBER_COOKIE", "ログイン保持Cookie"),
    ):
        if config.get(f"{prefix}_SECURE") is not True and not plain_http:
            problems.append(
                f"{prefix}_SECURE が有効ではありません: {what}が HTTP でも送られます"
                "（HTTPS のない信頼できるネットワークで使う場合だけ"
                " DX_ALLOW_PLAIN_HTTP=1 を設定します）。"
            )
        if config.get(f"{prefix}_HTTPONLY") is not True:
            problems.append(
                f"{prefix}_HTTPONLY が有効ではありません: {what}をスクリプトから読めてしまいます。"
            )
        if str(config.get(f"{prefix}_SAMESITE")) not in ("Lax", "Strict"):
            problems.append(f"{prefix}_SAMESITE は Lax または Strict にしてください。")
    limit = config.get("MAX_CONTENT_LENGTH")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_UPLOAD_BYTES:
        problems.append(
            f"MAX_CONTENT_LENGTH（アップロードの上限）は 1〜{MAX_UPLOAD_BYTES} バイト"
            f"（10MB）にしてください（今は {limit!r}）。"
        )
    if _as_bool(config.get("DEBUG", False)):
        problems.append("DEBUG が有効です: 本番環境ではデバッグモードを使えません。")
    if _as_bool(config.get("TESTING", False)):
        problems.append("TESTING が有効です: 本番環境ではテストモードを使えません。")
    if config.get("WTF_CSRF_ENABLED") is not True:
        problems.append("WTF_CSRF_ENABLED が無効です: 送信の CSRF 検査は外せません。")
    if len(str(config.get("SECRET_KEY") or "")) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"SECRET_KEY が短すぎます（too short）: {MIN_SECRET_KEY_LENGTH}文字以上にしてください。"
        )
    return problems


def log_start_warnings(config: Mapping[str, Any]) -> None:
    """What an operator must hear at every start."""
    if config.get("DX_ENV") == "production" and config.get("DX_ALLOW_PLAIN_HTTP"):
        log.warning(PLAIN_HTTP_WARNING)


def _database_timeouts(config: dict[str, Any]) -> None:
    """Lock and statement timeouts as connection options (set on every new connection)."""
    try:
        lock_ms = int(config.get("DX_DB_LOCK_TIMEOUT_MS") or DEFAULT_LOCK_TIMEOUT_MS)
        statement_ms = int(config.get("DX_DB_STATEMENT_TIMEOUT_MS") or DEFAULT_STATEMENT_TIMEOUT_MS)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            "DX_DB_LOCK_TIMEOUT_MS と DX_DB_STATEMENT_TIMEOUT_MS はミリ秒の整数で指定してください。"
        ) from exc
    if lock_ms <= 0 or statement_ms <= 0:
        raise ConfigError(
            "DX_DB_LOCK_TIMEOUT_MS と DX_DB_STATEMENT_TIMEOUT_MS は 1 以上にしてください。"
        )
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


def _mail_settings(config: dict[str, Any]) -> None:
    """Check and convert the mail settings (numbers, switches, the backend)."""
    backend = str(config.get("DX_MAIL_BACKEND") or "outbox").strip().lower()
    if backend not in MAIL_BACKENDS:
        raise ConfigError(
            f"DX_MAIL_BACKEND は {' または '.join(MAIL_BACKENDS)} にしてください"
            f"（今は {backend!r}）。"
        )
    config["DX_MAIL_BACKEND"] = backend
    for name in ("DX_SMTP_STARTTLS", "DX_SMTP_SSL"):
        config[name] = _as_bool(config.get(name, False))
    if config["DX_SMTP_STARTTLS"] and config["DX_SMTP_SSL"]:
        raise ConfigError(
            "DX_SMTP_STARTTLS と DX_SMTP_SSL は、どちらか一方だけを有効にしてください。"
        )
    for name, low in (
        ("DX_SMTP_PORT", 1),
        ("DX_SMTP_TIMEOUT", 1),
        ("DX_MAIL_MAX_ATTEMPTS", 1),
        ("DX_PASSWORD_RESET_MINUTES", 5),
    ):
        try:
            value = int(config[name])
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"{name} は整数で指定してください（今は {config[name]!r}）。"
            ) from exc
        if value < low:
            raise ConfigError(f"{name} は {low} 以上にしてください（今は {value}）。")
        config[name] = value
    try:
        config["DX_REMINDER_DAYS"] = reminder_days(str(config.get("DX_REMINDER_DAYS") or ""))
    except ValueError as exc:
        raise ConfigError(
            "DX_REMINDER_DAYS は締切の何日前に送るかを 0 以上の整数のカンマ区切りで指定してください"
            "（例: 7,1）。"
        ) from exc
    if backend == "smtp" and not str(config.get("DX_SMTP_HOST") or "").strip():
        raise ConfigError("DX_MAIL_BACKEND=smtp には DX_SMTP_HOST（送信サーバ）が必要です。")
    base = str(config.get("DX_BASE_URL") or "").strip().rstrip("/")
    if base and not base.startswith(("http://", "https://")):
        raise ConfigError(
            f"DX_BASE_URL は http:// または https:// で始まる URL にしてください（今は {base!r}）。"
        )
    if backend == "smtp" and not base and config.get("DX_ENV") == "production":
        raise ConfigError(
            "DX_MAIL_BACKEND=smtp では DX_BASE_URL（メールに書くリンクの先頭、例: "
            "https://dx.example.jp）を設定してください。"
        )
    config["DX_BASE_URL"] = base


def reminder_days(value: str) -> tuple[int, ...]:
    """``"7,1"`` → (7, 1): how many days before the deadline reminders go; ValueError if bad."""
    days = tuple(sorted({int(part) for part in value.replace(" ", "").split(",") if part}))
    if any(d < 0 for d in days):
        raise ValueError(value)
    return days


def prefecture_contact(config: Mapping[str, Any]) -> PrefectureContact:
    """The prefecture's contact (問い合わせ先) from the settings, as plain data."""
    return PrefectureContact(
        department=str(config.get("DX_DEPARTMENT") or DEFAULT_DEPARTMENT),
        phone=str(config.get("DX_CONTACT_PHONE") or "").strip(),
        email=str(config.get("DX_CONTACT_EMAIL") or "").strip(),
    )


def environment() -> Mapping[str, str]:
    """The process environment (a seam for tests)."""
    return os.environ
