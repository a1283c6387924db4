"""Excel upload between preview and apply: the parsed answers are staged on the server.

The preview is computed here and applied exactly as shown: for every answer in the file,

* the same as now: nothing to do;
* different, and nobody changed the question since the file was downloaded: a change;
* different, but a colleague changed it on the screen after the download while the file still
  holds the old value: the colleague's answer is kept (listed);
* changed both in the file and on the screen since the download: a conflict; nothing can be
  applied until it is resolved (download a new file, or change it on the screen).

Apply names only the staged row (see :mod:`dx_assess.services.staged`); if any answer of the
file changed since the preview, the preview is shown again, recomputed, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from dx_assess.core.answers.values import to_json
from dx_assess.core.excel.reading import ParsedUpload
from dx_assess.core.excel.workbook import PreviewRow, display_answer, normal_answer
from dx_assess.core.messages import N_
from dx_assess.core.questionnaire import Questionnaire
from dx_assess.models import (
    AnswerChange,
    Channel,
    Municipality,
    Response,
    StagedUpload,
    SurveyRound,
    UploadKind,
    User,
)
from dx_assess.models.base import DbSession
from dx_assess.services import staged
from dx_assess.services.responses import current_answers, get_or_create_response
from dx_assess.services.saving import SaveResult, save_answers


@dataclass(frozen=True)
class OtherChange:
    """An answer someone changed on the screen after the file was downloaded."""

    question_id: str
    text: str
    now: str  # the answer now (display)
    file: str  # the file's answer (display)
    by: str


@dataclass
class ExcelReview:
    staged: StagedUpload
    rows: list[PreviewRow] = field(default_factory=list)  # what apply will change
    changes: dict[str, object] = field(default_factory=dict)  # question id -> raw value
    kept: list[OtherChange] = field(default_factory=list)  # others' changes that stay
    conflicts: list[OtherChange] = field(default_factory=list)  # block the apply
    changed_since: list[str] = field(default_factory=list)  # question texts, since the preview

    @property
    def can_apply(self) -> bool:
        return bool(self.changes) and not self.conflicts and not self.changed_since


def _history(
    session: DbSession, response: Response | None, file_version: int
) -> dict[str, list[AnswerChange]]:
    if response is None:
        return {}
    rows = session.scalars(
        select(AnswerChange)
        .where(
            AnswerChange.response_id == response.id,
            AnswerChange.response_version > file_version,
        )
        .order_by(AnswerChange.id)
    )
    out: dict[str, list[AnswerChange]] = {}
    for row in rows:
        out.setdefault(row.question_id, []).append(row)
    return out


def _plan(
    session: DbSession,
    row: StagedUpload,
    response: Response | None,
    questionnaire: Questionnaire,
) -> tuple[ExcelReview, dict[str, Any]]:
    posted: dict[str, object] = row.payload["posted"]
    current = current_answers(response, questionnaire) if response else {}
    history = _history(session, response, int(row.payload["file_version"]))
    review = ExcelReview(row)
    for q in questionnaire.questions:
        if q.derived or q.id not in posted:
            continue
        mine = normal_answer(q, posted[q.id])
        now = normal_answer(q, current.get(q.id))
        if mine == now:
            continue
        changes = history.get(q.id)
        if changes:
            at_download = normal_answer(q, changes[0].old_value)
            last = changes[-1]
            other = OtherChange(
                q.id,
                q.text,
                display_answer(q, now),
                display_answer(q, mine),
                last.changed_by.display_name if last.changed_by else N_("システム"),
            )
            (review.kept if mine == at_download else review.conflicts).append(other)
            continue
        review.rows.append(
            PreviewRow(q.id, q.text, display_answer(q, now), display_answer(q, mine))
        )
        review.changes[q.id] = posted[q.id]
    seen = {qid: to_json(current.get(qid)) for qid in posted}
    return review, seen


def stage_excel(
    session: DbSession,
    *,
    survey_round: SurveyRound,
    municipality: Municipality,
    response: Response | None,
    questionnaire: Questionnaire,
    data: bytes,
    parsed: ParsedUpload,
    source_name: str,
    user: User,
) -> ExcelReview:
    """Stage a parsed workbook and return its preview (it only flushes)."""
    row = staged.stage(
        session,
        kind=UploadKind.EXCEL,
        data=data,
        source_name=source_name,
        survey_round=survey_round,
        municipality_id=municipality.id,
        user=user,
        payload={"posted": parsed.posted, "file_version": parsed.meta.response_version},
        seen={},
    )
    review, seen = _plan(session, row, response, questionnaire)
    row.seen = seen
    return review


def review_excel(
    session: DbSession,
    row: StagedUpload,
    response: Response | None,
    questionnaire: Questionnaire,
) -> ExcelReview:
    """The staged file against the current answers; records this preview as seen."""
    review, seen = _plan(session, row, response, questionnaire)
    before = row.seen or {}
    review.changed_since = [
        questionnaire.question(qid).text for qid in seen if before.get(qid) != seen[qid]
    ]
    row.seen = seen
    return review


def reason(row: StagedUpload) -> str:
    return f"Excelファイル「{row.source_name}」から（SHA-256 {row.sha256[:12]}）"


def apply_excel(
    session: DbSession,
    *,
    survey_round: SurveyRound,
    municipality: Municipality,
    response: Response | None,
    questionnaire: Questionnaire,
    review: ExcelReview,
    user: User,
) -> SaveResult:
    """Write the reviewed changes as one audited save (it only flushes: the unit of work
    commits or rolls back)."""
    if not review.can_apply:
        raise staged.StagedUploadRefused(
            N_("この内容は反映できません。確認の画面を見直してください。")
        )
    staged.mark_applied(session, review.staged, user)
    if response is None:
        response = get_or_create_response(session, survey_round, municipality)
    return save_answers(
        session,
        response,
        questionnaire,
        review.changes,
        base_version=response.version,  # compared with the current answers just above
        user=user,
        channel=Channel.EXCEL,
        reason=reason(review.staged),
    )
