"""Messages that pure code and services give to people, translatable by the web layer.

A :class:`Message` is the Japanese text itself (a ``str``: logs, the audit trail and callers
that only need Japanese keep working), and also remembers its catalogue id and parameters so
that a page in another language can translate it (``dx_assess.web.labels.translated``).
:func:`N_` makes one and marks the text for Babel's extractor (babel.cfg lists the keyword).

    raise RoundError(N_("%(year)s年度の調査回は既にあります。", year=2025))

Parameters may themselves be messages (translated too) or a tuple of messages and texts
(translated and joined by a space, as the location of a problem: 「シート「回答」 12行目」);
a date is written in 和暦 (令和7年4月1日), and as the page's date filter shows it elsewhere;
a :class:`FiscalYear` as 令和7年度 (FY2025 in English).
No Flask here: the core and the services stay pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from dx_assess.core.vocabulary import reiwa, wareki


def _filled(value: object) -> object:
    if isinstance(value, tuple | list):
        return " ".join(str(v) for v in value if v)
    if isinstance(value, date) and not isinstance(value, datetime):
        return wareki(value)  # 令和7年4月1日 (a page in English shows 2025-04-01)
    return value


class FiscalYear(int):
    """A fiscal year as a message parameter: 令和7年度 in Japanese (FY2025 on an English page)."""

    def __str__(self) -> str:
        return reiwa(int(self))


class Message(str):
    """The Japanese text, with its catalogue id and parameters kept for translation."""

    msgid: str
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, params: Mapping[str, Any] | None = None) -> Message:
        params = dict(params or {})
        text = msgid % {k: _filled(v) for k, v in params.items()} if params else msgid
        self = super().__new__(cls, text)
        self.msgid = msgid
        self.params = params
        return self

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, {dict(self.params)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message, (self.msgid, dict(self.params)))


def N_(msgid: str, /, **params: Any) -> Message:
    """A message to translate later: ``msgid`` is Japanese, with ``%(name)s`` placeholders."""
    return Message(msgid, params)


def message_of(exc: BaseException) -> str:
    """The message an exception was raised with: a :class:`Message` when it was given one
    (so that the web layer can translate it), else the exception's text."""
    if exc.args and isinstance(exc.args[0], Message) and len(exc.args) == 1:
        return exc.args[0]
    return str(exc)
