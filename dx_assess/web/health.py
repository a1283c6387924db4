"""What the service needs to work, checked at start-up, in ``/healthz`` and by ``dx-assess doctor``.

Checks live in a small registry per application (``register_check``), so other parts add
their own (the background worker, shared report storage) without touching this module. A
check returns a ``CheckResult``; a failed *critical* check makes ``/healthz`` answer 503,
a failed non-critical one makes it say ``degraded`` (the service answers, but something an
operator must fix is missing — a PDF engine library, for example).

The PDF engine needs Pango (without it WeasyPrint cannot be imported, so a report download
would fail) and HarfBuzz's subsetter (without it every report takes about 1.8 times longer).
They are looked up with ``ctypes`` under the names WeasyPrint itself tries, which costs
microseconds and never imports WeasyPrint.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, render_template

from dx_assess.core.reports import engine
from dx_assess.core.reports.engine import PdfEngineUnavailable

log = logging.getLogger("dx_assess.health")
#: Whether create_app logs the missing libraries (the command line prints them itself).
LOG_AT_START = True


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str  # Japanese, one line, no paths or secrets (``/healthz`` is public)
    critical: bool = True


Check = Callable[[Flask], CheckResult]
_EXTENSION = "dx_health_checks"


def register_check(app: Flask, name: str, check: Check) -> None:
    """Add (or replace) the check ``name`` of ``app``."""
    app.extensions.setdefault(_EXTENSION, {})[name] = check


def run_checks(app: Flask) -> dict[str, CheckResult]:
    results: dict[str, CheckResult] = {}
    for name, check in app.extensions.get(_EXTENSION, {}).items():
        try:
            results[name] = check(app)
        except Exception as exc:  # a broken check is a failed check, never a 500
            log.exception("health check %s failed", name)
            results[name] = CheckResult(False, f"確認できませんでした（{type(exc).__name__}）")
    return results


def summary(results: dict[str, CheckResult]) -> tuple[dict[str, Any], int]:
    """The ``/healthz`` body and status: 503 when a critical check failed."""
    failed_critical = any(not r.ok and r.critical for r in results.values())
    degraded = any(not r.ok for r in results.values())
    status = "fail" if failed_critical else "degraded" if degraded else "ok"
    body = {
        "status": status,
        "checks": {
            name: {"ok": r.ok, "critical": r.critical, "detail": r.detail}
            for name, r in results.items()
        },
    }
    return body, 503 if failed_critical else 200


def check_database(_app: Flask) -> CheckResult:
    from sqlalchemy import text

    from dx_assess.extensions import db
    from dx_assess.unit_of_work import abandon

    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        abandon()
        return CheckResult(False, "データベースに接続できません")
    return CheckResult(True, "接続できます")


def check_pdf_engine(_app: Flask) -> CheckResult:
    problem = engine.pdf_engine_problem()
    return CheckResult(problem is None, problem or "Pango があります", critical=False)


def check_pdf_subsetter(_app: Flask) -> CheckResult:
    problem = engine.subsetter_problem()
    return CheckResult(
        problem is None, problem or "HarfBuzz の subsetter があります", critical=False
    )


def check_report_storage(app: Flask) -> CheckResult:
    """The report storage (database table or folder) takes a file and gives it back."""
    from dx_assess.services.reports import health as report_health

    ok, _ = report_health.check_report_storage(app)
    if not ok:
        return CheckResult(False, "レポートの保存先に書き込めません", critical=False)
    return CheckResult(True, "書き込めます", critical=False)


def check_report_worker(app: Flask) -> CheckResult:
    """A report worker is alive (the embedded queue of the demo runs in the web process)."""
    from dx_assess.services.reports import health as report_health
    from dx_assess.services.reports.tasks import report_queue

    ok, _ = report_health.check_report_worker(app)
    if report_queue(app).embedded:
        return CheckResult(True, "ウェブのプロセスの中で動いています（組み込みのキュー）", False)
    if not ok:
        return CheckResult(
            False, "レポートの作業プロセス（dx-assess worker）が動いていません", critical=False
        )
    return CheckResult(True, "レポートの作業プロセスが動いています", critical=False)


def startup_problems() -> list[str]:
    return [p for p in (engine.pdf_engine_problem(), engine.subsetter_problem()) if p]


def init_app(app: Flask) -> None:
    register_check(app, "database", check_database)
    register_check(app, "pdf_engine", check_pdf_engine)
    register_check(app, "pdf_subsetter", check_pdf_subsetter)
    register_check(app, "report_storage", check_report_storage)
    register_check(app, "report_worker", check_report_worker)
    if LOG_AT_START and app.config.get("DX_ENV") != "testing":
        for problem in startup_problems():
            log.warning(problem)

    @app.errorhandler(PdfEngineUnavailable)
    def pdf_engine_unavailable(error: PdfEngineUnavailable) -> tuple[str, int]:
        from flask_babel import gettext as _

        log.error("report requested without a PDF engine: %s", error)
        return render_template(
            "errors/error.html",
            title=_("いまはPDFレポートを作れません"),
            message=_(
                "このサーバーにPDFを作るためのソフトウェアが入っていないため、レポートを作れません。"
                "システム管理者にご連絡ください（dx-assess doctor で確認できます）。"
                "回答や結果の画面はそのまま使えます。"
            ),
            status=503,
        ), 503


def cli_lines(results: dict[str, CheckResult]) -> list[str]:
    """The Japanese lines ``dx-assess doctor`` prints (one per check)."""
    lines = []
    for name, result in results.items():
        mark = "OK  " if result.ok else ("NG  " if result.critical else "注意")
        lines.append(f"{mark} {name}: {result.detail}")
    return lines
