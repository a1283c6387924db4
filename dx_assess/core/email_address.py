"""Whether a text is an e-mail address as a person types it (pure), with the one message for it.

Used by the contact person on a response (dx_assess.core.answers.contact), by account imports
(dx_assess.core.accounts_import) and by the account service (dx_assess.services.accounts).
An address is ASCII: a local part of letters, digits and the RFC 5322 atom signs, one @, and a
domain of at least two dot-separated labels; at most 254 characters (RFC 5321). Callers trim
or normalise what was typed before asking.
"""

from __future__ import annotations

import re

from dx_assess.core.messages import N_, Message

#: The longest address (RFC 5321's path limit less the angle brackets).
EMAIL_MAX = 254
#: The address the messages show as an example.
EMAIL_EXAMPLE = "taro@town.example.lg.jp"
#: What a person is told beside the field when the address is not one.
EMAIL_MESSAGE = N_(
    "メールアドレスの形が正しくありません（例: %(example)s）。", example=EMAIL_EXAMPLE
)

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def is_email_address(text: str) -> bool:
    """True when ``text`` (already trimmed) has the form of an e-mail address."""
    return len(text) <= EMAIL_MAX and _EMAIL.match(text) is not None


def email_message(typed: str) -> Message:
    """The message naming what was typed, for a file's line (where no field shows it)."""
    return N_(
        "メールアドレス「%(typed)s」の形が正しくありません（例: %(example)s）。",
        typed=typed,
        example=EMAIL_EXAMPLE,
    )
