"""Capacity: how many municipal users can answer at once with p95 save < 500 ms and 0 errors.

    createdb -h 127.0.0.1 -U postgres dx_capacity        # an EMPTY PostgreSQL database
    .venv/bin/python bench/capacity.py --database-url postgresql://postgres@127.0.0.1/dx_capacity

Builds an instance in the given (empty) database: the 179 municipalities of the registry plus as
many stand-in municipalities as the largest step needs (codes 9xxxxx, "ベンチ0001町" …), one
municipal user per municipality, an open FY2025 round answered by all. Serves it with gunicorn
(``--config python:dx_assess.gunicorn_conf``, 3 sync workers, DX_ENV=production settings) on
127.0.0.1, then simulates users who behave like people: each logs in as its own municipality's
user, opens a section (GET), thinks for a random 5–15 s (10 s on average), saves changed values
of every question of the section (POST, expects the 302 of a successful save), and opens the
next section. The number of users grows in steps (default 100, 300, 600, 1,000, 1,741); each
step runs ``--ramp`` seconds (new users start spread over it, not measured) then ``--measure``
seconds (measured); the run stops at the first step that fails (p95 save >= 500 ms or any
failed request) and may try ``--refine`` steps between the last passing and the first failing
count. Prints, per step: requests, median and p95 of open and save, errors, the load
generator's own CPU (it shares the machine's cores with the server and the database) and the
machine's CPU; then the capacity: the largest count that passed. Not part of the tests.

The load generator is one asyncio process with plain HTTP/1.1 over asyncio streams (a new
connection per request, as gunicorn's sync workers close them anyway; no library needed), so
that 1,741 users cost it little CPU. The database is emptied (downgraded) again at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import os
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(ROOT))

from answering_latency import (  # noqa: E402 - bench/ is on the path only from here
    PASSWORD,
    answers_for,
    clean_up,
    machine,
    make_users,
    open_fy2025_round,
    p95,
    serve,
    set_up_app,
)

if TYPE_CHECKING:
    from dx_assess.core.questionnaire import Section

STEPS = (100, 300, 600, 1000, 1741)
GOAL_P95 = 0.5  # seconds, save
CSRF_RE = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
BASE_VERSION_RE = re.compile(rb'name="base_version"[^>]*value="(\d*)"')
TIMEOUT = 60.0


# --- the instance ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    round_id: int
    towns: list[tuple[str, str]]  # (login, municipality code)
    sections: list[Section]


def prepare(database_url: str, instance: Path, users: int) -> Setup:
    """Migrate; the registry; stand-in municipalities up to ``users``; a user each; a round."""
    from sqlalchemy import select

    from dx_assess.extensions import db
    from dx_assess.models import Municipality, Subprefecture
    from dx_assess.services.registry import load_registry
    from dx_assess.services.rounds import round_questionnaire

    app = set_up_app(database_url, instance)
    with app.app_context():
        load_registry(db.session)
        towns_rows = list(db.session.scalars(select(Municipality).order_by(Municipality.code)))
        bureau = db.session.scalars(select(Subprefecture).order_by(Subprefecture.order)).first()
        if bureau is None:
            raise SystemExit("the registry has no 振興局")
        for n in range(1, users - len(towns_rows) + 1):  # stand-ins beyond Hokkaido's 179
            town = Municipality(
                code=f"9{n:05d}",
                name=f"ベンチ{n:04d}町",
                name_kana=f"べんち{n:04d}ちょう",
                kind="町",
                subprefecture=bureau,
            )
            db.session.add(town)
            towns_rows.append(town)
        db.session.flush()
        towns = make_users(db.session, towns_rows[:users], "cap")
        survey_round = open_fy2025_round(db.session)
        db.session.commit()
        setup = Setup(survey_round.id, towns, list(round_questionnaire(survey_round).sections))
        db.session.remove()
        db.engine.dispose()
    return setup


# --- the simulated users ---------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # open | save | login
    started: float  # monotonic
    seconds: float
    error: str | None


@dataclass
class Reply:
    status: int
    body: bytes


class User:
    """One person's browser: its own cookies, one HTTP/1.1 connection per request."""

    def __init__(self, host: str, port: int, login: str, code: str) -> None:
        self.host, self.port, self.login, self.code = host, port, login, code
        self.cookies: dict[str, str] = {}

    async def request(self, path: str, data: Sequence[tuple[str, str]] | None = None) -> Reply:
        body = urllib.parse.urlencode(data).encode() if data is not None else b""
        head = [
            f"{'POST' if data is not None else 'GET'} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Connection: close",
        ]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if data is not None:
            head += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            raw = await reader.read()  # the server closes the connection after its reply
        finally:
            writer.close()
        header, _, content = raw.partition(b"\r\n\r\n")
        lines = header.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"set-cookie":
                cookie = value.decode("latin-1").strip().split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val
        return Reply(status, content)

    async def timed(
        self, kind: str, path: str, ok: int, data: Sequence[tuple[str, str]] | None = None
    ) -> tuple[Sample, Reply | None]:
        started = time.monotonic()
        try:
            reply = await asyncio.wait_for(self.request(path, data), TIMEOUT)
        except (OSError, TimeoutError, ValueError, IndexError) as exc:
            return Sample(kind, started, time.monotonic() - started, type(exc).__name__), None
        error = None if reply.status == ok else f"HTTP {reply.status}"
        return Sample(kind, started, time.monotonic() - started, error), reply

    async def log_in(self) -> Sample:
        sample, page = await self.timed("login", "/login", 200)
        token = CSRF_RE.search(page.body) if page else None
        if sample.error or token is None:
            return dataclasses.replace(sample, error=sample.error or "no CSRF token on /login")
        data = [
            ("csrf_token", token.group(1).decode()),
            ("login", self.login),
            ("password", PASSWORD),
        ]
        return (await self.timed("login", "/login", 302, data))[0]


@dataclass
class Load:
    setup: Setup
    host: str
    port: int
    think: tuple[float, float]
    samples: list[Sample] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def person(self, user: User, number: int, delay: float) -> None:
        """Open a section, think, save changed values; the next section; and so on."""
        await asyncio.sleep(delay)
        sections = self.setup.sections
        n = number  # the users spread over the sections
        while True:
            section = sections[n % len(sections)]
            path = f"/rounds/{self.setup.round_id}/responses/{user.code}/sections/{section.id}"
            opened, page = await self.timed_sample(user, "open", path, 200)
            await asyncio.sleep(random.uniform(*self.think))  # noqa: S311 - not cryptography
            if page is not None and not opened.error:
                token, version = CSRF_RE.search(page.body), BASE_VERSION_RE.search(page.body)
                if token is None or version is None:
                    self.samples.append(Sample("save", time.monotonic(), 0.0, "no form"))
                else:
                    data = [
                        ("csrf_token", token.group(1).decode()),
                        ("base_version", version.group(1).decode()),
                        ("action", "save"),
                        *answers_for(section, n),
                    ]
                    await self.timed_sample(user, "save", path, 302, data)
            n += 1

    async def timed_sample(
        self,
        user: User,
        kind: str,
        path: str,
        ok: int,
        data: Sequence[tuple[str, str]] | None = None,
    ) -> tuple[Sample, Reply | None]:
        sample, reply = await user.timed(kind, path, ok, data)
        self.samples.append(sample)
        return sample, reply

    async def grow_to(self, count: int, ramp: float) -> list[Sample]:
        """Log in the users up to ``count`` (a few at a time) and start them, spread over
        ``ramp`` seconds; or stop the last ones if there are more."""
        while len(self.tasks) > count:
            self.tasks.pop().cancel()
        new = [
            User(self.host, self.port, login, code)
            for login, code in self.setup.towns[len(self.tasks) : count]
        ]
        gate = asyncio.Semaphore(6)

        async def one(user: User) -> Sample:
            async with gate:
                return await user.log_in()

        logins = await asyncio.gather(*(one(u) for u in new))
        first = len(self.tasks)
        for i, user in enumerate(new):
            delay = random.uniform(0, ramp)  # noqa: S311
            self.tasks.append(asyncio.create_task(self.person(user, first + i, delay)))
        return [s for s in logins if s.error]


@dataclass
class Step:
    users: int
    opens: list[float]
    saves: list[float]
    errors: dict[str, int]
    generator_cpu: float  # share of one core
    machine_cpu: float  # share of all cores (busy)
    load: tuple[float, float, float]

    @property
    def passed(self) -> bool:
        return bool(self.saves) and not self.errors and p95(self.saves) < GOAL_P95


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


async def run_step(load: Load, users: int, ramp: float, measure: float) -> Step:
    login_errors = await load.grow_to(users, ramp)
    began = time.monotonic()
    cpu0, (busy0, total0) = time.process_time(), cpu_times()
    await asyncio.sleep(ramp + measure)
    ended = time.monotonic()
    cpu1, (busy1, total1) = time.process_time(), cpu_times()
    window = [s for s in load.samples if s.started >= began]
    measured = [s for s in window if s.started >= began + ramp and not s.error]
    errors: dict[str, int] = {}
    for s in [*login_errors, *window]:
        if s.error:
            key = f"{s.kind}: {s.error}"
            errors[key] = errors.get(key, 0) + 1
    load.samples = [s for s in load.samples if s.started >= ended]  # keep memory flat
    return Step(
        users,
        [s.seconds for s in measured if s.kind == "open"],
        [s.seconds for s in measured if s.kind == "save"],
        errors,
        (cpu1 - cpu0) / (ended - began),
        (busy1 - busy0) / max(total1 - total0, 1.0),
        os.getloadavg(),
    )


def print_step(step: Step) -> None:
    def stats(values: list[float]) -> str:
        if len(values) < 2:
            return f"{len(values):>5} {'-':>8} {'-':>8}"
        return (
            f"{len(values):>5} {statistics.median(values) * 1000:>8.0f} {p95(values) * 1000:>8.0f}"
        )

    errors = ", ".join(f"{k} ×{n}" for k, n in sorted(step.errors.items())) or "0"
    print(
        f"{step.users:>6} | {stats(step.opens)} | {stats(step.saves)} | "
        f"{step.generator_cpu * 100:>5.1f} % | {step.machine_cpu * 100:>5.1f} % | "
        f"{step.load[0]:>5.2f} | {'pass' if step.passed else 'FAIL'} | errors {errors}",
        flush=True,
    )


async def run(
    setup: Setup, base: str, steps: Sequence[int], args: argparse.Namespace
) -> list[Step]:
    parts = urllib.parse.urlsplit(base)
    load = Load(
        setup, parts.hostname or "127.0.0.1", parts.port or 80, (args.think_min, args.think_max)
    )
    warm = User(load.host, load.port, *setup.towns[0])  # every worker parses the questionnaire
    await warm.log_in()
    for _ in range(args.workers * 2):
        for section in setup.sections:
            await warm.request(
                f"/rounds/{setup.round_id}/responses/{warm.code}/sections/{section.id}"
            )
    print(
        f"{'users':>6} | {'opens':>5} {'med ms':>8} {'p95 ms':>8} | {'saves':>5} {'med ms':>8} "
        f"{'p95 ms':>8} | gen CPU | machine | load1 | step"
    )
    done: list[Step] = []
    try:
        for users in steps:
            step = await run_step(load, users, args.ramp, args.measure)
            print_step(step)
            done.append(step)
            if not step.passed:
                break
        passed = [s.users for s in done if s.passed]
        failed = [s.users for s in done if not s.passed]
        low, high = (passed[-1] if passed else 0), (failed[0] if failed else None)
        for _ in range(args.refine if high is not None else 0):
            middle = (low + high) // 2
            if high - low < 20:
                break
            step = await run_step(load, middle, args.ramp, args.measure)
            print_step(step)
            done.append(step)
            low, high = (middle, high) if step.passed else (low, middle)
    finally:
        for task in load.tasks:
            task.cancel()
        await asyncio.gather(*load.tasks, return_exceptions=True)
    return done


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="an EMPTY PostgreSQL database")
    parser.add_argument("--steps", default=",".join(map(str, STEPS)), help="user counts")
    parser.add_argument("--ramp", type=float, default=15.0, help="seconds, not measured")
    parser.add_argument("--measure", type=float, default=60.0, help="seconds per step")
    parser.add_argument("--refine", type=int, default=2, help="steps between pass and fail")
    parser.add_argument("--think-min", type=float, default=5.0)
    parser.add_argument("--think-max", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (README: 3)")
    args = parser.parse_args(argv)
    steps = [int(s) for s in args.steps.split(",")]
    with tempfile.TemporaryDirectory(prefix="dx-capacity-") as folder:
        instance = Path(folder)
        started = time.perf_counter()
        setup = prepare(args.database_url, instance, max(steps))
        print(f"date:     {dt.datetime.now(dt.UTC).isoformat(timespec='minutes')}")
        print(f"machine:  {machine()}; load average before: {os.getloadavg()[0]:.2f}")
        print(
            f"set up:   {len(setup.towns)} municipalities and users "
            f"in {time.perf_counter() - started:.0f} s"
        )
        print(
            f"server:   gunicorn, {args.workers} sync workers, dx_assess.gunicorn_conf, production "
            "settings, PostgreSQL; think time "
            f"{args.think_min:g}–{args.think_max:g} s; ramp {args.ramp:g} s + measured "
            f"{args.measure:g} s per step"
        )
        try:
            server = serve("gunicorn", args.workers, args.database_url, instance)
            try:
                done = asyncio.run(run(setup, server.base, steps, args))
            finally:
                server.stop()
        finally:
            clean_up(args.database_url, instance)
    passed = [s.users for s in done if s.passed]
    capacity = max(passed) if passed else 0
    print(
        f"capacity: {capacity} users at once (p95 save < {GOAL_P95 * 1000:.0f} ms, 0 errors)"
        + ("" if capacity >= STEPS[-1] else f"; goal {STEPS[-1]}: missed")
    )
    return 0 if capacity >= STEPS[-1] else 1


if __name__ == "__main__":
    sys.exit(main())
