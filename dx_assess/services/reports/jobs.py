"""Report batches on the task queue: start one, plan it, render each report, zip them.

A batch is one ``report_job`` row and one ``report_item`` row per report. Starting a batch
only inserts the job (the database refuses a second active job for the round, so two requests
at once on any instances give one job) and sends a *plan* message. The worker that takes it
sets the job's total, then computes each report's plain data and hash in turn, adds its item
(one already in storage is done at once) and sends its *render* message straight away, so
other workers render while the plan goes on. Each render message renders
its report once across every instance (``produce``), stores it and marks the item; whoever
finishes the last item sends the *finish* message, which builds the ZIP into storage.

A round where nothing changed since its last finished batch is not planned again: each job
keeps the digest of its inputs (``batch_fingerprint``: the round's results fingerprint, the
templates, font and code, the settings printed on the reports), and a new batch with the same
digest as the last finished one, without failures and with its ZIP still in storage, is done at
once with that ZIP (no message, no item: its reports are counted as taken from storage).

Progress is counted from the items, so every instance shows the same. A message of a worker
that dies is delivered again (see ``tasks``); a report that fails three times is recorded with
its error and the batch finishes with the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from dx_assess import unit_of_work
from dx_assess.core.reports.assets import code_fingerprint, fingerprint
from dx_assess.core.reports.batch import (
    FAILED,
    Outcome,
    ReportSpec,
    build_zip,
    round_report_keys,
)
from dx_assess.core.vocabulary import jst
from dx_assess.extensions import db
from dx_assess.models import (
    ReportItem,
    ReportItemStatus,
    ReportJob,
    ReportJobStatus,
    SurveyRound,
    User,
)
from dx_assess.models.base import DbSession, utcnow
from dx_assess.models.reports import ACTIVE_JOB_STATUSES
from dx_assess.services.reports.prune import prune
from dx_assess.services.reports.service import ReportSettings, settings, spec_now, storage
from dx_assess.services.reports.storage import pdf_key, zip_key
from dx_assess.services.results import results_fingerprint, round_results

#: An active job without progress for this long is taken as dead (no worker ran it: a dead
#: worker's messages are delivered again within seconds); a new one may then be started.
STALE_AFTER = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 3
ACTIVE = ACTIVE_JOB_STATUSES
FINAL_ITEM = (ReportItemStatus.RENDERED, ReportItemStatus.CACHED, ReportItemStatus.FAILED)


class Sender(Protocol):
    """Where the messages go (``tasks.ReportQueue``)."""

    def send_plan(self, job_id: int) -> None: ...

    def send_render(self, item_id: int) -> None: ...

    def send_finish(self, job_id: int) -> None: ...


def _last_progress(job: ReportJob) -> dt.datetime:
    return job.heartbeat_at or job.started_at or job.created_at


def is_active(job: ReportJob, now: dt.datetime | None = None) -> bool:
    if job.status not in ACTIVE:
        return False
    return (now or utcnow()) - _last_progress(job) < STALE_AFTER


def latest_jobs(session: DbSession, round_id: int, limit: int = 5) -> list[ReportJob]:
    return list(
        session.scalars(
            select(ReportJob)
            .where(ReportJob.round_id == round_id)
            .order_by(ReportJob.id.desc())
            .limit(limit)
        )
    )


def active_job(session: DbSession, round_id: int) -> ReportJob | None:
    return session.scalar(
        select(ReportJob).where(ReportJob.round_id == round_id, ReportJob.status.in_(ACTIVE))
    )


def _retire_stale(session: DbSession, round_id: int) -> None:
    job = active_job(session, round_id)
    if job is not None and not is_active(job):
        job.status = ReportJobStatus.FAILED
        job.finished_at = utcnow()
        job.error = "no progress for 10 minutes (no worker running?): stopped"
        unit_of_work.release(session)


def batch_fingerprint(session: DbSession, survey_round: SurveyRound, config: ReportSettings) -> str:
    """The digest of everything a batch of ``survey_round`` is made from: the inputs of the
    round's results (responses with their versions, the questionnaire's content hash, the
    registry, the peer configuration: ``results_fingerprint``), the templates, stylesheets,
    font and library versions (``assets.fingerprint``), the package's code and the settings
    the reports print (issuer, contact). The date on the covers is left out, as in each
    report's own hash. A few cheap queries; no result is computed."""
    digest = hashlib.sha256()
    for part in (
        results_fingerprint(session, survey_round),
        fingerprint(config.template_root),
        code_fingerprint(),
        repr((config.department, config.contact, config.storage_kind)),
    ):
        digest.update(part.encode() + b";")
    return digest.hexdigest()


def _unchanged_batch(
    session: DbSession, survey_round: SurveyRound, user: User | None, config: ReportSettings
) -> ReportJob | None:
    """A batch done at once with the last finished one's ZIP, when nothing changed since."""
    last = session.scalar(
        select(ReportJob)
        .where(ReportJob.round_id == survey_round.id, ReportJob.status == ReportJobStatus.DONE)
        .order_by(ReportJob.id.desc())
        .limit(1)
    )
    if last is None or last.inputs_fingerprint is None or last.failed or last.zip_path is None:
        return None
    current = batch_fingerprint(session, survey_round, config)
    if current != last.inputs_fingerprint or not storage(config).has(last.zip_path):
        return None
    now = utcnow()
    job = ReportJob(
        round_id=survey_round.id,
        requested_by=user,
        status=ReportJobStatus.DONE,
        created_at=now,
        started_at=now,
        heartbeat_at=now,
        finished_at=now,
        total=last.total,
        done=last.done,
        rendered=0,  # every report counted as taken from storage (progress: no items)
        failed=0,
        zip_path=last.zip_path,
        zip_hash=last.zip_hash,
        inputs_fingerprint=current,
    )
    session.add(job)
    unit_of_work.release(session)
    return job


def start_batch(
    session: DbSession,
    survey_round: SurveyRound,
    user: User | None,
    sender: Sender,
    config: ReportSettings | None = None,
) -> tuple[ReportJob, bool]:
    """The round's active batch, started now (True) or already running (False). When
    nothing changed since the round's last finished batch, the new batch is done at once
    with its ZIP (True)."""
    config = config or settings()
    for _ in range(3):
        _retire_stale(session, survey_round.id)
        if active_job(session, survey_round.id) is None:
            reused = _unchanged_batch(session, survey_round, user, config)
            if reused is not None:
                return reused, True
        job = ReportJob(round_id=survey_round.id, requested_by=user)
        session.add(job)
        try:
            unit_of_work.release(session)
        except IntegrityError:  # uq_report_job_active_round: another request was first
            unit_of_work.undo(session)
            existing = active_job(session, survey_round.id)
            if existing is not None:
                return existing, False
            continue  # it finished meanwhile: try again
        try:
            sender.send_plan(job.id)
        except Exception as exc:  # the broker is unreachable: nothing will run this job
            job.status = ReportJobStatus.FAILED
            job.finished_at = utcnow()
            job.error = f"{type(exc).__name__}: {exc}"[:4000]
            unit_of_work.release(session)
            raise
        return job, True
    raise RuntimeError("could not start a batch")  # pragma: no cover - three races in a row


# --- the work of the messages ----------------------------------------------------------------


def plan_job(session: DbSession, job_id: int, sender: Sender, config: ReportSettings) -> None:
    """Add the batch's items one by one, each report's render message sent as soon as its
    item is there (the other workers render while this one plans the rest). The ZIP waits
    for the plan: ``finish_job`` does nothing while the job has fewer items than its total.
    Delivered again (its worker died mid-plan): what was planned is sent again, the rest
    planned."""
    job = session.get(ReportJob, job_id)
    if job is None or job.status not in ACTIVE:
        return
    if job.status is ReportJobStatus.QUEUED:
        # read before the results: what is rendered is never older than this digest
        job.inputs_fingerprint = batch_fingerprint(session, job.round, config)
    results = round_results(session, job.round)
    keys = round_report_keys(results)
    if job.status is ReportJobStatus.QUEUED:
        job.total = len(keys)
        job.status = ReportJobStatus.RUNNING
        job.started_at = job.heartbeat_at = utcnow()
        unit_of_work.release(session)
    else:  # delivered again after (part of) it was planned
        pending = session.scalars(
            select(ReportItem.id).where(
                ReportItem.job_id == job_id, ReportItem.status == ReportItemStatus.PENDING
            )
        ).all()
        unit_of_work.release(session)
        for item_id in pending:
            sender.send_render(item_id)
    planned = set(session.scalars(select(ReportItem.key).where(ReportItem.job_id == job_id)))
    store = storage(config)
    for kind, key in keys:
        if key in planned:
            continue
        spec = spec_now(results, kind, key, config)
        if spec is None:  # pragma: no cover - a round_report_keys key always has a spec
            continue
        cached = store.has(pdf_key(spec.digest))
        now = utcnow()
        item = ReportItem(
            job_id=job_id,
            kind=spec.kind,
            key=spec.key,
            filename=spec.filename,
            digest=spec.digest,
            status=ReportItemStatus.CACHED if cached else ReportItemStatus.PENDING,
            finished_at=now if cached else None,
        )
        session.add(item)
        session.execute(update(ReportJob).where(ReportJob.id == job_id).values(heartbeat_at=now))
        unit_of_work.release(session)
        if not cached:
            sender.send_render(item.id)
    count = select(func.count(ReportItem.id)).where(ReportItem.job_id == job_id).scalar_subquery()
    session.execute(update(ReportJob).where(ReportJob.id == job_id).values(total=count))
    unit_of_work.release(session)
    _after_item(session, job_id, sender)


def _spec(results: Any, item: ReportItem, config: ReportSettings) -> ReportSpec:
    spec = spec_now(results, item.kind, item.key, config)
    if spec is None:
        raise LookupError(f"{item.key}: the response is no longer submitted")
    return spec


def render_item(
    session: DbSession, item_id: int, sender: Sender, config: ReportSettings, worker: str
) -> None:
    """Render (or take from storage) one report of a batch. Raises to be retried; the third
    failure is recorded on the item instead."""
    from dx_assess.services.reports.produce import produce

    item = session.get(ReportItem, item_id)
    if item is None:
        return
    job_id = item.job_id
    if item.status is not ReportItemStatus.PENDING:  # delivered twice: already done
        _after_item(session, job_id, sender)
        return
    item.attempts += 1
    attempts = item.attempts
    unit_of_work.release(session)
    try:
        results = round_results(session, item.job.round)
        spec = _spec(results, item, config)
        unit_of_work.release(session)  # no transaction stays open while rendering
        produced = produce(db.engine, storage(config), spec, config.template_root)
    except Exception as exc:
        unit_of_work.undo(session)
        failed_item = session.get(ReportItem, item_id)
        if failed_item is None:
            raise
        item = failed_item
        item.error = f"{type(exc).__name__}: {exc}"[:4000]
        if attempts < MAX_ATTEMPTS:
            unit_of_work.release(session)
            raise
        item.status = ReportItemStatus.FAILED
        item.finished_at = utcnow()
        unit_of_work.release(session)
        _after_item(session, job_id, sender)
        return
    item.digest = spec.digest  # the inputs may have changed since the batch was planned
    item.status = ReportItemStatus.RENDERED if produced.rendered else ReportItemStatus.CACHED
    item.pages, item.seconds = produced.pages, produced.seconds
    item.worker = worker
    item.error = "\n".join(produced.warnings)[:4000] or None
    item.finished_at = utcnow()
    unit_of_work.release(session)
    _after_item(session, job_id, sender)


def _after_item(session: DbSession, job_id: int, sender: Sender) -> None:
    session.execute(update(ReportJob).where(ReportJob.id == job_id).values(heartbeat_at=utcnow()))
    unit_of_work.release(session)
    pending = session.scalar(
        select(func.count(ReportItem.id)).where(
            ReportItem.job_id == job_id, ReportItem.status == ReportItemStatus.PENDING
        )
    )
    unit_of_work.release(session)
    if not pending:
        sender.send_finish(job_id)


def _outcome(item: ReportItem) -> Outcome:
    return Outcome(
        item.key,
        item.filename,
        item.digest,
        FAILED if item.status is ReportItemStatus.FAILED else item.status.value,
        item.pages,
        item.seconds,
        error=item.error if item.status is ReportItemStatus.FAILED else None,
    )


def finish_job(session: DbSession, job_id: int, config: ReportSettings) -> None:
    """Zip the batch into storage and mark it done (again harmless: the ZIP has the same
    name and content)."""
    job = session.get(ReportJob, job_id)
    if job is None or job.status is not ReportJobStatus.RUNNING:
        return
    if len(job.items) < job.total or any(i.status is ReportItemStatus.PENDING for i in job.items):
        return  # a message sent early (still planning, or items pending); another follows
    store = storage(config)
    outcomes = [_outcome(i) for i in job.items]
    results = round_results(session, job.round)

    def read(digest: str) -> bytes:
        data = store.get(pdf_key(digest))
        if data is None:
            raise LookupError(f"report {digest} is not in storage")
        return data

    name, digest, data = build_zip(results, outcomes, read)
    store.put(zip_key(name), data)
    failures = [o for o in outcomes if o.status == FAILED]
    job.zip_path, job.zip_hash = zip_key(name), digest
    job.error = "\n".join(f"{o.filename}: {o.error}" for o in failures)[:4000] or None
    job.done = len(outcomes)
    job.rendered = sum(1 for i in job.items if i.status is ReportItemStatus.RENDERED)
    job.failed = len(failures)
    job.status = ReportJobStatus.DONE
    job.finished_at = job.heartbeat_at = utcnow()
    unit_of_work.release(session)
    if config.auto_prune:
        prune(session, config, store)


def fail_job(session: DbSession, job_id: int, error: str) -> None:
    unit_of_work.undo(session)
    job = session.get(ReportJob, job_id)
    if job is not None and job.status in ACTIVE:
        job.status = ReportJobStatus.FAILED
        job.error = error[:4000]
        job.finished_at = utcnow()
        unit_of_work.release(session)


# --- progress ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    rendered: int
    cached: int
    failed: int


def progress(session: DbSession, job: ReportJob) -> Progress:
    """Counted from the job's items (batches from before the queue: from the job row)."""
    counts = dict(
        session.execute(
            select(ReportItem.status, func.count(ReportItem.id))
            .where(ReportItem.job_id == job.id)
            .group_by(ReportItem.status)
        ).all()
    )
    if not counts and job.done:
        return Progress(
            job.total, job.done, job.rendered, job.done - job.rendered - job.failed, job.failed
        )
    rendered = counts.get(ReportItemStatus.RENDERED, 0)
    cached = counts.get(ReportItemStatus.CACHED, 0)
    failed = counts.get(ReportItemStatus.FAILED, 0)
    return Progress(job.total, rendered + cached + failed, rendered, cached, failed)


def job_view(session: DbSession, job: ReportJob, now: dt.datetime | None = None) -> dict[str, Any]:
    """A job as plain data for the page."""

    active = is_active(job, now)
    stale = job.status in ACTIVE and not active
    counts = progress(session, job)
    return {
        "id": job.id,
        "status": "stale" if stale else job.status.value,  # the page names it
        "active": active,
        "total": counts.total,
        "done": counts.done,
        "rendered": counts.rendered,
        "cached": counts.cached,
        "failed": counts.failed,
        "percent": round(100 * counts.done / counts.total) if counts.total else 0,
        "created_at": jst(job.created_at),
        "finished_at": jst(job.finished_at),
        "requested_by": job.requested_by.display_name if job.requested_by else None,
        "has_zip": job.status is ReportJobStatus.DONE and job.zip_path is not None,
        "error": job.error,
    }


def wait_for_job(session: DbSession, job_id: int, timeout: float) -> ReportJob:
    """Poll until the job is done or failed (the command line; tests)."""
    deadline = time.monotonic() + timeout
    while True:
        session.expire_all()
        job = session.get(ReportJob, job_id)
        if job is None:
            raise LookupError(f"report job {job_id} does not exist")
        if job.status not in ACTIVE or time.monotonic() > deadline:
            unit_of_work.release(session)
            return job
        unit_of_work.release(session)
        time.sleep(0.2)
