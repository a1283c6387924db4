"""53 colleagues saving at once against a real server (issue 10, acceptance), on the test's
database (SQLite or PostgreSQL): 27 towns, two colleagues each, each colleague autosaving their
own answer several times, both first saves of a town at the same moment.

1. A full burst: no 5xx, every save acknowledged and stored, the audit trail of every answer
   a gapless chain ending in the stored value.
2. The server is killed with SIGKILL in the middle of a burst: every acknowledged save is
   present (an answer may also hold a later value whose reply was lost with the server), and
   the audit trail still matches the answers.

Bounded: 53 clients × at most 3 saves per burst, every request with a 30 s timeout; about
15–25 s per database on a 2-core machine.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import Answer, AnswerChange, Municipality, Response, User
from tests.support import TEST_PASSWORD
from tests.support.answers import open_test_round
from tests.web.answering.page_form import form_fields

SAVERS = 53
SAVES_PER_BURST = 3
QUESTIONS = ("basic_staff", "basic_population")  # the first / second colleague of a town
REQUEST_TIMEOUT = 30
SERVE = Path(__file__).with_name("serve_app.py")


class Client:
    """A browser without JavaScript engine: cookies, forms, the autosave's JSON requests."""

    def __init__(self, base: str) -> None:
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def request(
        self, path: str, fields: list[tuple[str, str]] | None = None, json_reply: bool = False
    ) -> tuple[int, str]:
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        request = urllib.request.Request(self.base + path, data=data)  # noqa: S310 - local server
        if json_reply:
            request.add_header("X-Requested-With", "fetch")
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


@dataclass
class Saver:
    login: str
    path: str
    question: str
    values: list[int]
    sent: list[int] = field(default_factory=list)
    acked: list[int] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    failure: str | None = None

    def run(self, client: Client, start: threading.Barrier) -> None:
        try:
            status, html = client.request("/login")
            token = _token(html)
            client.request(
                "/login",
                [("login", self.login), ("password", TEST_PASSWORD), ("csrf_token", token)],
            )
            status, html = client.request(self.path)
            assert status == 200, status
            page = form_fields(html)
            csrf, version = page["csrf_token"][0], page["base_version"][0]
            shown = page[f"shown-q_{self.question}"][0]
            start.wait()
            for value in self.values:
                self.sent.append(value)
                status, body = client.request(
                    self.path,
                    [
                        ("csrf_token", csrf),
                        ("base_version", version),
                        (f"shown-q_{self.question}", shown),
                        (f"q_{self.question}", str(value)),
                    ],
                    json_reply=True,
                )
                self.statuses.append(status)
                reply = json.loads(body) if body.startswith("{") else {}
                if status == 200 and reply.get("status") == "saved":
                    self.acked.append(value)
                    shown = reply["answers"][self.question]["shown"]
                    version = str(reply["version"])
                else:
                    self.failure = f"{status} {body[:200]}"
                    return
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as exc:
            # the server is gone
            self.failure = f"{type(exc).__name__}: {exc}"


def _token(html: str) -> str:
    from tests.support import CSRF_RE

    match = CSRF_RE.search(html)
    assert match, html[:500]
    return match.group(1)


@pytest.fixture
def towns(registry: None, make_user: Callable[..., User]) -> list[tuple[str, str, str]]:
    """(code, first colleague, second colleague) for 27 towns in the support programme."""
    chosen = list(db.session.scalars(select(Municipality).order_by(Municipality.code).limit(27)))
    out = []
    for town in chosen:
        town.supported = True
        out.append((town.code, f"a{town.code}", f"b{town.code}"))
    db.session.commit()
    for code, first, second in out:
        make_user("municipal", code, login=first)
        make_user("municipal", code, login=second)
    return out


@pytest.fixture
def server(database_url: str) -> Iterator[Callable[[], tuple[str, subprocess.Popen[str]]]]:
    started: list[subprocess.Popen[str]] = []

    def start() -> tuple[str, subprocess.Popen[str]]:
        process = subprocess.Popen(
            [sys.executable, str(SERVE), database_url],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "DX_ENV": "testing"},
        )
        started.append(process)
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), port
        return f"http://127.0.0.1:{port}", process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def burst(
    base: str, survey_round_id: int, towns: list[tuple[str, str, str]], first_value: int
) -> tuple[list[Saver], list[threading.Thread]]:
    savers = []
    for i, (code, *logins) in enumerate(towns):
        for login, question in zip(logins, QUESTIONS, strict=True):
            if len(savers) == SAVERS:
                break
            start = first_value + 10 * i
            savers.append(
                Saver(
                    login,
                    f"/rounds/{survey_round_id}/responses/{code}/sections/basic",
                    question,
                    list(range(start, start + SAVES_PER_BURST)),
                )
            )
    barrier = threading.Barrier(len(savers), timeout=60)
    threads = [
        threading.Thread(target=s.run, args=(Client(base), barrier), daemon=True) for s in savers
    ]
    for t in threads:
        t.start()
    return savers, threads


def stored_state(round_id: int) -> dict[tuple[str, str], object]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Municipality.code, Answer.question_id, Answer.value)
        .join(Response, Answer.response_id == Response.id)
        .join(Municipality, Response.municipality_id == Municipality.id)
        .where(Response.round_id == round_id)
    )
    return {(code, qid): value for code, qid, value in rows}


def assert_audit_matches_answers(round_id: int) -> None:
    """Per answer: old → new values chain without a gap from nothing to the stored value."""
    stored = stored_state(round_id)
    chains: dict[tuple[str, str], list[AnswerChange]] = {}
    for code, change in db.session.execute(
        select(Municipality.code, AnswerChange)
        .join(Response, AnswerChange.response_id == Response.id)
        .join(Municipality, Response.municipality_id == Municipality.id)
        .where(Response.round_id == round_id)
        .order_by(AnswerChange.id)
    ):
        chains.setdefault((code, change.question_id), []).append(change)
    assert set(chains) == set(stored)
    for key, chain in chains.items():
        previous = None
        for change in chain:
            assert change.old_value == previous, key
            previous = change.new_value
        assert previous == stored[key], key


def test_53_savers_at_once_lose_nothing_even_when_the_server_is_killed(
    towns: list[tuple[str, str, str]],
    people_round: int,
    server: Callable[[], tuple[str, subprocess.Popen[str]]],
) -> None:
    started = time.monotonic()
    base, process = server()
    savers, threads = burst(base, people_round, towns, first_value=1)
    for t in threads:
        t.join(timeout=120)
    assert not [s.failure for s in savers if s.failure]
    assert all(status < 500 for s in savers for status in s.statuses)
    assert all(s.acked == s.values for s in savers)
    stored = stored_state(people_round)
    expected = {(s.path.split("/")[4], s.question): s.acked[-1] for s in savers}
    assert stored == expected
    assert_audit_matches_answers(people_round)
    first_burst = time.monotonic() - started

    # Again, and kill the server with SIGKILL once a third of the saves were acknowledged.
    savers, threads = burst(base, people_round, towns, first_value=1000)
    deadline = time.monotonic() + 60
    while sum(len(s.acked) for s in savers) < SAVERS * SAVES_PER_BURST // 3:
        assert time.monotonic() < deadline, "the burst did not get going"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    for t in threads:
        t.join(timeout=60)
    acked = sum(len(s.acked) for s in savers)
    assert 0 < acked < SAVERS * SAVES_PER_BURST  # the kill did land mid-burst
    assert all(status < 500 for s in savers for status in s.statuses)
    stored = stored_state(people_round)
    for s in savers:
        key = (s.path.split("/")[4], s.question)
        if s.acked:
            # the acknowledged value, or one sent after it whose reply died with the server
            assert stored[key] in s.sent[s.sent.index(s.acked[-1]) :], (key, stored[key], s)
        else:
            assert stored[key] in [expected[key], *s.sent], key
    assert_audit_matches_answers(people_round)
    print(f"first burst {first_burst:.1f} s; killed after {acked} acknowledged saves")


@pytest.fixture
def people_round(towns: list[tuple[str, str, str]]) -> int:
    return open_test_round(2025, "2025.1").id
