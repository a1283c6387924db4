"""One unit of work per request and per CLI command: the only place that commits.

Views, CLI commands and services never call ``commit()`` or ``rollback()``; services take a
session and only flush. The transaction of a request ends here, once, when the view is done:

* the view **returned** a response with a status below 400 (a page, a redirect): commit;
* the view returned a **refusal** (status 400 or more: a form shown again with its errors, a
  conflict, a busy database): roll back;
* the view **raised** (``abort(403)``, a database error, a bug): roll back; the error
  handlers (:mod:`dx_assess.web.errors`) answer, and the session is removed at teardown.

Two explicit, small exceptions, each one call in the view that needs it:

* :func:`keep` — commit this request although its answer is a refusal. A failed log-in
  (401) and a throttled log-in (429, raised by the limiter) record a ``security_event``; a
  staged upload answered 409/422 remembers which preview the page below shows. ``keep()``
  never commits after an unexpected exception: only after a returned refusal or an
  ``HTTPException`` (``abort``, the limiter's 429).
* :func:`undo` — a refusal found after the request has written (``WriteRefused`` after the
  response row was created, a submission with open issues, an account change refused
  part-way): what the request wrote is rolled back at once, so that the redirect or the page
  shown next reflects what is stored. Whatever the view writes after ``undo()`` still follows
  the rules above.

Two helpers for code that must end a transaction before the request ends:

* :func:`attempt` — one try of a write that a retry loop repeats within the request (the
  answer save of :mod:`dx_assess.web.answering.save`, whose commit a busy database may refuse):
  the try is committed when its block ends (or rolled back if :meth:`Attempt.discard` was
  called) and rolled back when the block raises, so the next try starts clean.
* :func:`release` — commit what the request did so far before slow work that needs no open
  transaction (rendering a report PDF); the report task runner
  (:mod:`dx_assess.services.reports.jobs`) ends each step of a batch (claim, render, finish)
  with it too, before the next message is sent, and rolls a failed step back with
  :func:`undo`.

CLI commands run the same way (:func:`wrap_cli`, applied by ``cli.register_cli`` to every
command of the app but Alembic's ``db``): commit when the command returns or exits with
status 0, roll back when it fails.
A commit refused by a busy database raises ``OperationalError`` inside the view's dispatch,
so the busy page (503) of :mod:`dx_assess.web.errors` answers and nothing is half-committed; what
the view had put in the session cookie (a flashed "保存しました。", a log-in) is taken back too.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

import click
from flask import Flask, g, has_app_context, session
from flask.cli import with_appcontext
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from dx_assess.models.base import DbSession

_KEEP = "_dx_uow_keep"


def _session() -> Any:
    from dx_assess.extensions import db

    return db.session


def _has_session() -> bool:
    """Whether this request or command opened a session (a static file does not)."""
    return has_app_context() and bool(_session().registry.has())


def keep() -> None:
    """Commit this request at its end although its answer is a refusal (see the module)."""
    setattr(g, _KEEP, True)


def kept() -> bool:
    return bool(g.get(_KEEP, False))


def undo(session: DbSession | None = None) -> None:
    """Roll back now what this request (or the background task owning ``session``) has
    written so far: a refusal found after writing, a step of a batch that failed."""
    (session if session is not None else _session()).rollback()


def abandon() -> None:
    """Roll back, quietly when the database is gone (there is nothing to undo then): for the
    error handlers and health checks, which must answer without the database."""
    if not _has_session():
        return
    with contextlib.suppress(SQLAlchemyError):
        _session().rollback()


def release(session: DbSession) -> None:
    """End the transaction here (commit): before slow work that needs no open transaction
    (rendering a PDF), and at each step of a report batch, whose next message must see what
    the step wrote (:mod:`dx_assess.services.reports.jobs`)."""
    session.commit()


class Attempt:
    """One try of :func:`attempt`; :meth:`discard` makes its end roll back instead."""

    def __init__(self) -> None:
        self.discarded = False

    def discard(self) -> None:
        self.discarded = True


@contextlib.contextmanager
def attempt(session: DbSession) -> Iterator[Attempt]:
    """One try of a retried write: committed when the block ends (rolled back if discarded),
    rolled back when it raises (the exception goes on, for the retry loop to decide)."""
    one = Attempt()
    try:
        yield one
        if one.discarded:
            session.rollback()
        else:
            session.commit()  # a busy database may refuse the commit too: the caller retries
    except BaseException:
        session.rollback()
        raise


def finish(*, succeeded: bool) -> None:
    """End the transaction: commit when ``succeeded`` or :func:`keep` was called, else roll
    back. A failing commit is rolled back and raised."""
    if not _has_session():
        return
    session = _session()
    if not (succeeded or kept()):
        session.rollback()
        return
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise


class UnitOfWorkFlask(Flask):
    """Flask whose every view runs in one unit of work (see the module docstring)."""

    def dispatch_request(self) -> ResponseReturnValue:
        cookie = session._get_current_object()  # type: ignore[attr-defined]
        before = dict.copy(cookie)  # not an access: no "Vary: Cookie" for this
        try:
            try:
                returned = super().dispatch_request()
            except HTTPException:
                finish(succeeded=False)  # a refusal: committed only when kept
                raise
            except BaseException:
                if _has_session():
                    _session().rollback()
                raise
            response = self.make_response(returned)
            finish(succeeded=response.status_code < 400)
        except SQLAlchemyError:
            _forget_said(cookie, before)
            raise
        return response


def _forget_said(cookie: dict[str, Any], before: dict[str, Any]) -> None:
    """A commit that failed (or a database error in the view) takes back what the view told
    the browser: its flashed messages ("保存しました。") and a log-in it made."""
    if dict.copy(cookie) != before:
        cookie.clear()
        cookie.update(before)
    g.pop("_login_user", None)  # Flask-Login's user of this request: read again from the cookie


def _succeeded(exc: BaseException) -> bool:
    code = getattr(exc, "exit_code", getattr(exc, "code", 1))
    return isinstance(exc, click.exceptions.Exit | SystemExit) and code in (0, None)


def in_unit_of_work(callback: Callable[..., Any]) -> Callable[..., Any]:
    """``callback`` (a CLI command) run as one unit of work."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            result = callback(*args, **kwargs)
        except BaseException as exc:
            finish(succeeded=_succeeded(exc))
            raise
        finish(succeeded=True)
        return result

    return run


def wrap_cli(command: click.Command) -> None:
    """Run ``command`` (and every command of a group, recursively) in a unit of work."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            wrap_cli(sub)
        return
    if command.callback is not None and not getattr(command, "_dx_uow", False):
        command.callback = with_appcontext(in_unit_of_work(command.callback))
        command._dx_uow = True  # type: ignore[attr-defined]
