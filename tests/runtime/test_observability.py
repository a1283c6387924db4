"""One JSON log line per request with its request id; /metrics for this machine only."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from dx_assess import observability
from tests.support import Browser


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "dx_assess.request"]


def test_each_request_is_one_json_line_with_its_request_id(
    app: Flask,
    db_session: object,
    make_user: Callable[..., object],
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = make_user("prefecture", login="yamada")
    browser = Browser(app)
    browser.login("yamada")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="dx_assess.request"):
        answer = browser.get("/")
    assert answer.status_code == 200
    (record,) = request_records(caplog)
    line = json.loads(observability.json_handler().format(record))
    assert line["request_id"] == answer.headers["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert line["user_id"] == str(user.id)  # type: ignore[attr-defined]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
    assert line["duration_ms"] >= 0
    assert line["logger"] == "dx_assess.request"


def test_a_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(
    app: Flask, db_session: object
) -> None:
    browser = Browser(app)
    kept = browser.get("/healthz", headers={"X-Request-ID": "0f3c9a2be7d14e58"})
    assert kept.headers["X-Request-ID"] == "0f3c9a2be7d14e58"
    replaced = browser.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert replaced.headers["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(replaced.headers["X-Request-ID"]) == 32


def test_errors_are_logged_with_their_traceback(app: Flask) -> None:
    with app.test_request_context("/somewhere"):
        from flask import g

        g.request_id = "req-12345678"
        try:
            raise ValueError("broken")
        except ValueError:
            record = logging.LogRecord(
                "dx_assess", logging.ERROR, __file__, 1, "Exception on /somewhere", (), None
            )
            record.exc_info = sys.exc_info()
        handler = observability.json_handler()
        assert handler.filter(record)  # what the handler does before writing the line
        line = json.loads(handler.format(record))
    assert line["request_id"] == "req-12345678"
    assert "Traceback" in line["exc_info"]
    assert "ValueError: broken" in line["exc_info"]


def test_metrics_count_requests(app: Flask, db_session: object) -> None:
    browser = Browser(app)
    browser.get("/healthz")
    answer = browser.get("/metrics")
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert 'dx_http_requests_total{endpoint="main.healthz",method="GET",status="200"}' in text
    assert "dx_http_request_duration_seconds_bucket" in text
    assert "dx_report_renders_total" in text or "# HELP dx_report_renders_total" in text


def test_metrics_refuse_other_machines_and_the_proxy(app: Flask, db_session: object) -> None:
    browser = Browser(app)
    remote = browser.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert remote.status_code == 404
    proxied = browser.get("/metrics", headers={"X-Forwarded-For": "192.0.2.7"})
    assert proxied.status_code == 404


def test_metrics_with_a_token_need_it(
    app: Flask, db_session: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DX_METRICS_TOKEN", "metrics-token-0123456789")
    browser = Browser(app)
    assert browser.get("/metrics").status_code == 404
    wrong = browser.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404
    right = browser.get(
        "/metrics",
        headers={"Authorization": "Bearer metrics-token-0123456789"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert right.status_code == 200


def test_saves_are_counted_by_outcome() -> None:
    from dx_assess.services.saving import save_answers

    assert save_answers.__wrapped__  # type: ignore[attr-defined]
    before = observability.SAVES.labels(outcome="conflict")._value.get()

    class Result:
        status = "conflict"

    observability.counted_save(lambda: Result())()
    assert observability.SAVES.labels(outcome="conflict")._value.get() == before + 1


COUNT_ONE = """
from dx_assess import observability
observability.REQUESTS.labels("GET", "main.home", "200").inc()
"""
COLLECT = """
from dx_assess import observability
print(observability.metrics_text().decode())
"""


def test_several_workers_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _worker in range(2):
        subprocess.run([sys.executable, "-c", COUNT_ONE], env=env, check=True)
    collected = subprocess.run(
        [sys.executable, "-c", COLLECT], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert 'dx_http_requests_total{endpoint="main.home",method="GET",status="200"} 2.0' in collected
