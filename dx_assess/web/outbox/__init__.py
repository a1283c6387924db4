"""「送信メール」 (the outbox, admin only), and the send that follows a request that queued mail.

After a request that queued a mail (``services.mail.queue`` marks its session) has been
committed, the queued mails are sent when the response has been delivered
(``Response.call_on_close``, in a fresh app context): the user never waits for the mail
server, and a failure leaves the mail queued for ``dx-assess mail send``."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.wrappers import Response

from dx_assess import unit_of_work
from dx_assess.extensions import db
from dx_assess.services.mail import QUEUED_FLAG, send_pending

log = logging.getLogger("dx_assess.mail")

#: How many mails the send after a request handles at most (the timer sends the rest).
AFTER_REQUEST_LIMIT = 50


def _send_after(app: Flask) -> None:
    with app.app_context():
        try:
            send_pending(db.session, limit=AFTER_REQUEST_LIMIT)
        except Exception:  # never let mail break a request; the timer retries
            log.exception("sending the queued mails after a request failed")
            unit_of_work.abandon()


def init_app(app: Flask) -> None:
    @app.after_request
    def send_queued_mail(response: Response) -> Response:
        # after_request runs after the unit of work committed (or rolled back) the view
        if app.config.get("DX_MAIL_BACKEND") == "smtp" and db.session.info.pop(QUEUED_FLAG, False):
            response.call_on_close(lambda: _send_after(app))
        return response
