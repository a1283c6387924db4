"""Structured logs, request ids and Prometheus metrics.

* **Logs.** Outside the test environment every ``dx_assess.*`` record is written to stderr as one
  JSON line (python-json-logger), with the request id of the request it belongs to. Each request
  ends with one line from ``dx_assess.request``: request id, user id, method, path, endpoint,
  status and duration in milliseconds. An unhandled error is logged by Flask with its traceback
  (``exc_info``) in the same format.
* **Request id.** Taken from the ``X-Request-ID`` header when it looks like one (nginx sends
  ``$request_id``), otherwise a new one; sent back as ``X-Request-ID``.
* **Metrics** (prometheus_client) at ``/metrics``: requests and their latency per endpoint,
  answer saves by outcome (conflicts among them), report renders and their seconds. With several
  gunicorn workers set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (deploy/ does): every
  worker writes its numbers there and ``/metrics`` adds them up; ``dx_assess.gunicorn_conf``
  removes a dead worker's files. ``/metrics`` answers only a request with
  ``Authorization: Bearer <DX_METRICS_TOKEN>`` when that setting is set, otherwise only a request
  made directly from this machine (loopback address, no ``X-Forwarded-For``, so nothing that came
  through the reverse proxy).
"""

from __future__ import annotations

import functools
import hmac
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import sqlalchemy
from flask import Flask, Response, abort, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from pythonjsonlogger.json import JsonFormatter

from dx_assess.core.reports import engine

request_log = logging.getLogger("dx_assess.request")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")

REQUESTS = Counter(
    "dx_http_requests_total", "HTTP requests answered", ["method", "endpoint", "status"]
)
LATENCY = Histogram(
    "dx_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SAVES = Counter(
    "dx_answer_saves_total",
    "Answer saves by outcome (saved, unchanged, invalid, conflict)",
    ["outcome"],
)
RENDERS = Counter("dx_report_renders_total", "PDF reports rendered", ["kind"])
RENDER_SECONDS = Histogram(
    "dx_report_render_seconds",
    "Time to render one PDF report",
    ["kind"],
    buckets=(0.5, 1, 2, 3, 5, 8, 13, 20, 40),
)

P = ParamSpec("P")
R = TypeVar("R")


def counted_save(func: Callable[P, R]) -> Callable[P, R]:
    """Count each save by its outcome (``result.status``)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        result = func(*args, **kwargs)
        SAVES.labels(outcome=str(getattr(result, "status", "unknown"))).inc()
        return result

    return wrapper


def record_render(kind: str, seconds: float) -> None:
    RENDERS.labels(kind=kind).inc()
    RENDER_SECONDS.labels(kind=kind).observe(seconds)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


_handler: logging.Handler | None = None


def json_handler() -> logging.Handler:
    """The process's one stderr handler writing JSON lines."""
    global _handler
    if _handler is None:
        _handler = logging.StreamHandler(sys.stderr)
        _handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}{request_id}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
        _handler.addFilter(_RequestIdFilter())
    return _handler


def init_logging(app: Flask) -> None:
    """JSON lines on stderr for ``dx_assess.*`` (not under tests, where pytest captures)."""
    if app.config.get("DX_ENV") == "testing":
        return
    logger = logging.getLogger("dx_assess")
    if json_handler() not in logger.handlers:
        logger.addHandler(json_handler())
    logger.setLevel(logging.INFO)


def _user_id() -> str | None:
    user = g.get("_login_user")  # Flask-Login's loaded user; never loads one just to log
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    # The request's commit has expired the user's attributes: its identity key gives the id
    # without reading the row again (which cost one query per request).
    state = sqlalchemy.inspect(user, raiseerr=False)
    if state is not None and state.identity:
        return str(state.identity[0])
    return str(getattr(user, "id", None) or user.get_id())


def metrics_allowed(app: Flask) -> bool:
    token = str(app.config.get("DX_METRICS_TOKEN") or "")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    loopback = request.remote_addr in ("127.0.0.1", "::1")
    return loopback and "X-Forwarded-For" not in request.headers


def metrics_text() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


def init_app(app: Flask) -> None:
    init_logging(app)
    if record_render not in engine.RENDER_OBSERVERS:
        engine.RENDER_OBSERVERS.append(record_render)

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        started = g.get("request_started")
        if started is None:  # before_request did not run (an error in an earlier one)
            return response
        seconds = time.perf_counter() - started
        endpoint = request.endpoint or "none"
        response.headers["X-Request-ID"] = g.request_id
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        LATENCY.labels(request.method, endpoint).observe(seconds)
        request_log.info(
            "request",
            extra={
                "request_id": g.request_id,
                "user_id": _user_id(),
                "method": request.method,
                "path": request.path,
                "endpoint": endpoint,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        return response

    def metrics() -> Response:
        if not metrics_allowed(app):
            abort(404)
        return Response(metrics_text(), mimetype=CONTENT_TYPE_LATEST)

    app.add_url_rule("/metrics", "metrics", metrics)


def child_exit(_server: Any, worker: Any) -> None:
    """gunicorn hook: forget a dead worker's live gauges (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        prometheus_multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
