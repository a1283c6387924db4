"""The report queue on Dramatiq: three actors (plan a batch, render one report, zip the
batch), a Redis broker in production and an in-process one in the embedded default.

* ``DX_BROKER_URL`` set (``redis://…``): messages go through Redis; ``dx-assess worker``
  processes, on any number of machines, take them. The web process only sends messages.
* ``DX_BROKER_URL`` empty (the embedded default, ``scripts/demo``, the tests): Dramatiq's
  ``StubBroker`` and one worker thread in the same process, started with the first message.
  The same actors run; no Redis is needed.

A lost worker: each worker process heartbeats in Redis several times a second (its consumers
poll for messages). Its unacknowledged messages (the report it was rendering and the ones it had
prefetched; a worker prefetches one message per thread) are moved back to the queue by the
broker's maintenance once its heartbeat is older than ``HEARTBEAT_TIMEOUT_MS``. Dramatiq
runs that maintenance at random on a share of broker commands (``maintenance_chance``); every
worker here also runs it for sure every ``REQUEUE_EVERY`` seconds, so a dead worker's
messages are back in the queue within about ``HEARTBEAT_TIMEOUT_MS + REQUEUE_EVERY`` (12 s).
Its claim on the report it was rendering expires after ``produce.LEASE`` (30 s), and the
redelivered message renders it then.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage, default_middleware
from flask import Flask

from dx_assess.extensions import db
from dx_assess.services.reports import jobs
from dx_assess.services.reports.produce import owner_name
from dx_assess.services.reports.service import ReportSettings, settings

QUEUE_NAME = "dx_reports"
#: A worker whose last heartbeat is older than this is dead: its messages are redelivered.
HEARTBEAT_TIMEOUT_MS = 10_000
#: Every worker moves dead workers' messages back to the queue this often (seconds).
REQUEUE_EVERY = 2.0
#: How long a worker's liveness key lives in Redis (seconds); renewed every REQUEUE_EVERY.
WORKER_KEY_TTL = 30
RENDER_TIME_LIMIT_MS = 5 * 60_000
BATCH_TIME_LIMIT_MS = 10 * 60_000
#: The embedded worker's back-off (the stub broker's queue wakes it at once anyway).
FETCH_EVERY_MS = 50
#: A busy Redis worker's consumer waits this long for an acknowledgement before it looks
#: whether it should stop (it fetches the next message as soon as a report is done: broker).
BUSY_WAIT_MS = 1000

log = logging.getLogger(__name__)


def _middleware() -> list[Any]:
    return [m() for m in default_middleware] + [CurrentMessage()]


class ReportQueue:
    """The broker and actors of one app (``report_queue(app)``)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        first = self.config
        self.embedded = first.broker_url is None
        self.broker: dramatiq.Broker
        if first.broker_url:
            from dx_assess.services.reports.broker import PromptRedisBroker

            self.broker = PromptRedisBroker(  # type: ignore[no-untyped-call]
                url=first.broker_url,
                namespace=first.namespace,
                heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
                middleware=_middleware(),
            )
        else:
            self.broker = StubBroker(middleware=_middleware())
        options: dict[str, Any] = {
            "broker": self.broker,
            "queue_name": QUEUE_NAME,
            "max_retries": jobs.MAX_ATTEMPTS,
            "min_backoff": 500,
            "max_backoff": 3000,
        }
        self.plan = dramatiq.actor(
            actor_name="dx_reports_plan", time_limit=BATCH_TIME_LIMIT_MS, **options
        )(self._plan)
        self.render = dramatiq.actor(
            actor_name="dx_reports_render", time_limit=RENDER_TIME_LIMIT_MS, **options
        )(self._render)
        self.finish = dramatiq.actor(
            actor_name="dx_reports_finish", time_limit=BATCH_TIME_LIMIT_MS, **options
        )(self._finish)
        self._embedded_worker: dramatiq.Worker | None = None
        self._lock = threading.Lock()

    @property
    def config(self) -> ReportSettings:
        return settings(self.app)  # read again each time (a test changes the folder)

    # --- sending (jobs.Sender) ---

    def _send(self, actor: dramatiq.Actor[Any, Any], *args: int) -> None:
        if self.embedded:
            self._start_embedded_worker()
        actor.send(*args)

    def send_plan(self, job_id: int) -> None:
        self._send(self.plan, job_id)

    def send_render(self, item_id: int) -> None:
        self._send(self.render, item_id)

    def send_finish(self, job_id: int) -> None:
        self._send(self.finish, job_id)

    def _start_embedded_worker(self) -> None:
        with self._lock:
            if self._embedded_worker is None:
                worker = dramatiq.Worker(
                    self.broker, worker_threads=1, worker_timeout=FETCH_EVERY_MS
                )
                worker.start()
                self._embedded_worker = worker

    # --- the actors ---

    def _in_app(self, job_id: int | None, work: Callable[[], None]) -> None:
        with self.app.app_context():
            try:
                work()
            except Exception as exc:
                message = CurrentMessage.get_current_message()
                retries = message.options.get("retries", 0) if message is not None else 0
                if job_id is not None and retries + 1 >= jobs.MAX_ATTEMPTS:
                    log.exception("report batch %s failed", job_id)
                    jobs.fail_job(db.session, job_id, f"{type(exc).__name__}: {exc}")
                    return
                raise
            finally:
                db.session.remove()

    def _plan(self, job_id: int) -> None:
        self._in_app(job_id, lambda: jobs.plan_job(db.session, job_id, self, self.config))

    def _render(self, item_id: int) -> None:
        # failures are counted on the item itself (jobs.render_item), not here
        self._in_app(
            None,
            lambda: jobs.render_item(db.session, item_id, self, self.config, owner_name()),
        )

    def _finish(self, job_id: int) -> None:
        self._in_app(job_id, lambda: jobs.finish_job(db.session, job_id, self.config))

    # --- workers ---

    def worker_key_pattern(self) -> str:
        return f"{self.config.namespace}:dx:worker:*"

    def live_workers(self) -> list[str]:
        """The workers that announced themselves in Redis in the last WORKER_KEY_TTL seconds
        (the embedded queue: this process, once its thread runs)."""
        if self.embedded:
            return [owner_name()] if self._embedded_worker is not None else []
        client = self.broker.client  # type: ignore[attr-defined]
        prefix = len(self.worker_key_pattern()) - 1
        return sorted(k.decode()[prefix:] for k in client.scan_iter(self.worker_key_pattern()))


_queues: dict[int, ReportQueue] = {}
_queues_lock = threading.Lock()


def report_queue(app: Flask) -> ReportQueue:
    """This app's queue (made on first use)."""
    app = app._get_current_object() if hasattr(app, "_get_current_object") else app
    with _queues_lock:
        queue = app.extensions.get("dx_report_queue")
        if queue is None:
            queue = app.extensions["dx_report_queue"] = ReportQueue(app)
        if not isinstance(queue, ReportQueue):
            raise TypeError("app.extensions['dx_report_queue'] is not a ReportQueue")
        return queue


class _Maintenance(threading.Thread):
    """Moves dead workers' messages back to the queue every REQUEUE_EVERY seconds and keeps
    this worker's liveness key in Redis."""

    def __init__(self, queue: ReportQueue, stop: threading.Event) -> None:
        super().__init__(name="dx-reports-maintenance", daemon=True)
        from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker

        self.queue, self.stop = queue, stop
        # A broker of its own that runs maintenance on every command.
        self.broker = RedisBroker(  # type: ignore[no-untyped-call]
            url=queue.config.broker_url,
            namespace=queue.config.namespace,
            heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
            maintenance_chance=MAINTENANCE_SCALE,
        )
        self.key = f"{queue.config.namespace}:dx:worker:{owner_name()}"

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                for name in (QUEUE_NAME, f"{QUEUE_NAME}.DQ"):
                    self.broker.do_qsize(name)
                self.broker.client.set(self.key, "1", ex=WORKER_KEY_TTL)
            except Exception:
                log.exception("queue maintenance failed")
            self.stop.wait(REQUEUE_EVERY)
        with contextlib.suppress(Exception):  # the key expires anyway
            self.broker.client.delete(self.key)


def run_worker(app: Flask, threads: int = 1, stop: threading.Event | None = None) -> None:
    """Take report messages until ``stop`` is set (or SIGTERM/SIGINT in the main thread)."""
    queue = report_queue(app)
    if queue.embedded:
        raise RuntimeError("DX_BROKER_URL is not set: the embedded queue has no separate worker")
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    from dx_assess.core.reports.render import renderer

    # warm before the first message: WeasyPrint, matplotlib, fonts and the stylesheet
    renderer(queue.config.template_root).stylesheets  # noqa: B018
    # the consumer waits for a report to be done instead of polling (broker.PromptRedisBroker)
    worker = dramatiq.Worker(queue.broker, worker_threads=threads, worker_timeout=BUSY_WAIT_MS)
    worker.queue_prefetch = threads  # one message per thread: a dead worker holds few
    maintenance = _Maintenance(queue, stop)
    worker.start()
    maintenance.start()
    log.info("report worker %s started (%d thread(s))", owner_name(), threads)
    try:
        stop.wait()
    finally:
        worker.stop(timeout=RENDER_TIME_LIMIT_MS)
        maintenance.join(timeout=REQUEUE_EVERY * 2)
        log.info("report worker %s stopped", owner_name())


def _child(factory: Callable[[], Flask], threads: int) -> None:  # pragma: no cover
    run_worker(factory(), threads)  # runs in a worker process


def run_processes(
    app: Flask, processes: int, threads: int, factory: Callable[[], Flask]
) -> None:  # pragma: no cover
    """``dx-assess worker --processes N``: N worker processes (a fresh interpreter each, which
    builds its app with ``factory``: the command line's own), started again when one exits,
    until SIGTERM/SIGINT."""
    import multiprocessing
    import time

    if processes == 1:
        run_worker(app, threads)
        return
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    children: list[Any] = [None] * processes
    while not stop.is_set():
        for i, child in enumerate(children):
            if child is None or not child.is_alive():
                if child is not None:
                    log.warning("worker %s exited (%s): restarted", child.pid, child.exitcode)
                children[i] = context.Process(
                    target=_child, args=(factory, threads), name=f"dx-worker{i}"
                )
                children[i].start()
        stop.wait(1.0)
    for child in children:
        if child is not None and child.is_alive() and child.pid is not None:
            os.kill(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + RENDER_TIME_LIMIT_MS / 1000
    for child in children:
        if child is not None:
            child.join(max(0.0, deadline - time.monotonic()))
