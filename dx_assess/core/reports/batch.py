"""Report specs, the content hash of their inputs, and the ZIP of a batch.

Pure of Flask and the database: ``municipality_spec`` and ``regional_spec`` build every
report's plain context from :class:`~dx_assess.core.results.RoundResults` and hash it. The
task queue (``dx_assess.services.reports.tasks``) renders one report per message; the PDFs and ZIPs
are kept in the report storage (``dx_assess.services.reports.storage``) under that hash.

The key of a report is a SHA-256 of its inputs: the municipality's answers, the peer
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
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dx_assess.core.filenames import download_name
from dx_assess.core.reports.assets import fingerprint
from dx_assess.core.reports.data import Context, hashable, municipality_context
from dx_assess.core.results import RoundResults

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


def municipality_filename(results: RoundResults, code: str, name: str) -> str:
    return download_name(results.fiscal_year, code, name, ext="pdf")


def regional_filename(results: RoundResults) -> str:
    return download_name(results.fiscal_year, "地域別レポート", ext="pdf")


def municipality_spec(
    results: RoundResults,
    code: str,
    today: date,
    template_root: Path,
    *,
    department: str,
    contact: str | None = None,
) -> ReportSpec | None:
    """The spec of ``code``'s report, or None when it has none (no submitted response)."""
    result = results.municipality(code)
    if result is None or not result.final:
        return None
    context = municipality_context(results, result, today, department=department, contact=contact)
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


def regional_spec(
    results: RoundResults,
    today: date,
    template_root: Path,
    *,
    department: str,
    contact: str | None = None,
) -> ReportSpec:
    from dx_assess.core.reports.regional_data import regional_context

    context = regional_context(results, today, department=department, contact=contact)
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


def round_report_keys(results: RoundResults) -> list[tuple[str, str]]:
    """Which reports a round has, as (kind, key), without building them: one per supported
    municipality with a submitted response, then the regional report."""
    keys = [("municipality", row.code) for row in results.rows if row.supported and row.final]
    keys.append(("regional", "regional"))
    return keys


def report_spec(
    results: RoundResults,
    kind: str,
    key: str,
    today: date,
    template_root: Path,
    *,
    department: str,
    contact: str | None = None,
) -> ReportSpec | None:
    """The spec of one report of ``round_report_keys`` (None: that municipality has none);
    ``contact``: the cover's 問い合わせ先."""
    if kind == "regional":
        return regional_spec(results, today, template_root, department=department, contact=contact)
    return municipality_spec(
        results, key, today, template_root, department=department, contact=contact
    )


def round_specs(
    results: RoundResults,
    today: date,
    template_root: Path,
    *,
    department: str,
    contact: str | None = None,
) -> list[ReportSpec]:
    """Every report of a round: one per supported municipality with a submitted response,
    then the regional report."""
    return [
        spec
        for kind, key in round_report_keys(results)
        if (
            spec := report_spec(
                results, kind, key, today, template_root, department=department, contact=contact
            )
        )
        is not None
    ]


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
    results: RoundResults, outcomes: Sequence[Outcome], read: Callable[[str], bytes]
) -> tuple[str, str, bytes]:
    """One ZIP of every report (stored, not compressed again: PDFs are compressed) and the
    list. ``read(digest)`` gives a report's PDF. Returns the ZIP's name, its hash and bytes;
    the name is made from the hash, so the same reports give the same ZIP."""
    listing = listing_csv(results, outcomes)
    good = sorted((o for o in outcomes if o.status != FAILED), key=lambda o: o.filename)
    digest = hashlib.sha256(
        _canonical([[o.filename, o.digest] for o in good]).encode() + listing
    ).hexdigest()
    name = f"round{results.round_id}_{results.fiscal_year}_{digest[:16]}.zip"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("一覧.csv", listing)
        for outcome in good:
            archive.writestr(outcome.filename, read(outcome.digest))
    return name, digest, out.getvalue()
