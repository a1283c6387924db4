"""SQLAlchemy models. Import from here so Alembic sees every table."""

from dx_assess.models.accounts import (
    AdviserAssignment,
    Role,
    SecurityEvent,
    SecurityEventKind,
    User,
)
from dx_assess.models.base import Base
from dx_assess.models.figures import OfficialFigure
from dx_assess.models.mail import MailKind, MailStatus, OutgoingMail
from dx_assess.models.questionnaires import QuestionnaireVersion
from dx_assess.models.registry import (
    MUNICIPALITY_KINDS,
    Municipality,
    Subprefecture,
    SupportedListChange,
)
from dx_assess.models.reports import (
    ReportFile,
    ReportItem,
    ReportItemStatus,
    ReportJob,
    ReportJobStatus,
    ReportRender,
)
from dx_assess.models.survey import (
    Answer,
    AnswerChange,
    Channel,
    EventKind,
    Response,
    ResponseEvent,
    ResponseStatus,
    SubmissionReceipt,
    SurveyRound,
)
from dx_assess.models.uploads import StagedUpload, UploadKind

__all__ = [
    "MUNICIPALITY_KINDS",
    "AdviserAssignment",
    "Answer",
    "AnswerChange",
    "Base",
    "Channel",
    "EventKind",
    "MailKind",
    "MailStatus",
    "Municipality",
    "OfficialFigure",
    "OutgoingMail",
    "QuestionnaireVersion",
    "ReportFile",
    "ReportItem",
    "ReportItemStatus",
    "ReportJob",
    "ReportJobStatus",
    "ReportRender",
    "Response",
    "ResponseEvent",
    "ResponseStatus",
    "Role",
    "SecurityEvent",
    "SecurityEventKind",
    "StagedUpload",
    "SubmissionReceipt",
    "Subprefecture",
    "SupportedListChange",
    "SurveyRound",
    "UploadKind",
    "User",
]
