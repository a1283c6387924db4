"""Two web instances and two workers as separate processes, each with its own instance
folder (as separate machines would have), on one PostgreSQL database and one Redis:

* two batch requests at the same moment, one on each instance, make one job;
* a batch started on A shows the same progress on B;
* ``kill -9`` of one worker mid-batch: the batch completes with every report, within a bound;
* no report is rendered twice (finished renders are counted in ``report_render``);
* the ZIP and every PDF download from either instance, and a report missing from storage
  that both instances are asked for at once is rendered once.

Runs only on PostgreSQL (``TEST_DATABASE_URL``) with Redis reachable (``TEST_REDIS_URL``,
default ``redis://127.0.0.1:6379/6``); its keys have a namespace of their own, deleted
afterwards. Seven municipalities (eight reports with the regional one).
"""

from __future__ import annotations

import http.cookiejar
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from dx_assess.extensions import db
from dx_assess.models import (
    Channel,
    Municipality,
    ReportItemStatus,
    ReportJob,
    ReportJobStatus,
    ReportRender,
    Response,
)
from dx_assess.services.reports.produce import render_count
from dx_assess.services.rounds import round_questionnaire
from dx_assess.services.saving import save_answers
from tests.services.reports.conftest import empty_database
from tests.support import TEST_PASSWORD
from tests.support.answers import submitted_round

TOWNS = ("014630", "014621", "014648", "015113", "016101", "014559", "014583")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/6")
#: kill -9 of a worker to the batch done: redelivery (heartbeat 10 s + maintenance 2 s), the
#: claim's lease (30 s) and the survivor rendering what is left, on a loaded 2-core machine.
AFTER_KILL_AT_MOST = 240.0


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres") or not _redis_reachable(),
    reason="needs TEST_DATABASE_URL on PostgreSQL and Redis (TEST_REDIS_URL)",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Client:
    """A browser on one instance: cookies, CSRF tokens, no redirects followed."""

    base: str
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def open(
        self, path: str, data: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)  # noqa: S310 - localhost
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def token(self, path: str) -> str:
        _status, _headers, html = self.open(path)
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, html[:500]
        return match.group(1).decode()

    def post(self, path: str, data: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        return self.open(path, {"csrf_token": self.token(path), **data})

    def login(self, login: str) -> None:
        status, _h, _b = self.open(
            "/login",
            {"login": login, "password": TEST_PASSWORD, "csrf_token": self.token("/login")},
        )
        assert status == 302


@dataclass
class Cluster:
    round_id: int
    a: Client
    b: Client
    workers: list[subprocess.Popen[bytes]]
    logs: Path
    namespace: str

    def tails(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.logs.glob("*.log"))
        )


def _wait_until_serving(client: Client, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if client.open("/login")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{client.base} did not start:\n{log.read_text()}")


@pytest.fixture(scope="module")
def cluster(
    app: Flask, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    import redis

    with app.app_context():
        round_id = submitted_round(TOWNS).id
    root = tmp_path_factory.mktemp("cluster")
    namespace = f"dx_test_{uuid.uuid4().hex[:8]}"
    base_env = {
        **os.environ,
        "DX_ENV": "development",
        "SECRET_KEY": "distributed-test-" + "k" * 40,  # the same on every instance
        "DATABASE_URL": database_url,
        "DX_BROKER_URL": REDIS_URL,
        "DX_BROKER_NAMESPACE": namespace,
        "DX_REPORT_STORAGE": "database",
        # the login throttle's shared counters (helper H5's setting names, if present)
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "DX_RATELIMIT_STORAGE_URL": REDIS_URL,
        "PYTHONUNBUFFERED": "1",
    }
    processes: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> subprocess.Popen[bytes]:
        instance = root / name
        instance.mkdir()
        log = root / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "dx_assess", *args],
                env={**base_env, "DX_INSTANCE_PATH": str(instance)},
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=instance,
            )
        processes.append(process)
        return process

    try:
        workers = [start(f"worker{i}", "worker", "--processes", "1") for i in (1, 2)]
        clients = []
        for name in ("web_a", "web_b"):
            port = _free_port()
            process = start(name, "run", "--host", "127.0.0.1", "--port", str(port))
            clients.append((Client(f"http://127.0.0.1:{port}"), process, root / f"{name}.log"))
        for client, process, log in clients:
            _wait_until_serving(client, process, log)
            client.login("pref")
        client_redis = redis.Redis.from_url(REDIS_URL)
        deadline = time.monotonic() + 120
        while len(list(client_redis.scan_iter(f"{namespace}:dx:worker:*"))) < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            assert all(w.poll() is None for w in workers), (root / "worker1.log").read_text()
            time.sleep(0.5)
        yield Cluster(round_id, clients[0][0], clients[1][0], workers, root, namespace)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        client_redis = redis.Redis.from_url(REDIS_URL)
        for key in client_redis.scan_iter(f"{namespace}*"):
            client_redis.delete(key)
        # and the login throttle's counters (Flask-Limiter's keys, outside the namespace): left
        # for their 15 minutes, they would refuse the next run's log-ins with 429
        for key in client_redis.scan_iter("LIMITS:LIMITER/dx_assess/*"):
            client_redis.delete(key)
        with app.app_context():
            empty_database()


PROGRESS = re.compile(rb'<progress max="(\d+)" value="(\d+)">')


def _progress(client: Client, round_id: int, job_id: int) -> tuple[int, int] | None:
    status, _h, html = client.open(f"/rounds/{round_id}/reports/batch?job={job_id}")
    assert status == 200
    match = PROGRESS.search(html)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _job_state(app: Flask, job_id: int) -> tuple[ReportJobStatus, int, list[tuple[str, str]]]:
    with app.app_context():
        job = db.session.get(ReportJob, job_id)
        assert job is not None
        done = sum(1 for i in job.items if i.status is not ReportItemStatus.PENDING)
        claims = db.session.execute(
            select(ReportRender.digest, ReportRender.owner).where(
                ReportRender.finished_at.is_(None)
            )
        ).all()
        db.session.commit()
        return job.status, done, [(d, o) for d, o in claims]


def test_two_instances_two_workers_one_batch_survives_a_killed_worker(
    app: Flask, cluster: Cluster
) -> None:
    page = f"/rounds/{cluster.round_id}/reports/batch"
    # 1. two requests at the same moment, one on each instance: one job
    barrier = threading.Barrier(2)
    answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
    tokens = {"a": cluster.a.token(page), "b": cluster.b.token(page)}

    def start(name: str, client: Client) -> None:
        barrier.wait()
        answers[name] = client.open(
            page, {"csrf_token": tokens[name], "round_id": str(cluster.round_id)}
        )

    threads = [
        threading.Thread(target=start, args=(n, c)) for n, c in (("a", cluster.a), ("b", cluster.b))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert {a[0] for a in answers.values()} == {303}, answers
    job_ids = {int(a[1]["Location"].rsplit("job=", 1)[1]) for a in answers.values()}
    assert len(job_ids) == 1, job_ids
    job_id = job_ids.pop()
    with app.app_context():
        jobs_of_round = db.session.scalar(
            select(func.count(ReportJob.id)).where(ReportJob.round_id == cluster.round_id)
        )
        db.session.commit()
    assert jobs_of_round == 1

    # 2. the same progress on A and B; 3. kill -9 a worker while it renders a report
    compared = 0
    killed: int | None = None
    killed_at = 0.0
    killed_digest = ""
    deadline = time.monotonic() + 600
    pids = {w.pid: w for w in cluster.workers}
    while True:
        status, done, claims = _job_state(app, job_id)
        if status is not ReportJobStatus.RUNNING and status is not ReportJobStatus.QUEUED:
            break
        assert time.monotonic() < deadline, cluster.tails()
        first = _progress(cluster.a, cluster.round_id, job_id)
        on_b = _progress(cluster.b, cluster.round_id, job_id)
        again = _progress(cluster.a, cluster.round_id, job_id)
        if first is not None and first == again:
            assert on_b == first, (first, on_b)
            compared += 1
        if killed is None and done >= 1:
            # the claims read again just before the kill (the progress requests above take
            # seconds on a loaded machine: the render seen may have finished meanwhile)
            _status, _done, claims = _job_state(app, job_id)
            for digest, owner in claims:
                pid = int(owner.rsplit(":", 1)[1])
                if pid in pids:
                    os.kill(pid, signal.SIGKILL)
                    pids[pid].wait(30)
                    killed, killed_at = pid, time.monotonic()
                    # what it held when it died (its render may have ended before the signal)
                    held = [d for d, o in _job_state(app, job_id)[2] if o == owner]
                    killed_digest = held[0] if held else digest
                    break
        time.sleep(0.3)
    assert killed is not None, "no worker was caught rendering: the batch was too quick"
    after_kill = time.monotonic() - killed_at
    assert after_kill < AFTER_KILL_AT_MOST, cluster.tails()
    assert compared >= 1

    with app.app_context():
        job = db.session.get(ReportJob, job_id)
        assert job is not None
        assert job.status is ReportJobStatus.DONE, (job.error, cluster.tails())
        items = list(job.items)
        assert len(items) == len(TOWNS) + 1
        assert {i.status for i in items} == {ReportItemStatus.RENDERED}, [
            (i.key, i.status, i.error) for i in items
        ]
        # 4. no report rendered twice: one finished render per report; the killed render's
        # claim was closed as expired and its report rendered by the other worker
        for item in items:
            assert render_count(db.engine, item.digest) == 1, item.key
        renders_before_downloads = render_count(db.engine)
        expired = db.session.scalars(
            select(ReportRender).where(ReportRender.digest == killed_digest)
        ).all()
        assert any("claim expired" in (r.error or "") for r in expired), [
            (r.owner, r.error) for r in expired
        ]
        survivor = next(i for i in items if i.digest == killed_digest).worker or ""
        assert not survivor.endswith(f":{killed}")
        zip_key = job.zip_path
        db.session.commit()
    assert zip_key is not None
    print(f"batch done {after_kill:.1f} s after kill -9 of worker {killed}; compared {compared}")

    # 5. the ZIP and every PDF from either instance
    zips = [c.open(f"{page}/{job_id}.zip") for c in (cluster.a, cluster.b)]
    assert [z[0] for z in zips] == [200, 200]
    assert zips[0][2] == zips[1][2]
    with zipfile.ZipFile(io.BytesIO(zips[0][2])) as archive:
        in_zip = {n: archive.read(n) for n in archive.namelist()}
    assert len(in_zip) == len(TOWNS) + 2  # the PDFs, the regional report and 一覧.csv
    for code in TOWNS:
        bodies = [
            c.open(f"/rounds/{cluster.round_id}/reports/{code}.pdf") for c in (cluster.a, cluster.b)
        ]
        assert [b[0] for b in bodies] == [200, 200], code
        assert bodies[0][2] == bodies[1][2]
        assert bodies[0][2] in in_zip.values()
    regional = [
        c.open(f"/rounds/{cluster.round_id}/regional-report.pdf") for c in (cluster.a, cluster.b)
    ]
    assert regional[0][2] == regional[1][2] == in_zip["dx_2025_地域別レポート.pdf"]
    with app.app_context():
        assert render_count(db.engine) == renders_before_downloads  # all from storage

    # 6. a report not in storage, asked of both instances at once: rendered once
    with app.app_context():
        response = db.session.scalar(
            select(Response)
            .join(Municipality)
            .where(Response.round_id == cluster.round_id, Municipality.code == TOWNS[0])
        )
        assert response is not None
        questionnaire = round_questionnaire(response.round)
        result = save_answers(
            db.session, response, questionnaire, {"basic_department": "企画課"},
            base_version=response.version, user=None, channel=Channel.FORM, check_editable=False,
        )  # fmt: skip
        assert result.status == "saved"
        db.session.commit()
    got: dict[str, tuple[int, dict[str, str], bytes]] = {}
    barrier = threading.Barrier(2)

    def download(name: str, client: Client) -> None:
        barrier.wait()
        got[name] = client.open(f"/rounds/{cluster.round_id}/reports/{TOWNS[0]}.pdf")

    threads = [
        threading.Thread(target=download, args=(n, c))
        for n, c in (("a", cluster.a), ("b", cluster.b))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert [got["a"][0], got["b"][0]] == [200, 200]
    assert got["a"][2] == got["b"][2]
    with app.app_context():
        assert render_count(db.engine) == renders_before_downloads + 1

    # 7. the login throttle's counters are shared through Redis (when the limiter is there)
    if "limiter" not in app.extensions:
        print("login throttling (Flask-Limiter) is not on this branch: not checked here")
        return
    on_a, on_b = Client(cluster.a.base), Client(cluster.b.base)  # not logged in
    refused_on_a = False
    for _ in range(60):
        status, _h, _b = on_a.open(
            "/login", {"login": "pref", "password": "wrong", "csrf_token": on_a.token("/login")}
        )
        if status == 429:
            refused_on_a = True
            break
    assert refused_on_a
    status, _h, _b = on_b.open(
        "/login", {"login": "pref", "password": "wrong", "csrf_token": on_b.token("/login")}
    )
    assert status == 429  # B knows of A's failures
