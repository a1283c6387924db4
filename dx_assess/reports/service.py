"""Reports for the web and the command line: settings, and one report from the cache or
rendered now (and cached)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from dx_assess.reports.assets import templates_dir
from dx_assess.reports.batch import (
    ReportCache,
    ReportSpec,
    municipality_spec,
    regional_spec,
    render_to_cache,
)
from dx_assess.results.model import RoundResults

JST = ZoneInfo("Asia/Tokyo")
DEFAULT_WORKERS = 2


@dataclass(frozen=True)
class ReportSettings:
    reports_dir: Path  # PDFs (cache by input hash), ZIPs and job logs
    template_root: Path
    workers: int

    @property
    def cache(self) -> ReportCache:
        return ReportCache(self.reports_dir)


def settings(app: Flask | None = None) -> ReportSettings:
    """``DX_REPORTS_DIR`` (default ``<instance>/reports``), ``DX_REPORT_WORKERS`` (2),
    ``DX_REPORT_TEMPLATES_DIR`` (default: see ``assets.templates_dir``)."""
    app = app or current_app
    configured = app.config.get("DX_REPORTS_DIR") or app.config.get("DX_REPORT_CACHE_DIR")
    reports_dir = Path(configured) if configured else Path(app.instance_path) / "reports"
    return ReportSettings(
        reports_dir=reports_dir,
        template_root=templates_dir(app.config.get("DX_REPORT_TEMPLATES_DIR")),
        workers=max(1, int(app.config.get("DX_REPORT_WORKERS") or DEFAULT_WORKERS)),
    )


def today() -> dt.date:
    return dt.datetime.now(JST).date()


@dataclass(frozen=True)
class ReadyReport:
    path: Path
    spec: ReportSpec
    rendered: bool  # False: served from the cache


def _ready(spec: ReportSpec, config: ReportSettings) -> ReadyReport:
    cached = config.cache.get(spec.digest)
    if cached is not None:
        return ReadyReport(cached, spec, rendered=False)
    render_to_cache(
        spec.kind, spec.context, spec.digest, str(config.reports_dir), str(config.template_root)
    )
    return ReadyReport(config.cache.path(spec.digest), spec, rendered=True)


def municipality_report(results: RoundResults, code: str) -> ReadyReport | None:
    """``code``'s report as a file (None when it has none: no submitted response)."""
    config = settings()
    spec = municipality_spec(results, code, today(), config.template_root)
    return _ready(spec, config) if spec is not None else None


def regional_report(results: RoundResults) -> ReadyReport:
    config = settings()
    return _ready(regional_spec(results, today(), config.template_root), config)
