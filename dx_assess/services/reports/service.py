"""Reports for the web and the command line: settings, the report storage, and one report
from storage or rendered now (once for every instance, see ``produce``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from dx_assess import unit_of_work
from dx_assess.config import prefecture_contact
from dx_assess.core.reports.assets import templates_dir
from dx_assess.core.reports.batch import ReportSpec, regional_spec, report_spec
from dx_assess.core.results import RoundResults
from dx_assess.core.vocabulary import DEFAULT_DEPARTMENT, today
from dx_assess.extensions import db
from dx_assess.services.reports.storage import DatabaseStorage, FolderStorage, ReportStorage

DEFAULT_WORKERS = 2
STORAGES = ("database", "folder")


@dataclass(frozen=True)
class ReportSettings:
    reports_dir: Path  # the folder storage (DX_REPORT_STORAGE=folder)
    template_root: Path
    workers: int  # worker processes that `dx-assess worker` starts
    storage_kind: str  # database / folder
    broker_url: str | None  # Redis; None: the embedded in-process queue
    namespace: str  # prefix of the queue's Redis keys
    auto_prune: bool  # prune the storage after every finished batch
    department: str = DEFAULT_DEPARTMENT  # DX_DEPARTMENT: the issuer on the reports' covers
    contact: str | None = None  # the covers' 問い合わせ先 (DX_DEPARTMENT, DX_CONTACT_PHONE/EMAIL)


def _as_bool(value: object) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def settings(app: Flask | None = None) -> ReportSettings:
    """``DX_REPORTS_DIR`` (default ``<instance>/reports``), ``DX_REPORT_WORKERS`` (2),
    ``DX_REPORT_TEMPLATES_DIR`` (default: see ``assets.templates_dir``), ``DX_REPORT_STORAGE``
    (``database`` on PostgreSQL, else ``folder``), ``DX_BROKER_URL`` (none: in-process),
    ``DX_BROKER_NAMESPACE`` (``dx_assess``), ``DX_REPORTS_AUTO_PRUNE`` (off), ``DX_DEPARTMENT``
    (the issuer on the covers; default ``DEFAULT_DEPARTMENT``)."""
    app = app or current_app
    configured = app.config.get("DX_REPORTS_DIR") or app.config.get("DX_REPORT_CACHE_DIR")
    reports_dir = Path(configured) if configured else Path(app.instance_path) / "reports"
    url = str(app.config.get("SQLALCHEMY_DATABASE_URI", ""))
    kind = str(
        app.config.get("DX_REPORT_STORAGE")
        or ("database" if url.startswith("postgresql") else "folder")
    )
    if kind not in STORAGES:
        raise ValueError(f"DX_REPORT_STORAGE must be database or folder, not {kind!r}")
    return ReportSettings(
        reports_dir=reports_dir,
        template_root=templates_dir(app.config.get("DX_REPORT_TEMPLATES_DIR")),
        workers=max(1, int(app.config.get("DX_REPORT_WORKERS") or DEFAULT_WORKERS)),
        storage_kind=kind,
        broker_url=str(app.config.get("DX_BROKER_URL") or "") or None,
        namespace=str(app.config.get("DX_BROKER_NAMESPACE") or "dx_assess"),
        auto_prune=_as_bool(app.config.get("DX_REPORTS_AUTO_PRUNE", False)),
        department=str(app.config.get("DX_DEPARTMENT") or DEFAULT_DEPARTMENT),
        contact="　".join(prefecture_contact(app.config).lines()),
    )


def storage(config: ReportSettings | None = None) -> ReportStorage:
    """The report storage of this app (needs an app context)."""
    config = config or settings()
    if config.storage_kind == "database":
        return DatabaseStorage(db.engine)
    return FolderStorage(config.reports_dir)


@dataclass(frozen=True)
class ReadyReport:
    data: bytes
    spec: ReportSpec
    rendered: bool  # False: served from storage


def _ready(spec: ReportSpec, config: ReportSettings) -> ReadyReport:
    from dx_assess.services.reports.produce import produce

    unit_of_work.release(db.session)  # no transaction of this request stays open while rendering
    produced = produce(db.engine, storage(config), spec, config.template_root)
    return ReadyReport(produced.data, spec, rendered=produced.rendered)


def spec_now(
    results: RoundResults, kind: str, key: str, config: ReportSettings
) -> ReportSpec | None:
    """The spec of one report (``report_spec``'s kind and key) as it is built today, with the
    configured templates, issuer and contact; None: that municipality has no report."""
    return report_spec(
        results,
        kind,
        key,
        today(),
        config.template_root,
        department=config.department,
        contact=config.contact,
    )


def municipality_report(results: RoundResults, code: str) -> ReadyReport | None:
    """``code``'s report (None when it has none: no submitted response)."""
    config = settings()
    spec = spec_now(results, "municipality", code, config)
    return _ready(spec, config) if spec is not None else None


def regional_report(results: RoundResults) -> ReadyReport:
    config = settings()
    spec = regional_spec(
        results, today(), config.template_root, department=config.department, contact=config.contact
    )
    return _ready(spec, config)
