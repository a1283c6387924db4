"""Mail, pure: the prefecture's contact (問い合わせ先) and the text of every mail kind.

Nothing here sends or stores anything: :mod:`dx_assess.services.mail` queues what these
functions compose and sends it after the commit.
"""

from dx_assess.core.mail.compose import (
    MailContent,
    MailKind,
    password_reset,
    reminder,
    round_opened,
    sent_back,
    submission_receipt,
)
from dx_assess.core.mail.contact import PrefectureContact

__all__ = [
    "MailContent",
    "MailKind",
    "PrefectureContact",
    "password_reset",
    "reminder",
    "round_opened",
    "sent_back",
    "submission_receipt",
]
