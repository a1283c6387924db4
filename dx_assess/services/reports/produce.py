"""One report, rendered once whoever asks: look in storage, else claim its hash, render it,
store it for every instance.

A claim is an unfinished ``report_render`` row; the partial unique index
``uq_report_render_claim`` allows one per hash, so of two instances (or a worker and a web
download) asking for the same missing report, one renders and the other waits for the file.
The renderer renews the claim every ``RENEW_EVERY`` seconds; a claim not renewed for ``LEASE``
(its process or machine died) is closed by the next one who asks, who then renders. Every
finished render stays as a row (the renders can be counted).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from dx_assess.core.reports.batch import ReportSpec
from dx_assess.models import ReportRender
from dx_assess.models.base import utcnow
from dx_assess.services.reports.storage import ReportStorage, pdf_key

#: A claim whose holder has not renewed it for this long is taken as dead.
LEASE = timedelta(seconds=30)
RENEW_EVERY = 3.0  # seconds
WAIT_POLL = 0.25  # seconds between looks while another process renders
WAIT_AT_MOST = 600.0  # seconds

log = logging.getLogger(__name__)


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Produced:
    data: bytes
    rendered: bool  # False: it was in storage (or another process rendered it meanwhile)
    pages: int = 0
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()


def produce(
    engine: Engine, storage: ReportStorage, spec: ReportSpec, template_root: Path
) -> Produced:
    """``spec``'s PDF from storage, or rendered now (once, across every instance) and stored."""
    key = pdf_key(spec.digest)
    deadline = time.monotonic() + WAIT_AT_MOST
    while True:
        if storage.has(key) and (data := storage.get(key)) is not None:
            return Produced(data, rendered=False)
        claim = _claim(engine, spec.digest)
        if claim is not None:
            return _render(engine, storage, spec, template_root, claim)
        _close_dead_claim(engine, spec.digest)
        if time.monotonic() > deadline:
            raise TimeoutError(f"another process has been rendering {spec.filename} too long")
        time.sleep(WAIT_POLL)


def _claim(engine: Engine, digest: str) -> int | None:
    now = utcnow()
    try:
        with engine.begin() as conn:
            return int(
                conn.execute(
                    insert(ReportRender)
                    .values(
                        digest=digest,
                        owner=owner_name(),
                        started_at=now,
                        heartbeat_at=now,
                        pages=0,
                        seconds=0.0,
                    )
                    .returning(ReportRender.id)
                ).scalar_one()
            )
    except IntegrityError:
        return None  # someone else holds the claim


def _close_dead_claim(engine: Engine, digest: str) -> None:
    with engine.begin() as conn:
        closed = conn.execute(
            update(ReportRender)
            .where(
                ReportRender.digest == digest,
                ReportRender.finished_at.is_(None),
                ReportRender.heartbeat_at < utcnow() - LEASE,
            )
            .values(finished_at=utcnow(), error=f"claim expired (taken over by {owner_name()})")
        ).rowcount
    if closed:
        log.warning("render claim on %s expired; rendering it here", digest)


class _Renewal(threading.Thread):
    def __init__(self, engine: Engine, claim: int) -> None:
        super().__init__(name=f"render-claim-{claim}", daemon=True)
        self.engine, self.claim, self.stop = engine, claim, threading.Event()

    def run(self) -> None:
        while not self.stop.wait(RENEW_EVERY):
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        update(ReportRender)
                        .where(ReportRender.id == self.claim)
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # a missed renewal only shortens the lease
                log.exception("could not renew render claim %s", self.claim)


def _render(
    engine: Engine, storage: ReportStorage, spec: ReportSpec, template_root: Path, claim: int
) -> Produced:
    from dx_assess.core.reports.render import renderer

    renewal = _Renewal(engine, claim)
    renewal.start()
    try:
        result = renderer(template_root).render(spec.kind, spec.context)
        storage.put(pdf_key(spec.digest), result.pdf)
    except BaseException as exc:
        renewal.stop.set()
        with engine.begin() as conn:
            conn.execute(
                update(ReportRender)
                .where(ReportRender.id == claim)
                .values(finished_at=utcnow(), error=f"{type(exc).__name__}: {exc}"[:4000])
            )
        raise
    finally:
        renewal.stop.set()
        renewal.join()
    with engine.begin() as conn:
        conn.execute(
            update(ReportRender)
            .where(ReportRender.id == claim)
            .values(finished_at=utcnow(), pages=result.pages, seconds=result.seconds)
        )
    return Produced(
        result.pdf,
        rendered=True,
        pages=result.pages,
        seconds=result.seconds,
        warnings=(*result.warnings, *(f"refused {u}" for u in result.refused)),
    )


def render_count(engine: Engine, digest: str | None = None) -> int:
    """How many renders finished (and were stored), of ``digest`` or of all."""
    query = select(ReportRender.id).where(
        ReportRender.finished_at.is_not(None), ReportRender.error.is_(None)
    )
    if digest is not None:
        query = query.where(ReportRender.digest == digest)
    with engine.connect() as conn:
        return len(conn.execute(query).all())
