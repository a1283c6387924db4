"""Staged uploads: an uploaded file's parsed content kept on the server between preview and apply.

The upload page parses the file and stores what it says (``payload``) together with the answers
the preview compared it with (``seen``) in a ``staged_upload`` row, and the preview page names
only that row's id. Apply reads everything from the row: values and the audit reason never come
back from the browser. Before writing, apply compares the current answers with ``seen``: an
answer that changed since the preview is never overwritten silently; the preview is shown again,
recomputed, with those answers marked, and nothing is written until the user confirms again.

A row is applied at most once (a compare-and-set on ``applied_at`` in the same transaction as
the answers), only by the user who uploaded it (who must still pass the page's access check),
and rows older than :data:`MAX_AGE` are deleted whenever a new file is staged.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, update

from dx_assess.core.messages import N_, Message
from dx_assess.core.vocabulary import jst
from dx_assess.models import StagedUpload, SurveyRound, UploadKind, User
from dx_assess.models.base import DbSession, utcnow
from dx_assess.services.responses import WriteRefused

#: How long a preview can be applied; older staged rows are pruned.
MAX_AGE = timedelta(hours=24)
NAME_LENGTH = 200

EXPIRED = N_(
    "確認の画面の内容が見つかりません（時間がたって無効になったか、別の方の画面です）。"
    "ファイルをもう一度アップロードしてください。"
)


class StagedUploadRefused(WriteRefused):
    """The staged upload cannot be applied (missing, someone else's, expired, applied)."""


def file_name(raw: str | None, default: str) -> str:
    """The uploaded file's name as shown in the audit trail: its last path part, without
    control or format characters (a right-to-left override could disguise it), shortened."""
    name = os.path.basename((raw or "").replace("\\", "/"))
    name = "".join(
        c
        for c in name
        if unicodedata.category(c)[0] != "C" and unicodedata.category(c) not in ("Zl", "Zp")
    )
    name = name.strip()[:NAME_LENGTH]
    return name or default


def prune(session: DbSession) -> int:
    """Delete staged rows older than :data:`MAX_AGE`; the number deleted."""
    result = session.execute(
        delete(StagedUpload)
        .where(StagedUpload.created_at < utcnow() - MAX_AGE)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def stage(
    session: DbSession,
    *,
    kind: UploadKind,
    data: bytes,
    source_name: str,
    survey_round: SurveyRound,
    municipality_id: int | None,
    user: User,
    payload: Any,
    seen: Any,
) -> StagedUpload:
    """Store a parsed upload; it only flushes (the unit of work commits)."""
    prune(session)
    row = StagedUpload(
        kind=kind,
        sha256=hashlib.sha256(data).hexdigest(),
        source_name=source_name,
        round_id=survey_round.id,
        municipality_id=municipality_id,
        payload=payload,
        seen=seen,
        created_by_id=user.id,
    )
    session.add(row)
    session.flush()
    return row


def load(
    session: DbSession,
    raw_id: str | None,
    *,
    kind: UploadKind,
    survey_round: SurveyRound,
    municipality_id: int | None,
    user: User,
) -> StagedUpload:
    """The staged row named by the form, if this user may apply it here; else refuse."""
    text = (raw_id or "").strip()
    row = session.get(StagedUpload, int(text)) if text.isascii() and text.isdigit() else None
    if (
        row is None
        or row.kind is not kind
        or row.round_id != survey_round.id
        or row.municipality_id != municipality_id
        or row.created_by_id != user.id
        or row.created_at < utcnow() - MAX_AGE
    ):
        raise StagedUploadRefused(EXPIRED)
    if row.applied_at is not None:
        raise StagedUploadRefused(already_applied(row))
    return row


def already_applied(row: StagedUpload) -> Message:

    when = jst(row.applied_at) if row.applied_at else ""
    return N_(
        "このファイル（%(name)s）の内容はすでに反映しました（%(when)s）。"
        "同じ内容をもう一度反映するには、ファイルをアップロードし直してください。",
        name=row.source_name,
        when=when,
    )


def mark_applied(session: DbSession, row: StagedUpload, user: User) -> None:
    """Claim the row for this apply; refuse if another apply claimed it first."""
    result = session.execute(
        update(StagedUpload)
        .where(StagedUpload.id == row.id, StagedUpload.applied_at.is_(None))
        .values(applied_at=utcnow(), applied_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        # the caller's unit of work rolls back on the refusal; read the other apply's claim
        claimed = session.get(StagedUpload, row.id, populate_existing=True)
        raise StagedUploadRefused(already_applied(claimed or row))
    session.expire(row, ["applied_at", "applied_by_id"])
