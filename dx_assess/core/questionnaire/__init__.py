"""Versioned questionnaires: file format, loader, checks, diff and version mapping.

A pure package: it imports neither Flask nor SQLAlchemy, so the CLI, the web app, the
scoring engine and the tests can all use it. See ``questionnaires/README.md`` for the format.
"""

from __future__ import annotations

from dx_assess.core.questionnaire.answers import (
    AnswerIssue,
    check_answers,
    question_score,
    with_derived,
)
from dx_assess.core.questionnaire.conditions import (
    effective_answers,
    evaluate,
    visible_question_ids,
)
from dx_assess.core.questionnaire.diff import (
    QuestionChange,
    ScoringChange,
    VersionDiff,
    describe_scoring,
    diff_versions,
    format_diff,
)
from dx_assess.core.questionnaire.errors import AnswerError, Problem, QuestionnaireError
from dx_assess.core.questionnaire.loader import (
    content_hash,
    load_bytes,
    load_questionnaire,
    read_questionnaire,
)
from dx_assess.core.questionnaire.mapping import (
    Carry,
    VersionMapping,
    build_mapping,
    carry_forward,
    check_mapping,
)
from dx_assess.core.questionnaire.model import (
    Case,
    Choice,
    Condition,
    CrossFieldRule,
    GridRow,
    LevelThresholds,
    MaturityLevel,
    Pillar,
    Question,
    Questionnaire,
    Recommendation,
    ScoringRule,
    Section,
    VersionMap,
)
from dx_assess.core.questionnaire.repository import (
    QuestionnaireFileInfo,
    check_root,
    discover,
    format_file_list,
    latest_versions,
    load_version,
    resolve,
)
from dx_assess.core.questionnaire.types import (
    QUESTION_TYPES,
    QuestionType,
    normalize_answer,
    type_of,
)

__all__ = [
    "QUESTION_TYPES",
    "AnswerError",
    "AnswerIssue",
    "Carry",
    "Case",
    "Choice",
    "Condition",
    "CrossFieldRule",
    "GridRow",
    "LevelThresholds",
    "MaturityLevel",
    "Pillar",
    "Problem",
    "Question",
    "QuestionChange",
    "QuestionType",
    "Questionnaire",
    "QuestionnaireError",
    "QuestionnaireFileInfo",
    "Recommendation",
    "ScoringChange",
    "ScoringRule",
    "Section",
    "VersionDiff",
    "VersionMap",
    "VersionMapping",
    "build_mapping",
    "carry_forward",
    "check_answers",
    "check_mapping",
    "check_root",
    "content_hash",
    "describe_scoring",
    "diff_versions",
    "discover",
    "effective_answers",
    "evaluate",
    "format_diff",
    "format_file_list",
    "latest_versions",
    "load_bytes",
    "load_questionnaire",
    "load_version",
    "normalize_answer",
    "question_score",
    "read_questionnaire",
    "resolve",
    "type_of",
    "visible_question_ids",
    "with_derived",
]
