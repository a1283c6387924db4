"""Configuration: safe in production, convenient in development."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    cfg = config(tmp_path, {"SECRET_KEY": "x" * 40}, instance={"DEBUG": True})
    assert cfg["DEBUG"] is False


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
