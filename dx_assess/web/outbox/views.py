"""「送信メール」: every mail the service queued, newest first, and each one in full."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from dx_assess.extensions import db
from dx_assess.models import OutgoingMail
from dx_assess.services.mail import outbox_page
from dx_assess.web.access import Duty, require_duty
from dx_assess.web.outbox.presenters import mail_view

bp = Blueprint("outbox", __name__, template_folder="templates", url_prefix="/admin/mail")


@bp.route("")
@require_duty(Duty.READ_MAIL)
def mails() -> str:
    page = max(request.args.get("page", default=1, type=int) or 1, 1)
    rows, more = outbox_page(db.session, page=page)
    return render_template(
        "outbox/list.html",
        mails=[mail_view(m) for m in rows],
        page=page,
        more=more,
        backend=current_app.config.get("DX_MAIL_BACKEND"),
    )


@bp.route("/<int:mail_id>")
@require_duty(Duty.READ_MAIL)
def mail(mail_id: int) -> str:
    row = db.get_or_404(OutgoingMail, mail_id)
    return render_template("outbox/mail.html", mail=mail_view(row))
