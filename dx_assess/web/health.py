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

import ctypes
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, render_template

log = logging.getLogger("dx_assess.health")

#: The shared libraries of the PDF engine, by the Debian package that brings them, with the
#: names WeasyPrint's ``text/ffi.py`` tries on Linux and macOS.
PDF_LIBRARIES: dict[str, tuple[str, ...]] = {
    "libpango-1.0-0": ("libpango-1.0.so.0", "libpango-1.0.dylib"),
    "libpangoft2-1.0-0": ("libpangoft2-1.0.so.0", "libpangoft2-1.0.dylib"),
}
SUBSETTER_LIBRARIES: dict[str, tuple[str, ...]] = {
    "libharfbuzz-subset0": ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib"),
}
#: Whether create_app logs the missing libraries (the command line prints them itself).
LOG_AT_START = True
INSTALL_HINT = "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str  # Japanese, one line, no paths or secrets (``/healthz`` is public)
    critical: bool = True


Check = Callable[[Flask], CheckResult]
_EXTENSION = "dx_health_checks"


class PdfEngineUnavailable(RuntimeError):
    """Pango is missing: no PDF can be rendered on this machine."""


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


def missing_libraries(libraries: dict[str, tuple[str, ...]]) -> list[str]:
    """The Debian packages of ``libraries`` whose shared library cannot be loaded."""
    missing = []
    for package, names in libraries.items():
        for name in names:
            try:
                ctypes.CDLL(name)
            except OSError:
                continue
            break
        else:
            missing.append(package)
    return missing


def pdf_engine_problem() -> str | None:
    """Why no PDF can be rendered here (Japanese), or None."""
    missing = missing_libraries(PDF_LIBRARIES)
    if missing:
        return (
            f"PDFレポートを作れません: {', '.join(missing)} がありません"
            f"（Debian: {INSTALL_HINT}）。"
        )
    return None


def subsetter_problem() -> str | None:
    missing = missing_libraries(SUBSETTER_LIBRARIES)
    if missing:
        return (
            f"PDFレポートの作成が遅くなります（約1.8倍）: {', '.join(missing)} がありません"
            f"（Debian: {INSTALL_HINT}）。"
        )
    return None


def require_pdf_engine() -> None:
    """Raise PdfEngineUnavailable when Pango is missing (before importing WeasyPrint)."""
    problem = pdf_engine_problem()
    if problem:
        raise PdfEngineUnavailable(problem)


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
    problem = pdf_engine_problem()
    return CheckResult(problem is None, problem or "Pango があります", critical=False)


def check_pdf_subsetter(_app: Flask) -> CheckResult:
    problem = subsetter_problem()
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
    return [p for p in (pdf_engine_problem(), subsetter_problem()) if p]


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
