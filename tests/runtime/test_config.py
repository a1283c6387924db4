"""Configuration: safe in production, convenient in development."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from dx_assess.config import ConfigError, build_config


def config(
    tmp_path: Path, environ: dict[str, str] | None = None, instance: dict[str, object] | None = None
) -> dict[str, object]:
    return build_config(tmp_path, instance or {}, environ or {}, None)


def test_production_is_the_default_and_needs_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        config(tmp_path)


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="too short"):
        config(tmp_path, {"SECRET_KEY": "secret"})


def test_production_settings(tmp_path: Path) -> None:
    cfg = config(tmp_path, {"SECRET_KEY": "x" * 40, "DEBUG": "1"})
    assert cfg["DX_ENV"] == "production"
    assert cfg["DEBUG"] is False
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True
    assert cfg["TESTING"] is False


def test_debug_cannot_be_switched_on_from_the_instance_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DEBUG が有効です"):
        config(tmp_path, {"SECRET_KEY": "x" * 40}, instance={"DEBUG": True})
    assert config(tmp_path, {"DX_ENV": "development"}, instance={"DEBUG": True})["DEBUG"] is False


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    cfg = config(tmp_path, {"DX_ENV": "development"})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/dx_assess.sqlite3"


def test_postgresql_url_uses_psycopg3(tmp_path: Path) -> None:
    for url in ("postgresql://u@db/dx", "postgres://u@db/dx"):
        cfg = config(tmp_path, {"DX_ENV": "development", "DATABASE_URL": url})
        assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/dx"


def test_development_key_is_random_and_kept(tmp_path: Path) -> None:
    first = config(tmp_path, {"DX_ENV": "development"})["SECRET_KEY"]
    second = config(tmp_path, {"DX_ENV": "development"})["SECRET_KEY"]
    assert first == second
    assert len(str(first)) == 64
    assert (tmp_path / "dev-secret-key").stat().st_mode & 0o077 == 0


def test_environment_overrides_the_instance_file(tmp_path: Path) -> None:
    cfg = config(
        tmp_path,
        {"DX_ENV": "development", "DATABASE_URL": "sqlite:///from-env.db"},
        instance={"DATABASE_URL": "sqlite:///from-instance.db"},
    )
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "sqlite:///from-env.db"


def test_unknown_environment_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DX_ENV must be one of"):
        config(tmp_path, {"DX_ENV": "staging"})


def test_create_app_reads_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dx_assess import create_app

    (tmp_path / "config.py").write_text(
        'SECRET_KEY = "k" * 48\nDATABASE_URL = "sqlite:///:memory:"\n', encoding="utf-8"
    )
    monkeypatch.setenv("DX_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DX_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["DX_ENV"] == "production"
    assert app.config["SECRET_KEY"] == "k" * 48
    assert app.debug is False


def test_the_command_line_says_which_setting_is_missing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DX_ENV")}
    env["DX_INSTANCE_PATH"] = str(tmp_path)
    cli = Path(sys.executable).parent / "dx-assess"
    result = subprocess.run(
        [str(cli), "users", "list"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


# --- issue 18: an instance file never weakens production -----------------------------------

SECRET = "s" * 48
BASELINE = {
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    "WTF_CSRF_ENABLED": True,
    "DEBUG": False,
    "TESTING": False,
}


def production_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instance_text: str, **env: str
) -> Flask:
    from dx_assess import create_app

    (tmp_path / "config.py").write_text(instance_text, encoding="utf-8")
    monkeypatch.setenv("DX_INSTANCE_PATH", str(tmp_path))
    for name in ("DX_ENV", "DATABASE_URL", "SESSION_COOKIE_SECURE", "DX_ALLOW_PLAIN_HTTP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/db.sqlite3")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return create_app()


def test_an_unrelated_instance_setting_keeps_every_production_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = production_app(tmp_path, monkeypatch, "DX_REPORT_WORKERS = 4\n")
    assert app.config["DX_REPORT_WORKERS"] == 4
    assert {name: app.config[name] for name in BASELINE} == BASELINE


def test_only_the_names_the_instance_file_defines_are_read(tmp_path: Path) -> None:
    from dx_assess.config import read_instance_file

    path = tmp_path / "config.py"
    path.write_text(
        "import os\n_HELPER = 3\nlower = 1\nDX_REPORT_WORKERS = _HELPER + 1\n", encoding="utf-8"
    )
    assert read_instance_file(path) == {"DX_REPORT_WORKERS": 4}


WEAKENINGS = [
    ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE が有効ではありません"),
    ({"SESSION_COOKIE_HTTPONLY": False}, "SESSION_COOKIE_HTTPONLY が有効ではありません"),
    ({"SESSION_COOKIE_SAMESITE": None}, "SESSION_COOKIE_SAMESITE は Lax または Strict"),
    ({"REMEMBER_COOKIE_SECURE": False}, "REMEMBER_COOKIE_SECURE が有効ではありません"),
    ({"REMEMBER_COOKIE_SAMESITE": "None"}, "REMEMBER_COOKIE_SAMESITE は Lax または Strict"),
    ({"MAX_CONTENT_LENGTH": None}, "MAX_CONTENT_LENGTH（アップロードの上限）"),
    ({"MAX_CONTENT_LENGTH": 100 * 1024 * 1024}, "MAX_CONTENT_LENGTH（アップロードの上限）"),
    ({"DEBUG": True}, "DEBUG が有効です"),
    ({"TESTING": True}, "TESTING が有効です"),
    ({"WTF_CSRF_ENABLED": False}, "WTF_CSRF_ENABLED が無効です"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY が短すぎます"),
]


@pytest.mark.parametrize(("instance", "message"), WEAKENINGS)
def test_production_refuses_each_weakening(
    tmp_path: Path, instance: dict[str, object], message: str
) -> None:
    environ = {} if "SECRET_KEY" in instance else {"SECRET_KEY": SECRET}
    with pytest.raises(ConfigError, match="安全な設定より弱いため、起動しません") as refused:
        config(tmp_path, environ, instance=instance)
    assert message in str(refused.value)


def test_the_environment_cannot_weaken_the_cookie_either(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SESSION_COOKIE_SECURE が有効ではありません"):
        config(tmp_path, {"SECRET_KEY": SECRET, "SESSION_COOKIE_SECURE": "0"})


def test_development_may_relax_what_production_refuses(tmp_path: Path) -> None:
    cfg = config(tmp_path, {"DX_ENV": "development"}, instance={"MAX_CONTENT_LENGTH": 50_000_000})
    assert cfg["MAX_CONTENT_LENGTH"] == 50_000_000
    assert cfg["SESSION_COOKIE_SECURE"] is False


def test_a_refused_production_start_exits_non_zero_with_the_japanese_reason(
    tmp_path: Path,
) -> None:
    (tmp_path / "config.py").write_text("SESSION_COOKIE_SECURE = False\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DX_", "SESSION_"))}
    env.update(DX_INSTANCE_PATH=str(tmp_path), SECRET_KEY=SECRET, DX_ENV="production")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/db.sqlite3"
    cli = Path(sys.executable).parent / "dx-assess"
    result = subprocess.run(
        [str(cli), "users", "list"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "安全な設定より弱いため、起動しません" in result.stderr
    assert "SESSION_COOKIE_SECURE が有効ではありません" in result.stderr
    assert "Traceback" not in result.stderr


def test_plain_http_override_is_allowed_and_logged_at_every_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from dx_assess.config import PLAIN_HTTP_WARNING

    with caplog.at_level(logging.WARNING, logger="dx_assess.config"):
        for _start in range(2):
            app = production_app(tmp_path, monkeypatch, "", DX_ALLOW_PLAIN_HTTP="1")
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["REMEMBER_COOKIE_SECURE"] is False
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    warnings = [r for r in caplog.records if r.getMessage() == PLAIN_HTTP_WARNING]
    assert len(warnings) == 2


def test_plain_http_override_relaxes_only_the_secure_flag(tmp_path: Path) -> None:
    environ = {"SECRET_KEY": SECRET, "DX_ALLOW_PLAIN_HTTP": "1"}
    with pytest.raises(ConfigError, match="SESSION_COOKIE_HTTPONLY が有効ではありません"):
        config(tmp_path, environ, instance={"SESSION_COOKIE_HTTPONLY": False})
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH"):
        config(tmp_path, environ, instance={"MAX_CONTENT_LENGTH": None})


def test_config_show_names_the_source_of_each_value_and_masks_secrets(tmp_path: Path) -> None:
    (tmp_path / "config.py").write_text("DX_REPORT_WORKERS = 4\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DX_", "SESSION_"))}
    env.update(DX_INSTANCE_PATH=str(tmp_path), SECRET_KEY=SECRET, DX_ENV="production")
    env["DATABASE_URL"] = "postgresql://dx:hunter2-password@db.example/dx_assess"
    cli = Path(sys.executable).parent / "dx-assess"
    result = subprocess.run(
        [str(cli), "config", "show"], env=env, capture_output=True, text=True, check=True
    )
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert lines["DX_REPORT_WORKERS"].endswith("（instance/config.py）")
    assert lines["DX_ENV"].endswith("（環境変数 DX_ENV）")
    assert lines["SESSION_COOKIE_SECURE"].split()[1:] == ["True", "（既定値）"]
    assert lines["SQLALCHEMY_DATABASE_URI"].endswith("（環境変数 DATABASE_URL）")
    assert "postgresql+psycopg://dx:***@db.example/dx_assess" in lines["SQLALCHEMY_DATABASE_URI"]
    assert "（48文字）" in lines["SECRET_KEY"]
    assert SECRET not in result.stdout
    assert "hunter2" not in result.stdout


def test_gunicorn_stops_before_any_worker_on_a_weak_production_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dx_assess import gunicorn_conf

    (tmp_path / "config.py").write_text("MAX_CONTENT_LENGTH = None\n", encoding="utf-8")
    monkeypatch.setenv("DX_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.delenv("DX_ENV", raising=False)
    with pytest.raises(SystemExit) as stopped:
        gunicorn_conf.on_starting(None)
    assert stopped.value.code == 2
    assert "MAX_CONTENT_LENGTH（アップロードの上限）" in capsys.readouterr().err
