"""The plain records a round's results are made of: statuses, rows, a municipality's result.

Pure: frozen dataclasses only (see :mod:`dx_assess.core.results`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from dx_assess.core.questionnaire.model import AnswerValue
from dx_assess.core.vocabulary import STATUS_LABELS as STATUS_LABELS  # re-exported
from dx_assess.core.vocabulary import Status

#: Response statuses as stored, plus ``not_started`` for a supported municipality without one.
NOT_STARTED, DRAFT, SUBMITTED, REOPENED = (
    Status.NOT_STARTED,
    Status.DRAFT,
    Status.SUBMITTED,
    Status.REOPENED,
)

#: Peer group types in display order with their Japanese names.
GROUP_TYPE_LABELS = {
    "all": "対象市町村全体",
    "kind": "同じ種別",
    "population_band": "同じ人口規模",
    "subprefecture": "同じ振興局",
}


@dataclass(frozen=True)
class ResponseInput:
    """One response as read from the database."""

    status: str  # draft / submitted / reopened
    version: int
    answers: Mapping[str, AnswerValue]
    updated_at: datetime | None = None
    carried_over: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PillarInfo:
    id: str
    title: str
    weight: float
    description: str


@dataclass(frozen=True)
class PeerPosition:
    """Where one municipality stands in one peer group for one pillar (or ``overall``)."""

    group_type: str  # all / kind / population_band / subprefecture
    group_type_label: str
    group: str  # e.g. 町, 5千人未満, 上川
    n: int
    median: float | None
    q3: float | None
    rank: int | None
    percentile: float | None
    gap_to_median: float | None  # median − score (positive: below the median)
    gap_to_top_quartile: float | None
    too_small: bool  # fewer members than the minimum: not reported as meaningful


@dataclass(frozen=True)
class Driver:
    """An answer that raised or held back a pillar's score, in points of the pillar score."""

    question_id: str
    text: str
    points: float


@dataclass(frozen=True)
class Trend:
    """Change of a score since the previous round."""

    base_round: str  # e.g. 令和6年度
    base_score: float | None
    change: float | None  # points
    comparable: bool  # False when the pillar's questions changed too much to compare
    #: Last round's answers re-scored under this round's rules (common questions; points).
    rescored_base: float | None = None
    #: This round's score minus ``rescored_base`` on the common questions (points).
    like_for_like: float | None = None
    #: True when the scoring rules changed: ``change`` is then only a reference (参考値).
    rules_changed: bool = False


@dataclass(frozen=True)
class PillarResult:
    id: str
    title: str
    weight: float
    description: str
    score: float | None
    level: int | None
    coverage: float | None
    peers: tuple[PeerPosition, ...]
    raised: tuple[Driver, ...]
    held_back: tuple[Driver, ...]
    left_out: tuple[str, ...]  # texts of shown, scorable questions left unanswered
    trend: Trend | None

    def peer(self, group_type: str = "all") -> PeerPosition | None:
        return next((p for p in self.peers if p.group_type == group_type), None)


@dataclass(frozen=True)
class CaseView:
    municipality: str
    title: str
    summary: str
    source: str


@dataclass(frozen=True)
class RecommendationView:
    rank: int
    title: str
    text: str
    pillar: str | None
    pillar_title: str | None
    gap: float  # points below the peer median (0 when not below)
    cases: tuple[CaseView, ...]


@dataclass(frozen=True)
class AnswerRow:
    section: str
    question_id: str
    text: str
    value: str  # as shown to people (display_value), "" when unanswered
    unit: str | None
    carried_over: bool


@dataclass(frozen=True)
class MunicipalityResult:
    """Everything the results page and the municipality report show for one municipality."""

    round_id: int
    round_label: str  # 令和7年度
    fiscal_year: int
    is_demo: bool
    code: str
    name: str
    kind: str
    subprefecture: str
    population: int | None
    status: str
    status_label: str
    final: bool  # submitted: counts in peer statistics
    overall: float | None
    level: int | None
    level_label: str | None
    level_description: str | None
    coverage: float | None
    overall_peers: tuple[PeerPosition, ...]
    overall_trend: Trend | None
    pillars: tuple[PillarResult, ...]
    strengths: tuple[PillarResult, ...]  # up to 3 pillars furthest above the peer median
    gaps: tuple[PillarResult, ...]  # up to 3 pillars furthest below the peer median
    recommendations: tuple[RecommendationView, ...]
    answers: tuple[AnswerRow, ...]

    @property
    def scored(self) -> bool:
        return self.overall is not None

    def overall_peer(self, group_type: str = "all") -> PeerPosition | None:
        return next((p for p in self.overall_peers if p.group_type == group_type), None)


@dataclass(frozen=True)
class MunicipalityRow:
    """One line of a round's table (dashboards, status lists, exports)."""

    code: str
    name: str
    kind: str
    subprefecture: str
    population: int | None
    supported: bool
    status: str
    status_label: str
    answered: int  # shown, asked questions answered
    total: int  # shown, asked questions
    last_activity: datetime | None
    overall: float | None
    level: int | None
    coverage: float | None
    final: bool
    pillar_scores: Mapping[str, float | None]
    overall_change: float | None  # since the previous round, final responses only
    programme: bool = False  # in the support programme (対象市町村)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0
