"""Review, 確認票 and 提出控え of a response, and the response's contact person.

* ``review_of``: the response as one review (every answer with its 問番号, warnings, what is
  missing) for the review page and the PDFs.
* ``confirmation_pdf``: the 確認票, rendered on request (marked 下書き・未提出 until submitted).
* ``store_receipt``: called right after a submission, in the same transaction: renders the
  提出控え from the submitted state and keeps its bytes (table ``submission_receipt``), so
  that it shows exactly what was submitted, whenever it is downloaded or mailed.
* ``receipt_pdf(session, response)``: the bytes of the latest submission's 提出控え (for the
  download and for attaching to the receipt mail); made and kept now if the PDF engine was
  missing when the response was submitted.
* ``save_contact``: the contact person (回答担当者), checked, each changed field audited as an
  ``answer_change`` row (question id ``contact.<field>``) without touching the response
  version, so the answers' optimistic concurrency is not disturbed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import select

from dx_assess.core.answers.contact import CONTACT_PREFIX, check_contact
from dx_assess.core.answers.review import (
    CONTACT_FIELDS,
    Contact,
    Review,
    SlipContext,
    build_review,
    japanese_datetime,
)
from dx_assess.core.filenames import download_name
from dx_assess.core.questionnaire import Questionnaire, check_answers
from dx_assess.core.reports import confirmation
from dx_assess.core.reports.engine import PdfEngineUnavailable
from dx_assess.core.vocabulary import Status, reiwa
from dx_assess.models import (
    AnswerChange,
    Channel,
    Municipality,
    Response,
    ResponseStatus,
    SubmissionReceipt,
    SurveyRound,
    User,
)
from dx_assess.models.base import DbSession, utcnow
from dx_assess.services import notices
from dx_assess.services.mail import Attachment
from dx_assess.services.reports.service import settings as report_settings
from dx_assess.services.responses import NotEditable, current_answers, editable_reason
from dx_assess.services.rounds import round_questionnaire

log = logging.getLogger(__name__)


def review_of(response: Response | None, questionnaire: Questionnaire) -> Review:
    answers = current_answers(response, questionnaire) if response else {}
    _values, issues = check_answers(questionnaire, answers)
    return build_review(questionnaire, answers, issues)


def contact_of(response: Response | None) -> Contact:
    if response is None:
        return Contact()
    return Contact(
        name=response.contact_name or "",
        section=response.contact_section or "",
        phone=response.contact_phone or "",
        email=response.contact_email or "",
    )


def _name(user: User | None) -> str:
    return user.display_name if user is not None else "システム"


def _slip(
    session: DbSession,
    survey_round: SurveyRound,
    municipality: Municipality,
    response: Response | None,
    kind: str,
    printed_by: User | None,
) -> SlipContext:
    submitted = response is not None and response.status is ResponseStatus.SUBMITTED
    submitter = (
        session.get(User, response.submitted_by_id)
        if response is not None and response.submitted_by_id
        else None
    )
    return SlipContext(
        kind=kind,
        title="提出控え" if kind == "receipt" else "確認票",
        municipality=municipality.name,
        round_label=f"{reiwa(survey_round.fiscal_year)} {survey_round.title}",
        status_label=Status.of(response.status if response else None).label,
        submitted=submitted,
        printed_at=japanese_datetime(utcnow()),
        printed_by=_name(printed_by),
        submitted_at=japanese_datetime(response.submitted_at)
        if response is not None and submitted and response.submitted_at
        else "",
        submitted_by=_name(submitter) if submitted else "",
        contact=contact_of(response),
        issuer=report_settings().department,  # DX_DEPARTMENT
    )


def _render(context: Mapping[str, object], template_root: Path | None) -> bytes:
    from dx_assess.core.reports.render import renderer

    result = renderer(template_root).render(confirmation.KIND, context, chart_uris={})
    return result.pdf


def confirmation_pdf(
    session: DbSession,
    survey_round: SurveyRound,
    municipality: Municipality,
    response: Response | None,
    user: User | None,
    template_root: Path | None = None,
) -> bytes:
    """The 確認票 of the response as it is now (raises PdfEngineUnavailable without Pango)."""
    questionnaire = round_questionnaire(survey_round)
    slip = _slip(session, survey_round, municipality, response, "confirmation", user)
    context = confirmation.slip_context(review_of(response, questionnaire), slip)
    return _render(context, template_root)


def _receipt_bytes(session: DbSession, response: Response, template_root: Path | None) -> bytes:
    questionnaire = round_questionnaire(response.round)
    submitter = session.get(User, response.submitted_by_id) if response.submitted_by_id else None
    slip = _slip(session, response.round, response.municipality, response, "receipt", submitter)
    context = confirmation.slip_context(review_of(response, questionnaire), slip)
    return _render(context, template_root)


def _keep(session: DbSession, response: Response, pdf: bytes) -> SubmissionReceipt:
    receipt = SubmissionReceipt(
        response_id=response.id,
        response_version=response.version,
        submitted_at=response.submitted_at or utcnow(),
        submitted_by_id=response.submitted_by_id,
        pdf=pdf,
        size=len(pdf),
    )
    session.add(receipt)
    session.flush()
    return receipt


def store_receipt(
    session: DbSession, response: Response, template_root: Path | None = None
) -> SubmissionReceipt | None:
    """Keep the 提出控え of the submission just made. None when it could not be rendered (the
    PDF engine is missing, or a rendering error, logged): the submission stands, and
    ``receipt_pdf`` makes it when it is first asked for."""
    try:
        pdf = _receipt_bytes(session, response, template_root)
    except PdfEngineUnavailable as exc:
        log.warning("no receipt kept for response %s: %s", response.id, exc)
        return None
    except Exception:  # a rendering failure never undoes the submission
        log.exception("no receipt kept for response %s: rendering failed", response.id)
        return None
    return _keep(session, response, pdf)


def latest_receipt(session: DbSession, response: Response) -> SubmissionReceipt | None:
    """The 提出控え of the response's current submission (None while not submitted)."""
    if response.status is not ResponseStatus.SUBMITTED:
        return None
    return session.scalar(
        select(SubmissionReceipt)
        .where(
            SubmissionReceipt.response_id == response.id,
            SubmissionReceipt.response_version == response.version,
        )
        .order_by(SubmissionReceipt.id.desc())
        .limit(1)
    )


def receipt_pdf(
    session: DbSession, response: Response, template_root: Path | None = None
) -> bytes | None:
    """The bytes of the response's 提出控え (None while it is not submitted). For the download
    and the receipt mail; made and kept now if none was kept at submission."""
    if response.status is not ResponseStatus.SUBMITTED:
        return None
    receipt = latest_receipt(session, response)
    if receipt is None:
        receipt = _keep(session, response, _receipt_bytes(session, response, template_root))
    return receipt.pdf


def save_contact(
    session: DbSession,
    response: Response,
    raw: Mapping[str, object],
    user: User | None,
    shown: Mapping[str, object] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Check and store the contact person. Returns (errors per field, changed fields).

    Bad input changes nothing. A field is written only when the user changed it from what
    their page showed (``shown``; else what is stored), so a stale page never takes back a
    colleague's newer entry. Each change is an ``answer_change`` row (channel ``form``)."""
    if why := editable_reason(response):
        raise NotEditable(why)
    values, errors = check_contact(raw)
    if errors:
        return errors, []
    shown_values, _shown_errors = check_contact(shown) if shown is not None else ({}, {})
    changed = []
    now = utcnow()
    for key, _label in CONTACT_FIELDS:
        stored = getattr(response, f"contact_{key}")
        new = values[key]
        seen = shown_values.get(key) if shown is not None and key in shown else stored
        if new in (seen, stored):
            continue
        session.add(
            AnswerChange(
                response_id=response.id,
                question_id=CONTACT_PREFIX + key,
                old_value=stored,
                new_value=new,
                response_version=response.version,
                channel=Channel.FORM,
                changed_at=now,
                changed_by_id=user.id if user else None,
            )
        )
        setattr(response, f"contact_{key}", new)
        changed.append(key)
    session.flush()
    return {}, changed


def file_name(survey_round: SurveyRound, municipality: Municipality, kind: str) -> str:
    """The download name of a 提出控え (``kind`` "receipt") or 確認票 ("confirmation"), by the
    one rule for downloads: ``dx_2026_提出控え_014630_占冠村.pdf``."""
    title = "提出控え" if kind == "receipt" else "確認票"
    return download_name(
        survey_round.fiscal_year, title, municipality.code, municipality.name, ext="pdf"
    )


def keep_and_send(
    session: DbSession, response: Response, template_root: Path | None = None
) -> SubmissionReceipt | None:
    """After a submission: keep its 提出控え and queue the receipt mail that carries it (the
    mail goes without the PDF when it could not be rendered; the submission stands)."""
    kept = store_receipt(session, response, template_root)
    copy = (
        Attachment(
            file_name(response.round, response.municipality, "receipt"), "application/pdf", kept.pdf
        )
        if kept is not None
        else None
    )
    notices.receipt(session, response, attachment=copy)
    return kept
