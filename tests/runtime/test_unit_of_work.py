"""The unit of work (dx_assess/unit_of_work.py): one transaction per request and per CLI
command, ended in one place.

Each test view writes one security_event row with a marker in ``detail`` and ends in a
different way; a fresh session then counts what the database holds. A last test scans the
package for ``.commit()`` / ``.rollback()`` outside the files allowed to end transactions.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from flask import Flask, abort, flash, redirect
from flask.cli import AppGroup
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from dx_assess import unit_of_work
from tests.support import TEST_PASSWORD, Browser, empty_database
from tests.support.paths import REPO


def _write(marker: str) -> None:
    from dx_assess.extensions import db
    from dx_assess.models import SecurityEventKind
    from dx_assess.services.security_log import record

    record(db.session, SecurityEventKind.LOGIN_FAILED, detail=marker)
    db.session.flush()


def _stored(app: Flask, marker: str) -> int:
    """How many rows with ``marker`` the database holds (read in a session of its own)."""
    from dx_assess.extensions import db
    from dx_assess.models import SecurityEvent

    with app.app_context():
        found = db.session.scalar(
            select(func.count()).select_from(SecurityEvent).where(SecurityEvent.detail == marker)
        )
        db.session.remove()
    return int(found or 0)


@pytest.fixture(scope="module")
def uow_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """An app of its own (the shared one has served requests: no routes may be added), on
    the database the shared fixture migrated, with a view for every way a request ends."""
    from dx_assess import create_app

    application = create_app(
        {
            "DX_ENV": "testing",
            "DATABASE_URL": database_url,
            "DX_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    application.config["PROPAGATE_EXCEPTIONS"] = False  # the 500 page answers, as in production

    @application.get("/uow/ok")
    def ok() -> str:
        _write("ok")
        return "done"

    @application.get("/uow/redirect")
    def redirected() -> object:
        _write("redirect")
        return redirect("/login")

    @application.get("/uow/raises")
    def raises() -> str:
        _write("raises")
        raise RuntimeError("a bug after writing")

    @application.get("/uow/refused")
    def refused() -> tuple[str, int]:
        _write("refused")
        return "shown again with errors", 422

    @application.get("/uow/aborted")
    def aborted() -> str:
        _write("aborted")
        abort(403)

    @application.get("/uow/kept")
    def kept() -> tuple[str, int]:
        _write("kept")
        unit_of_work.keep()
        return "refused, but recorded", 401

    @application.get("/uow/kept-abort")
    def kept_abort() -> str:
        _write("kept-abort")
        unit_of_work.keep()
        abort(429)

    @application.get("/uow/kept-bug")
    def kept_bug() -> str:
        _write("kept-bug")
        unit_of_work.keep()
        raise RuntimeError("keep() never covers a bug")

    @application.get("/uow/undone")
    def undone() -> object:
        _write("undone")
        unit_of_work.undo()
        _write("after-undo")
        return redirect("/login")

    @application.get("/uow/busy-commit")
    def busy_commit() -> str:
        _write("busy-commit")
        flash("保存しました。", "success")  # said before the commit that then fails
        return "the commit below fails"

    yield application
    from dx_assess.extensions import db

    with application.app_context():
        db.session.remove()
        db.engine.dispose()  # no connection of this app is left for the garbage collector


@pytest.fixture
def client(uow_app: Flask, db_session: object) -> Iterator[Browser]:
    yield Browser(uow_app)
    with uow_app.app_context():
        empty_database()


@pytest.fixture
def commits(uow_app: Flask) -> Iterator[list[int]]:
    """The commits of the test app's sessions, one entry each."""
    from dx_assess.extensions import db

    seen: list[int] = []
    with uow_app.app_context():
        session_class = type(db.session())
        db.session.remove()

    def count(_session: object) -> None:
        seen.append(1)

    event.listen(session_class, "after_commit", count)
    yield seen
    event.remove(session_class, "after_commit", count)


def test_a_view_that_writes_and_answers_200_commits_once(
    client: Browser, uow_app: Flask, commits: list[int]
) -> None:
    answer = client.get("/uow/ok")
    assert answer.status_code == 200
    assert len(commits) == 1
    assert _stored(uow_app, "ok") == 1


def test_a_view_that_writes_then_raises_leaves_nothing(
    client: Browser, uow_app: Flask, commits: list[int]
) -> None:
    answer = client.get("/uow/raises")
    assert answer.status_code == 500
    assert "システムエラーが発生しました" in answer.get_data(as_text=True)
    assert _stored(uow_app, "raises") == 0
    assert commits == []


@pytest.mark.parametrize(
    ("path", "status", "stored"),
    [
        ("/uow/redirect", 302, 1),  # a redirect succeeded
        ("/uow/refused", 422, 0),  # a page shown again with errors
        ("/uow/aborted", 403, 0),
        ("/uow/kept", 401, 1),  # keep(): a refusal that records something
        ("/uow/kept-abort", 429, 1),  # keep() then a raised refusal (the limiter's 429)
        ("/uow/kept-bug", 500, 0),  # keep() never covers a bug
    ],
)
def test_how_a_request_ends_decides_what_is_kept(
    client: Browser, uow_app: Flask, path: str, status: int, stored: int
) -> None:
    assert client.get(path).status_code == status
    assert _stored(uow_app, path.removeprefix("/uow/")) == stored


def test_undo_drops_what_was_written_before_it_only(client: Browser, uow_app: Flask) -> None:
    assert client.get("/uow/undone").status_code == 302
    assert _stored(uow_app, "undone") == 0
    assert _stored(uow_app, "after-undo") == 1


@contextlib.contextmanager
def busy_commits(app: Flask) -> Iterator[list[int]]:
    """Every commit of ``app``'s sessions refused as by a locked database (one entry each)."""
    from dx_assess.extensions import db

    with app.app_context():
        session_class = type(db.session())
        db.session.remove()
    refused: list[int] = []

    def refuse(_session: object) -> None:
        refused.append(1)
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))

    event.listen(session_class, "before_commit", refuse)
    try:
        yield refused
    finally:
        event.remove(session_class, "before_commit", refuse)


def test_a_busy_database_refusing_the_commit_answers_503_and_keeps_nothing(
    client: Browser, uow_app: Flask
) -> None:
    with busy_commits(uow_app) as refused:
        answer = client.get("/uow/busy-commit")
    assert refused, "the commit was not tried"
    assert answer.status_code == 503
    page = answer.get_data(as_text=True)
    assert "混み合っているため保存できませんでした" in page
    assert _stored(uow_app, "busy-commit") == 0
    # what the view said before the commit failed is not said at all
    assert "保存しました。" not in page
    assert "保存しました。" not in client.get("/login").get_data(as_text=True)


def test_a_log_in_whose_commit_fails_does_not_sign_in(
    client: Browser, uow_app: Flask, make_user: object
) -> None:
    make_user("prefecture", login="pref-busy")  # type: ignore[operator]
    token = client.csrf_token("/login")
    with busy_commits(uow_app) as refused:
        answer = client.request(
            "POST",
            "/login",
            data={"login": "pref-busy", "password": TEST_PASSWORD, "csrf_token": token},
        )
    assert refused
    assert answer.status_code == 503
    assert "としてログインしました" not in answer.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # still signed out: the form again
    assert client.login("pref-busy").status_code == 302  # and signing in works afterwards


def test_a_refused_log_in_keeps_its_security_event(
    client: Browser, uow_app: Flask, make_user: object
) -> None:
    from dx_assess.extensions import db
    from dx_assess.models import SecurityEvent, SecurityEventKind

    make_user("prefecture", login="pref-uow")  # type: ignore[operator]
    answer = client.login("pref-uow", "not-the-password")
    assert answer.status_code == 401
    with uow_app.app_context():
        kinds = db.session.scalars(
            select(SecurityEvent.kind).where(SecurityEvent.login == "pref-uow")
        ).all()
        db.session.remove()
    assert SecurityEventKind.LOGIN_FAILED in kinds


def _stale_attempt() -> None:
    from dx_assess.extensions import db

    with unit_of_work.attempt(db.session):
        _write("attempt-raised")
        raise LookupError("stale")


def test_an_attempt_commits_discards_or_rolls_back(uow_app: Flask, db_session: object) -> None:
    from dx_assess.extensions import db

    with uow_app.app_context():
        with unit_of_work.attempt(db.session):
            _write("attempt-ok")
        with unit_of_work.attempt(db.session) as one:
            _write("attempt-discarded")
            one.discard()
        with pytest.raises(LookupError):
            _stale_attempt()
        db.session.remove()
    assert _stored(uow_app, "attempt-ok") == 1
    assert _stored(uow_app, "attempt-discarded") == 0
    assert _stored(uow_app, "attempt-raised") == 0
    with uow_app.app_context():
        empty_database()


def test_a_cli_command_commits_when_it_succeeds_only(uow_app: Flask, db_session: object) -> None:
    group = AppGroup("uow-test")

    @group.command("ok")
    def ok() -> None:
        _write("cli-ok")

    @group.command("fails")
    def fails() -> None:
        _write("cli-fails")
        raise click.ClickException("refused")

    @group.command("exits")
    def exits() -> None:
        _write("cli-exits")
        raise SystemExit(1)

    unit_of_work.wrap_cli(group)
    runner = uow_app.test_cli_runner()
    assert runner.invoke(group, ["ok"]).exit_code == 0
    assert runner.invoke(group, ["fails"]).exit_code == 1
    assert runner.invoke(group, ["exits"]).exit_code == 1
    assert _stored(uow_app, "cli-ok") == 1
    assert _stored(uow_app, "cli-fails") == 0
    assert _stored(uow_app, "cli-exits") == 0
    with uow_app.app_context():
        empty_database()


# --- only the unit of work ends transactions ---------------------------------------------------

PACKAGE = REPO / "dx_assess"
ENDS_TRANSACTION = re.compile(r"\.(commit|rollback)\(\)")
#: The files allowed to end a transaction, and why.
ALLOWED = {
    "unit_of_work.py": "the unit of work of requests, CLI commands and report batch steps",
}


def transaction_ends(root: Path) -> dict[str, list[int]]:
    """``.commit()`` / ``.rollback()`` calls per file under ``root`` (line numbers)."""
    found: dict[str, list[int]] = {}
    for path in sorted(root.rglob("*.py")):
        lines = [
            n
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if ENDS_TRANSACTION.search(line.split("#", 1)[0])
        ]
        if lines:
            found[path.relative_to(root).as_posix()] = lines
    return found


def test_the_scan_finds_a_commit(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text("def save(s):\n    s.commit()\n", encoding="utf-8")
    (tmp_path / "ok.py").write_text("# no s.commit() here, a comment\n", encoding="utf-8")
    assert transaction_ends(tmp_path) == {"views.py": [2]}


def test_only_the_unit_of_work_and_the_task_runner_end_transactions() -> None:
    found = transaction_ends(PACKAGE)
    assert "unit_of_work.py" in found  # the scan sees the package
    outside = {name: lines for name, lines in found.items() if name not in ALLOWED}
    assert outside == {}, f"commit()/rollback() outside the unit of work: {outside}"
