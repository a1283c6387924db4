"""Background batch jobs: the web page starts one in a separate process, which writes its
progress to ``report_job``; the page reads it back.

The web request only inserts the job row and starts ``python -m dx_assess reports batch
--round ID --job ID`` in a new session (so no request waits, and it works under several
gunicorn workers). That process computes every report's plain data (the only database
work), renders the missing reports in a pool of warm worker processes, zips them and
marks the job done.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from dx_assess.models import ReportJob, ReportJobStatus, SurveyRound, User
from dx_assess.models.base import DbSession, utcnow
from dx_assess.reports.batch import FAILED, RENDERED, Outcome, build_zip, round_specs
from dx_assess.reports.service import ReportSettings, today
from dx_assess.results.service import round_results

#: A queued or running job without progress for this long is taken as dead (its process
#: was killed or never started); a new one may then be started.
STALE_AFTER = dt.timedelta(minutes=10)
_waiters: list[threading.Thread] = []


def is_active(job: ReportJob, now: dt.datetime | None = None) -> bool:
    if job.status not in (ReportJobStatus.QUEUED, ReportJobStatus.RUNNING):
        return False
    last = job.heartbeat_at or job.started_at or job.created_at
    return (now or utcnow()) - last < STALE_AFTER


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
    return next((j for j in latest_jobs(session, round_id) if is_active(j)), None)


def create_job(session: DbSession, survey_round: SurveyRound, user: User | None) -> ReportJob:
    job = ReportJob(round_id=survey_round.id, requested_by=user, status=ReportJobStatus.QUEUED)
    session.add(job)
    session.flush()
    return job


def _child_environment(app: Flask, config: ReportSettings) -> dict[str, str]:
    """The job process runs with this app's settings, whatever their source."""
    env = dict(os.environ)
    env.update(
        {
            "DX_ENV": str(app.config["DX_ENV"]),
            "DATABASE_URL": str(app.config["SQLALCHEMY_DATABASE_URI"]),
            "DX_INSTANCE_PATH": str(app.instance_path),
            "SECRET_KEY": str(app.config["SECRET_KEY"]),
            "DX_REPORTS_DIR": str(config.reports_dir),
            "DX_REPORT_WORKERS": str(config.workers),
            "DX_REPORT_TEMPLATES_DIR": str(config.template_root),
        }
    )
    return env


def log_path(config: ReportSettings, job_id: int) -> Path:
    return config.reports_dir / "jobs" / f"job-{job_id}.log"


def launch(app: Flask, config: ReportSettings, job: ReportJob) -> None:
    """Start the job's process, detached from the request (its output goes to a log file).
    A daemon thread waits for it, so that it leaves no zombie behind in the web worker."""
    log = log_path(config, job.id)
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "dx_assess", "reports", "batch",
        "--round", str(job.round_id), "--job", str(job.id),
    ]  # fmt: skip
    with log.open("ab") as out:
        child = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_child_environment(app, config),
            start_new_session=True,
            close_fds=True,
        )
    waiter = threading.Thread(target=child.wait, name=f"report-job-{job.id}", daemon=True)
    waiter.start()
    _waiters.append(waiter)


def wait_for_children(timeout: float) -> None:
    """Wait until the job processes this process started have exited (for tests)."""
    for waiter in list(_waiters):
        waiter.join(timeout)
        if not waiter.is_alive():
            _waiters.remove(waiter)


def run_job(
    session: DbSession,
    job: ReportJob,
    config: ReportSettings,
    on_progress: Callable[[Outcome, ReportJob], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> ReportJob:
    """Build every report of the job's round (cached ones are not rendered again), zip them,
    and record progress and the result in ``job``. Commits as it goes."""
    job.status = ReportJobStatus.RUNNING
    job.started_at = job.heartbeat_at = utcnow()
    session.commit()
    try:
        results = round_results(session, job.round)
        specs = round_specs(results, today(), config.template_root)
        job.total = len(specs)
        session.commit()
        if on_start is not None:
            on_start(job.total)

        def progress(outcome: Outcome) -> None:
            job.done += 1
            job.rendered += outcome.status == RENDERED
            job.failed += outcome.status == FAILED
            job.heartbeat_at = utcnow()
            session.commit()
            if on_progress is not None:
                on_progress(outcome, job)

        from dx_assess.reports.batch import run_batch

        outcomes = run_batch(
            specs, config.cache, config.template_root, workers=config.workers, progress=progress
        )
        path, digest = build_zip(results, outcomes, config.cache)
        job.zip_path = str(path.relative_to(config.reports_dir))
        job.zip_hash = digest
        failures = [o for o in outcomes if o.status == FAILED]
        if failures:
            job.error = "\n".join(f"{o.filename}: {o.error}" for o in failures)[:4000]
        job.status = ReportJobStatus.DONE
    except Exception as exc:
        session.rollback()
        job.status = ReportJobStatus.FAILED
        job.error = f"{type(exc).__name__}: {exc}"[:4000]
        raise
    finally:
        job.finished_at = job.heartbeat_at = utcnow()
        session.commit()
    return job


def job_view(job: ReportJob, now: dt.datetime | None = None) -> dict[str, Any]:
    """A job as plain data for the page."""
    from dx_assess.main.presenters import jst

    active = is_active(job, now)
    stale = job.status in (ReportJobStatus.QUEUED, ReportJobStatus.RUNNING) and not active
    return {
        "id": job.id,
        "status": "stale" if stale else job.status.value,  # the page names it
        "active": active,
        "total": job.total,
        "done": job.done,
        "rendered": job.rendered,
        "cached": job.done - job.rendered - job.failed,
        "failed": job.failed,
        "percent": round(100 * job.done / job.total) if job.total else 0,
        "created_at": jst(job.created_at),
        "finished_at": jst(job.finished_at),
        "requested_by": job.requested_by.display_name if job.requested_by else None,
        "has_zip": job.status is ReportJobStatus.DONE and job.zip_path is not None,
        "error": job.error,
    }
