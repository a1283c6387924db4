"""One guard for every request, and one rule for every ``next=`` redirect.

:func:`check_request` runs before any other ``before_request`` function (CSRF included) and
answers the Japanese 400 page (:mod:`dx_assess.web.errors`) when a request carries characters
that no form or link of the service ever sends, before any view or the database sees them:

* in the URL path and in query parameter names: any C0 control character (U+0000–U+001F,
  tab, CR and LF included) and DEL (U+007F); in query values the same except tab (a search
  pasted from a spreadsheet may hold one);
* in form fields (names and values) and uploaded file names: NUL (U+0000), which PostgreSQL
  cannot store in text; file names also refuse every other control character. Tab, CR and LF
  stay allowed in form values (a text area holds line breaks); other characters in answers are
  the answer checks' business, with a message beside the field.

:func:`safe_next` is the only way a ``next=`` target is followed: a same-site path, never a
scheme, a host, a backslash or a control character (browsers drop tabs and line breaks, so
``/\\t/evil.example`` would become ``//evil.example``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.exceptions import BadRequest

_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_QUERY_VALUE_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_FILENAME_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FORM_CONTROL = re.compile(r"\x00")


class HostileInput(BadRequest):
    """A request carrying characters the service never sends (answered with 400)."""

    description = "request contains control characters"


def _refuse(where: str) -> None:
    raise HostileInput(f"control character in {where}")


def check_request() -> None:
    """Refuse the request (HostileInput, 400) when its path, query or form hold characters
    that are never legitimate there (see the module docstring)."""
    if _URL_CONTROL.search(request.path):
        _refuse("path")
    for name, value in request.args.items(multi=True):
        if _URL_CONTROL.search(name) or _QUERY_VALUE_CONTROL.search(value):
            _refuse("query")
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        for name, value in request.form.items(multi=True):
            if _FORM_CONTROL.search(name) or _FORM_CONTROL.search(value):
                _refuse("form")
        for name, upload in request.files.items(multi=True):
            if _FORM_CONTROL.search(name) or _FILENAME_CONTROL.search(upload.filename or ""):
                _refuse("file name")


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a path on this site (``/rounds?x=1``), else None."""
    if not target or _URL_CONTROL.search(target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def init_app(app: Flask) -> None:
    """Run :func:`check_request` first, before every other ``before_request`` function."""
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
