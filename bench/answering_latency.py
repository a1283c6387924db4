"""Latency of opening and saving a questionnaire section, 53 municipalities at once.

    .venv/bin/python bench/answering_latency.py                  # SQLite in a temporary folder
    .venv/bin/python bench/answering_latency.py --database-url postgresql://postgres@127.0.0.1/EMPTY_DB

Builds a temporary instance (migrated database, the registry, the 53 municipalities of the demo
support-programme list, one municipal user each, an open FY2025 round), serves it with gunicorn
(sync workers, DX_ENV=production settings) or, if gunicorn is missing, Werkzeug's threaded
server, and runs 53 concurrent clients, one per municipality. Each client logs in as its own
municipality's user, then repeatedly opens a section (GET) and saves it (POST with changed
answers, its page's base_version and CSRF token). A hello-world route, added to the app only
here (``/bench/hello``), is measured under the same concurrency on the same server.

Prints the median and p95 latency of hello, open-section and save-section, the ratios to
hello, and a verdict against the goal (open and save at most 3x hello). Not part of the tests.
A PostgreSQL database given with --database-url must be empty; it is emptied again at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.client
import importlib.metadata
import importlib.util
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session as DbSession

    from dx_assess.core.questionnaire import Question, Section
    from dx_assess.models import Municipality, SurveyRound

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
SUPPORTED_CSV = ROOT / "dx_assess" / "data" / "demo" / "supported_municipalities_demo.csv"
PASSWORD = "bench-password-2025"  # noqa: S105 - throwaway users of a temporary instance
HELLO = "/bench/hello"
GOAL = 3.0
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BASE_VERSION_RE = re.compile(r'name="base_version"[^>]*value="(\d*)"')


# --- the served app --------------------------------------------------------------------------


def bench_app() -> Flask:
    """The product app (settings from the environment) plus a hello-world route.

    gunicorn calls this in each worker: ``gunicorn 'answering_latency:bench_app()'``.
    """
    from dx_assess import create_app

    app = create_app()
    app.add_url_rule(HELLO, "bench_hello", lambda: "hello, world")
    return app


# --- setting up the instance -----------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    round_id: int
    towns: list[tuple[str, str]]  # (login, municipality code)
    sections: list[Section]


def prepare(database_url: str, instance: Path) -> Setup:
    """Migrate, load the registry, mark 53 supported, make their users, open a round."""
    from sqlalchemy import select

    from dx_assess.extensions import db
    from dx_assess.models import Municipality
    from dx_assess.services.registry import load_registry, set_supported_list
    from dx_assess.services.rounds import round_questionnaire

    app = set_up_app(database_url, instance)
    with app.app_context():
        load_registry(db.session)
        set_supported_list(
            db.session,
            SUPPORTED_CSV.read_bytes(),
            source_name=SUPPORTED_CSV.name,
            actor="bench",
            is_demo=True,
        )
        supported = db.session.scalars(
            select(Municipality).where(Municipality.supported).order_by(Municipality.code)
        ).all()
        towns = make_users(db.session, supported, "bench")
        survey_round = open_fy2025_round(db.session)
        db.session.commit()
        sections = list(round_questionnaire(survey_round).sections)
        setup = Setup(survey_round.id, towns, sections)
        db.session.remove()
        db.engine.dispose()
    return setup


def set_up_app(database_url: str, instance: Path) -> Flask:
    """The app that sets the instance up: the database (which must be empty) migrated.

    Testing settings only for the set-up, so that the password hashes are cheap to make (and
    to check at log-in, which is not measured). The served app runs as production."""
    import flask_migrate
    from sqlalchemy import inspect

    from dx_assess import create_app
    from dx_assess.extensions import db

    os.environ["DX_INSTANCE_PATH"] = str(instance)
    app = create_app(
        {
            "DX_ENV": "testing",
            "DATABASE_URL": database_url,
            "DX_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        existing = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        if existing:
            raise SystemExit(
                f"the database at {database_url} is not empty ({len(existing)} tables): "
                "give an empty database"
            )
        with quiet_alembic():
            flask_migrate.upgrade()
    return app


def make_users(
    session: DbSession, towns: Sequence[Municipality], prefix: str
) -> list[tuple[str, str]]:
    """One municipal user per municipality (password PASSWORD); (login, code) each."""
    from dx_assess.models import Role
    from dx_assess.services.accounts import UserData, create_user

    out = []
    for town in towns:
        login = f"{prefix}{town.code}"
        create_user(
            session, UserData(login, f"{town.name} 担当", Role.MUNICIPAL, town.code), PASSWORD
        )
        out.append((login, town.code))
    return out


def open_fy2025_round(session: DbSession) -> SurveyRound:
    """An open FY2025 round of the shipped questionnaire (answered by all)."""
    from dx_assess.services.rounds import open_round, today
    from dx_assess.services.versions import DEFAULT_ROOT

    return open_round(
        session,
        DEFAULT_ROOT,
        fiscal_year=2025,
        key="dx-maturity",
        version="2025.1",
        opens_on=today() - dt.timedelta(days=1),
        closes_on=today() + dt.timedelta(days=60),
        actor=None,
    )


def clean_up(database_url: str, instance: Path) -> None:
    """Empty a database that was given (a temporary SQLite file just goes with its folder)."""
    import flask_migrate

    from dx_assess import create_app
    from dx_assess.extensions import db

    os.environ["DX_INSTANCE_PATH"] = str(instance)
    app = create_app({"DX_ENV": "testing", "DATABASE_URL": database_url})
    with app.app_context():
        with quiet_alembic():
            flask_migrate.downgrade(revision="base")
        db.engine.dispose()


@contextmanager
def quiet_alembic() -> Iterator[None]:
    """Alembic logs every migration at INFO on stderr; keep the bench output readable."""
    import logging

    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(previous)


# --- serving ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    base: str
    description: str
    stop: Callable[[], None]


def serve(kind: str, workers: int, database_url: str, instance: Path) -> Server:
    env = {
        **os.environ,
        "DX_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "DX_ALLOW_PLAIN_HTTP": "1",  # plain http on 127.0.0.1 (production refuses it otherwise)
        "DATABASE_URL": database_url,
        "DX_INSTANCE_PATH": str(instance),
    }
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if kind == "gunicorn":
        log = instance / "gunicorn.log"
        process = subprocess.Popen(  # noqa: S603 - our own server with fixed arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "python:dx_assess.gunicorn_conf",  # the project's settings, as in production
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--backlog",
                "4096",
                "--pythonpath",
                str(BENCH_DIR),
                "--error-logfile",
                str(log),
                "answering_latency:bench_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=(instance / "requests.log").open("wb"),  # a JSON line per request
            stderr=subprocess.STDOUT,
        )

        def stop() -> None:
            process.terminate()
            process.wait(timeout=30)

        try:
            wait_until_up(base, lambda: process.poll() is None, log)
        except BaseException:
            stop()
            raise
        version = importlib.metadata.version("gunicorn")
        return Server(
            base, f"gunicorn {version}, {workers} sync workers, dx_assess.gunicorn_conf", stop
        )

    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    os.environ.update(env)
    httpd = make_server("127.0.0.1", port, bench_app(), threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def stop_werkzeug() -> None:
        httpd.shutdown()
        httpd.server_close()

    wait_until_up(base, thread.is_alive, None)
    return Server(
        base,
        "Werkzeug threaded server in the benchmark's own process (shares its GIL)",
        stop_werkzeug,
    )


def wait_until_up(base: str, alive: Callable[[], bool], log: Path | None) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not alive():
            break
        try:
            with urllib.request.urlopen(base + HELLO, timeout=2) as reply:  # noqa: S310
                reply.read()
                return
        except OSError:
            time.sleep(0.2)
    detail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log else ""
    raise SystemExit(f"the server did not start\n{detail}")


# --- clients ---------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: str
    seconds: float


class Client:
    """One municipality's browser: its own session cookie, a new HTTP/1.1 connection per
    request (gunicorn's sync workers close them anyway), redirects not followed.

    Plain http.client keeps the client's own CPU time small: the clients share the machine
    (and one Python process) with the server they measure.
    """

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(self, path: str, data: Sequence[tuple[str, str]] | None = None) -> Reply:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request("GET" if body is None else "POST", path, body, headers)
            reply = connection.getresponse()
            raw = reply.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        for cookie in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Reply(reply.status, raw.decode("utf-8", errors="replace"), seconds)

    def log_in(self, login: str) -> None:
        page = self.request("/login")
        token = CSRF_RE.search(page.body)
        if not token:
            raise SystemExit("no CSRF token on /login")
        reply = self.request(
            "/login", [("csrf_token", token.group(1)), ("login", login), ("password", PASSWORD)]
        )
        if reply.status != 302:
            raise SystemExit(f"log-in of {login} failed: HTTP {reply.status}")


def answers_for(section: Section, iteration: int) -> list[tuple[str, str]]:
    """Valid raw answers for every question of a section, different on each iteration."""
    out: list[tuple[str, str]] = []
    for q in section.questions:
        if q.derived:
            continue
        out += [(name, value) for name, value in field_values(q, iteration)]
    return out


def field_values(q: Question, i: int) -> list[tuple[str, str]]:
    name = f"q_{q.id}"
    if q.type == "yes_no":
        return [(name, "yes" if i % 2 else "no")]
    if q.type == "single_choice":
        return [(name, q.choices[i % len(q.choices)].value)]
    if q.type == "multiple_choice":
        usable = [c.value for c in q.choices if not c.exclusive]
        return [(name, usable[i % len(usable)]), (name, usable[(i + 1) % len(usable)])]
    if q.type in ("integer", "decimal"):
        value = int(q.min or 0) + 1 + i % 20
        if q.max is not None:
            value = min(value, int(q.max))
        if q.type == "decimal" and q.decimals:
            return [(name, f"{value}.5")]
        return [(name, str(value))]
    if q.type == "percentage":
        return [(name, str(10 + i % 80))]
    if q.type == "date":
        return [(name, f"2025-06-{1 + i % 28:02d}")]
    if q.type in ("short_text", "long_text"):
        return [(name, f"ベンチマークの回答 {i}")]
    if q.type == "status_grid":
        return [
            (f"{name}-{row.id}", q.choices[(i + k) % len(q.choices)].value)
            for k, row in enumerate(q.rows)
        ]
    raise ValueError(f"no bench value for question type {q.type}")


@dataclass
class Samples:
    hello: list[float] = field(default_factory=list)
    open: list[float] = field(default_factory=list)
    save: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    throughput: dict[str, float] = field(default_factory=dict)  # requests per second
    by_section: dict[str, list[float]] = field(default_factory=dict)  # open + save, seconds
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, reply: Reply, ok: Sequence[int]) -> None:
        with self.lock:
            if reply.status in ok:
                getattr(self, kind).append(reply.seconds)
            else:
                self.errors.append(f"{kind}: HTTP {reply.status}")


def run_clients(count: int, work: Callable[[int], None]) -> float:
    """Run ``work(i)`` for i in 0..count-1 in as many threads, started together; seconds."""
    barrier = threading.Barrier(count + 1)
    failures: list[BaseException] = []

    def runner(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:  # a client's crash must be reported, not lost
            failures.append(exc)

    threads = [threading.Thread(target=runner, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return time.perf_counter() - started


def benchmark(
    setup: Setup,
    base: str,
    clients_wanted: int,
    rounds: int,
    iterations: int,
    hello_per_client: int,
) -> Samples:
    """Log in, warm up, then ``rounds`` × (a hello phase, an answering phase), and a last
    hello phase. Alternating spreads both kinds over the same minutes, so a change in the
    machine's load (it may be shared) touches both alike."""
    clients = [Client(base) for _ in setup.towns[:clients_wanted]]
    run_clients(len(clients), lambda i: clients[i].log_in(setup.towns[i][0]))
    samples = Samples()
    sections = setup.sections

    def section_path(i: int, n: int) -> tuple[Section, str]:
        section = sections[(i + n) % len(sections)]  # the clients spread over the sections
        code = setup.towns[i][1]
        return section, f"/rounds/{setup.round_id}/responses/{code}/sections/{section.id}"

    def warm_up(i: int) -> None:  # every worker parses the questionnaire and builds its forms
        for n in range(len(sections)):
            clients[i].request(section_path(i, n)[1])
        clients[i].request(HELLO)

    def hello(i: int) -> None:
        for _ in range(hello_per_client):
            samples.add("hello", clients[i].request(HELLO), ok=(200,))

    def answering(i: int, first: int) -> None:
        for n in range(first, first + iterations):
            section, path = section_path(i, n)
            page = clients[i].request(path)
            samples.add("open", page, ok=(200,))
            token, version = CSRF_RE.search(page.body), BASE_VERSION_RE.search(page.body)
            if page.status != 200 or not token or not version:
                continue
            data = [
                ("csrf_token", token.group(1)),
                ("base_version", version.group(1)),
                ("action", "save"),
                *answers_for(section, n + i),
            ]
            saved = clients[i].request(path, data)
            samples.add("save", saved, ok=(302,))
            with samples.lock:
                samples.by_section.setdefault(section.id, []).append(page.seconds + saved.seconds)

    run_clients(len(clients), warm_up)
    hello_seconds = answering_seconds = 0.0
    for r in range(rounds):
        hello_seconds += run_clients(len(clients), hello)
        answering_seconds += run_clients(
            len(clients), functools.partial(answering, first=r * iterations)
        )
    hello_seconds += run_clients(len(clients), hello)
    samples.throughput = {
        "hello": len(samples.hello) / hello_seconds,
        "open+save": (len(samples.open) + len(samples.save)) / answering_seconds,
    }
    return samples


# --- report ----------------------------------------------------------------------------------


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}"


def report(samples: Samples, server: str, database: str, clients: int) -> bool:
    """Print the figures and the verdict; True if the goal is met."""
    print(f"date:     {dt.datetime.now(dt.UTC).astimezone().isoformat(timespec='minutes')}")
    print(f"machine:  {machine()}, Python {platform.python_version()}")
    print(f"server:   {server}, DX_ENV=production settings")
    print(f"database: {database}")
    print(f"clients:  {clients} concurrent (one per municipality, each its own user)")
    print(
        "throughput: "
        + ", ".join(f"{name} {rate:.0f} req/s" for name, rate in samples.throughput.items())
    )
    print()
    print(f"{'request':<14}{'n':>6}{'median ms':>12}{'p95 ms':>10}")
    rows = {"hello": samples.hello, "open-section": samples.open, "save-section": samples.save}
    for name, values in rows.items():
        if values:
            line = f"{statistics.median(values) * 1000:>12.1f}{p95(values) * 1000:>10.1f}"
            print(f"{name:<14}{len(values):>6}{line}")
        else:
            print(f"{name:<14}{0:>6}{'-':>12}{'-':>10}")
    if samples.by_section:
        print(
            "open+save by section (median ms): "
            + ", ".join(
                f"{sid} {statistics.median(values) * 1000:.0f}"
                for sid, values in sorted(samples.by_section.items())
            )
        )
    if samples.errors:
        kinds: dict[str, int] = {}
        for error in samples.errors:
            kinds[error] = kinds.get(error, 0) + 1
        print("errors:   " + ", ".join(f"{k} ×{n}" for k, n in sorted(kinds.items())))
    if not (samples.hello and samples.open and samples.save):
        print("verdict: no figures (every request of a kind failed)")
        return False
    hello = statistics.median(samples.hello)
    ratios = {
        "open/hello": statistics.median(samples.open) / hello,
        "save/hello": statistics.median(samples.save) / hello,
    }
    print()
    for name, ratio in ratios.items():
        print(f"ratio {name} (medians): {ratio:.1f}x")
    ok = all(r <= GOAL for r in ratios.values()) and not samples.errors
    worst = max(ratios.values())
    print(
        f"verdict: {'MEETS' if ok else 'MISSES'} the goal (open and save at most {GOAL:g}x "
        f"hello at the median): worst ratio {worst:.1f}x"
        + (f", {len(samples.errors)} failed requests" if samples.errors else "")
    )
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database (default: SQLite)")
    parser.add_argument("--clients", type=int, default=53, help="concurrent clients (max 53)")
    parser.add_argument("--rounds", type=int, default=4, help="hello+answering phases")
    parser.add_argument("--iterations", type=int, default=6, help="open+save per client and round")
    parser.add_argument("--hello", type=int, default=12, help="hellos per client and phase")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (README: 3)")
    parser.add_argument("--server", choices=("gunicorn", "werkzeug"), default=None)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    kind = args.server or ("gunicorn" if has_gunicorn() else "werkzeug")

    with tempfile.TemporaryDirectory(prefix="dx-bench-") as folder:
        instance = Path(folder)
        database_url = args.database_url or f"sqlite:///{instance / 'bench.sqlite3'}"
        started = time.perf_counter()
        setup = prepare(database_url, instance)
        print(
            f"set up {len(setup.towns)} municipalities, {len(setup.towns)} users, round "
            f"{setup.round_id} in {time.perf_counter() - started:.1f} s"
        )
        server = serve(kind, args.workers, database_url, instance)
        try:
            samples = benchmark(
                setup, server.base, args.clients, args.rounds, args.iterations, args.hello
            )
        finally:
            server.stop()
            if args.database_url:
                clean_up(database_url, instance)
        database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite (file)"
        report(samples, server.description, database, min(args.clients, len(setup.towns)))
    return 1 if samples.errors else 0


def has_gunicorn() -> bool:
    return importlib.util.find_spec("gunicorn") is not None


if __name__ == "__main__":
    sys.exit(main())
