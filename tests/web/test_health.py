"""/healthz: one JSON answer with every check; the PDF engine's libraries are told, not
discovered."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from dx_assess.core.reports import engine
from dx_assess.web import health
from tests.support import Browser

MISSING = ("libdx-assess-missing-test.so.0",)


def test_healthz_lists_every_check(app: Flask, db_session: object) -> None:
    answer = Browser(app).get("/healthz")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "ok"
    assert set(body["checks"]) >= {
        "database",
        "pdf_engine",
        "pdf_subsetter",
        "report_storage",
        "report_worker",
    }
    assert all(check["ok"] for check in body["checks"].values())


def test_a_missing_subsetter_is_degraded_not_down(
    app: Flask, db_session: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "SUBSETTER_LIBRARIES", {"libharfbuzz-subset0": MISSING})
    answer = Browser(app).get("/healthz")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "degraded"
    subsetter = body["checks"]["pdf_subsetter"]
    assert subsetter["ok"] is False
    assert "libharfbuzz-subset0" in subsetter["detail"]
    assert "1.8倍" in subsetter["detail"]


def test_a_failed_critical_check_answers_503(
    app: Flask, db_session: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = dict(app.extensions["dx_health_checks"])
    monkeypatch.setitem(app.extensions, "dx_health_checks", checks)
    health.register_check(app, "worker", lambda _app: health.CheckResult(False, "止まっています"))
    answer = Browser(app).get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["worker"] == {
        "ok": False,
        "critical": True,
        "detail": "止まっています",
    }


def test_a_check_that_raises_is_a_failed_check(
    app: Flask, db_session: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_app: Flask) -> health.CheckResult:
        raise RuntimeError("boom")

    checks = dict(app.extensions["dx_health_checks"])
    monkeypatch.setitem(app.extensions, "dx_health_checks", checks)
    health.register_check(app, "broken", broken)
    answer = Browser(app).get("/healthz")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["broken"]["ok"] is False


def test_doctor_prints_one_japanese_line_per_check(
    app: Flask, db_session: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PDF_LIBRARIES", {"libpango-1.0-0": MISSING})
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("OK   database:")
    (pango,) = [line for line in lines if "pdf_engine" in line]
    assert pango.startswith("注意 pdf_engine: PDFレポートを作れません: libpango-1.0-0 がありません")
    assert "apt-get install" in pango


def test_report_commands_say_what_is_missing(
    app: Flask, db_session: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "SUBSETTER_LIBRARIES", {"libharfbuzz-subset0": MISSING})
    result = app.test_cli_runner().invoke(args=["reports", "render", "999999"])
    assert "注意: PDFレポートの作成が遅くなります（約1.8倍）: libharfbuzz-subset0" in result.output


def test_the_start_logs_a_warning_for_each_missing_library(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from dx_assess import create_app

    monkeypatch.setattr(engine, "SUBSETTER_LIBRARIES", {"libharfbuzz-subset0": MISSING})
    monkeypatch.setattr(health, "LOG_AT_START", True)
    monkeypatch.setenv("DX_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DX_ENV", "development")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with caplog.at_level(logging.WARNING, logger="dx_assess.health"):
        create_app()
    warnings = [r.getMessage() for r in caplog.records if r.name == "dx_assess.health"]
    assert any("libharfbuzz-subset0 がありません" in w for w in warnings)
