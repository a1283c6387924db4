"""Report specs, the cache by input hash, the worker pool and the ZIP.

Pure of Flask and the database: the parent process builds every report's plain context from
:class:`~dx_assess.results.model.RoundResults` (``municipality_spec``, ``regional_spec``),
hashes it, and hands only the reports whose hash is not in the cache to worker processes.
Workers get plain data, render, write the PDF into the cache and report back; they never
touch the database.

The cache key of a report is a SHA-256 of its inputs: the municipality's answers, the peer
statistics it is compared with, the questionnaire (key, version, content hash), the full plain
context the template shows, and the fingerprint of templates, font, code and library versions
(``assets.fingerprint``). The date printed on the cover is not part of it: a report whose
inputs did not change is never rendered again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dx_assess.reports.assets import fingerprint
from dx_assess.reports.data import Context, hashable, municipality_context
from dx_assess.results.model import RoundResults

RENDERED = "rendered"
CACHED = "cached"
FAILED = "failed"


@dataclass(frozen=True)
class ReportSpec:
    """One report to produce: what to render and under which cache key."""

    kind: str  # municipality / regional
    key: str  # municipality code, or "regional"
    filename: str  # name in the ZIP and in downloads
    title: str
    context: Context = field(repr=False)
    digest: str


@dataclass(frozen=True)
class Outcome:
    key: str
    filename: str
    digest: str
    status: str  # rendered / cached / failed
    pages: int = 0
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()
    error: str | None = None
    pid: int | None = None  # the process that rendered it


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))


def input_hash(
    kind: str, context: Mapping[str, Any], inputs: Mapping[str, Any], template_root: Path
) -> str:
    payload = {
        "kind": kind,
        "inputs": inputs,
        "context": hashable(context),
        "fingerprint": fingerprint(template_root),
    }
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


def _questionnaire(results: RoundResults) -> dict[str, str]:
    q = results.questionnaire
    return {"key": q.key, "version": q.version, "content_hash": q.content_hash}


def _peer_statistics(results: RoundResults, code: str) -> list[dict[str, Any]]:
    """The statistics of every peer group ``code`` belongs to (all pillars)."""
    mine = results.peers.for_municipality(code)[["group_type", "group"]].drop_duplicates()
    groups = results.peers.groups.merge(mine, on=["group_type", "group"])
    return [{str(k): v for k, v in rec.items()} for rec in groups.to_dict("records")]


def safe_filename(text: str) -> str:
    return "".join(c for c in text if c not in '\\/:*?"<>|\0').strip() or "report"


def municipality_filename(results: RoundResults, code: str, name: str) -> str:
    return safe_filename(f"{results.fiscal_year}_{code}_{name}.pdf")


def regional_filename(results: RoundResults) -> str:
    return safe_filename(f"{results.fiscal_year}_地域別レポート.pdf")


def municipality_spec(
    results: RoundResults, code: str, today: date, template_root: Path
) -> ReportSpec | None:
    """The spec of ``code``'s report, or None when it has none (no submitted response)."""
    result = results.municipality(code)
    if result is None or not result.final:
        return None
    context = municipality_context(results, result, today)
    inputs = {
        "answers": dict(results.answers.get(code, {})),
        "questionnaire": _questionnaire(results),
        "peer_statistics": _peer_statistics(results, code),
    }
    return ReportSpec(
        kind="municipality",
        key=code,
        filename=municipality_filename(results, code, result.name),
        title=context["title"],
        context=context,
        digest=input_hash("municipality", context, inputs, template_root),
    )


def regional_spec(results: RoundResults, today: date, template_root: Path) -> ReportSpec:
    from dx_assess.reports.regional_data import regional_context

    context = regional_context(results, today)
    scores = [
        {str(k): v for k, v in rec.items()}
        for rec in results.scores.reset_index().to_dict("records")
    ]
    inputs = {
        "questionnaire": _questionnaire(results),
        "scores": scores,
        "statuses": sorted((r.code, r.status) for r in results.rows),
    }
    return ReportSpec(
        kind="regional",
        key="regional",
        filename=regional_filename(results),
        title=context["title"],
        context=context,
        digest=input_hash("regional", context, inputs, template_root),
    )


def round_specs(results: RoundResults, today: date, template_root: Path) -> list[ReportSpec]:
    """Every report of a round: one per supported municipality with a submitted response,
    then the regional report."""
    specs = [
        spec
        for row in results.rows
        if row.supported and row.final
        if (spec := municipality_spec(results, row.code, today, template_root)) is not None
    ]
    specs.append(regional_spec(results, today, template_root))
    return specs


# --- cache ---------------------------------------------------------------------------------


class ReportCache:
    """PDF files by input hash under ``root/pdf/``; ZIPs under ``root/zip/``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        return self.root / "pdf" / digest[:2] / f"{digest}.pdf"

    def get(self, digest: str) -> Path | None:
        path = self.path(digest)
        return path if path.is_file() else None

    def put(self, digest: str, pdf: bytes) -> Path:
        return _write_atomically(self.path(digest), pdf)

    def zip_path(self, name: str) -> Path:
        return self.root / "zip" / name


def _write_atomically(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- rendering -----------------------------------------------------------------------------


def render_to_cache(
    kind: str, context: Context, digest: str, cache_root: str, template_root: str
) -> dict[str, Any]:
    """Render one report and store it (runs in a worker, or in the web process for a single
    download). Returns plain data only."""
    from dx_assess.reports.render import renderer

    result = renderer(Path(template_root)).render(kind, context)
    ReportCache(Path(cache_root)).put(digest, result.pdf)
    return {
        "pid": os.getpid(),
        "pages": result.pages,
        "seconds": result.seconds,
        "warnings": [*result.warnings, *(f"refused {u}" for u in result.refused)],
    }


def _warm(template_root: str) -> None:
    """Worker initializer: import WeasyPrint and matplotlib, build the font configuration and
    parse the stylesheet once, before the first report."""
    from dx_assess.reports.render import renderer

    renderer(Path(template_root)).stylesheets  # noqa: B018 - parses the stylesheet now


def _context() -> multiprocessing.context.BaseContext:
    """A fresh interpreter per pool (forkserver): workers inherit no database connection,
    thread or lock from the parent."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    return multiprocessing.get_context(method)


Progress = Callable[[Outcome], None]


def run_batch(
    specs: Sequence[ReportSpec],
    cache: ReportCache,
    template_root: Path,
    *,
    workers: int = 2,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Produce every report of ``specs``: cached ones at once, the others rendered by
    ``workers`` processes (in this process when ``workers`` is 1 or there is one report)."""
    outcomes: list[Outcome] = []

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)

    todo = []
    for spec in specs:
        if cache.get(spec.digest) is not None:
            report(Outcome(spec.key, spec.filename, spec.digest, CACHED))
        else:
            todo.append(spec)
    if not todo:
        return outcomes

    def finished(spec: ReportSpec, result: dict[str, Any] | None, error: str | None) -> None:
        if error is not None or result is None:
            report(Outcome(spec.key, spec.filename, spec.digest, FAILED, error=error))
        else:
            report(
                Outcome(
                    spec.key,
                    spec.filename,
                    spec.digest,
                    RENDERED,
                    result["pages"],
                    result["seconds"],
                    tuple(result["warnings"]),
                    pid=result["pid"],
                )
            )

    args = (str(cache.root), str(template_root))
    if workers <= 1 or len(todo) == 1:
        for spec in todo:
            try:
                result = render_to_cache(spec.kind, spec.context, spec.digest, *args)
            except Exception as exc:  # one broken report must not stop the batch
                finished(spec, None, f"{type(exc).__name__}: {exc}")
            else:
                finished(spec, result, None)
        return outcomes

    with ProcessPoolExecutor(
        max_workers=min(workers, len(todo)),
        mp_context=_context(),
        initializer=_warm,
        initargs=(str(template_root),),
    ) as pool:
        futures: dict[Future[dict[str, Any]], ReportSpec] = {
            pool.submit(render_to_cache, spec.kind, spec.context, spec.digest, *args): spec
            for spec in todo
        }
        for future in as_completed(futures):
            spec = futures[future]
            try:
                result = future.result()
            except Exception as exc:
                finished(spec, None, f"{type(exc).__name__}: {exc}")
            else:
                finished(spec, result, None)
    return outcomes


# --- ZIP -----------------------------------------------------------------------------------


def listing_csv(results: RoundResults, outcomes: Iterable[Outcome]) -> bytes:
    """一覧.csv: every supported municipality with its report file or why it has none
    (UTF-8 with BOM, so that Excel opens it)."""
    by_key = {o.key: o for o in outcomes}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["団体コード", "市町村名", "振興局", "回答の状況", "レポート"])
    for row in results.rows:
        if not row.supported:
            continue
        outcome = by_key.get(row.code)
        if outcome is not None and outcome.status != FAILED:
            note = outcome.filename
        elif outcome is not None:
            note = "作成に失敗しました"
        else:
            note = "回答が提出されていないため、レポートはありません"
        writer.writerow([row.code, row.name, row.subprefecture, row.status_label, note])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def build_zip(
    results: RoundResults, outcomes: Sequence[Outcome], cache: ReportCache
) -> tuple[Path, str]:
    """One ZIP of every report (stored, not compressed again: PDFs are compressed) and the
    list; reused when the same reports were zipped before. Returns its path and hash."""
    listing = listing_csv(results, outcomes)
    good = sorted((o for o in outcomes if o.status != FAILED), key=lambda o: o.filename)
    digest = hashlib.sha256(
        _canonical([[o.filename, o.digest] for o in good]).encode() + listing
    ).hexdigest()
    path = cache.zip_path(f"round{results.round_id}_{results.fiscal_year}_{digest[:16]}.zip")
    if path.is_file():
        return path, digest
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".zip")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr("一覧.csv", listing)
            for outcome in good:
                archive.write(cache.path(outcome.digest), outcome.filename)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path, digest
