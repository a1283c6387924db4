"""Pruning report storage: delete the stored PDFs and ZIPs that no current input refers to
(``dx-assess reports prune``, and after each batch when ``DX_REPORTS_AUTO_PRUNE`` is on)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from dx_assess import unit_of_work
from dx_assess.core.reports.batch import ReportSpec
from dx_assess.models import ReportItem, ReportJob, SurveyRound
from dx_assess.models.base import DbSession, utcnow
from dx_assess.models.reports import ACTIVE_JOB_STATUSES
from dx_assess.services.reports.service import ReportSettings, spec_now, storage
from dx_assess.services.reports.storage import ReportStorage, pdf_key
from dx_assess.services.results import round_results

#: Files written in the last hour are never pruned (a batch may be about to zip them).
PRUNE_MIN_AGE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class PruneResult:
    kept: int
    removed: int
    removed_bytes: int


def referenced_keys(session: DbSession, config: ReportSettings) -> set[str]:
    """What current inputs refer to: every report each round would have now (every submitted
    municipality and the regional report), the reports of active batches, and the ZIP of the
    latest finished batch of each round."""
    keys: set[str] = set()
    for survey_round in session.scalars(select(SurveyRound)):
        results = round_results(session, survey_round)
        specs: Iterable[ReportSpec | None] = [
            *(
                spec_now(results, "municipality", row.code, config)
                for row in results.rows
                if row.final
            ),
            spec_now(results, "regional", "regional", config),
        ]
        keys.update(pdf_key(s.digest) for s in specs if s is not None)
        latest = session.scalar(
            select(ReportJob.zip_path)
            .where(ReportJob.round_id == survey_round.id, ReportJob.zip_path.is_not(None))
            .order_by(ReportJob.id.desc())
            .limit(1)
        )
        if latest:
            keys.add(latest)
    active = session.scalars(
        select(ReportItem.digest).join(ReportJob).where(ReportJob.status.in_(ACTIVE_JOB_STATUSES))
    ).all()
    keys.update(pdf_key(d) for d in active)
    return keys


def prune(
    session: DbSession,
    config: ReportSettings,
    store: ReportStorage | None = None,
    *,
    dry_run: bool = False,
    min_age: dt.timedelta = PRUNE_MIN_AGE,
) -> PruneResult:
    """Delete the stored PDFs and ZIPs that no current input refers to (older than
    ``min_age``)."""
    store = store or storage(config)
    keep = referenced_keys(session, config)
    unit_of_work.release(session)
    cutoff = utcnow() - min_age
    kept = removed = removed_bytes = 0
    for key, size, written in list(store.entries()):
        if key in keep or written > cutoff:
            kept += 1
            continue
        if not dry_run:
            store.delete(key)
        removed += 1
        removed_bytes += size
    return PruneResult(kept, removed, removed_bytes)
