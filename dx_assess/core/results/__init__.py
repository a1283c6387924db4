"""A round's results as plain data, built from plain inputs with the scoring engine.

Pure: imports neither Flask nor SQLAlchemy. :func:`build_round_results` takes what the service
read from the database (municipalities, responses with their answers, the questionnaire, the
previous round's results) and returns frozen dataclasses and pandas frames that the results
pages, the dashboards, the exports and the PDF reports all read. Which responses count:

* Scores are computed for every response that has answers; only **submitted** responses
  (status ``submitted``) are *final*. Peer statistics, ranks and trends use final responses of
  supported municipalities only; a draft's own score is shown as provisional (暫定).

The parts: :mod:`.records` (statuses and the plain records), :mod:`.round` (the round's results
and how they are built, with the like-for-like trends), :mod:`.municipality` (one
municipality's full result) and :mod:`.sensitivity` (rank stability under other weightings).
"""

from __future__ import annotations

from dx_assess.core.results.municipality import municipality_result
from dx_assess.core.results.records import (
    DRAFT,
    GROUP_TYPE_LABELS,
    NOT_STARTED,
    REOPENED,
    STATUS_LABELS,
    SUBMITTED,
    AnswerRow,
    CaseView,
    Driver,
    MunicipalityResult,
    MunicipalityRow,
    PeerPosition,
    PillarInfo,
    PillarResult,
    RecommendationView,
    ResponseInput,
    Trend,
)
from dx_assess.core.results.round import RoundResults, build_round_results
from dx_assess.core.results.sensitivity import (
    RankRangeRow,
    ScenarioRow,
    SensitivityView,
    sensitivity_view,
)

__all__ = [
    "DRAFT",
    "GROUP_TYPE_LABELS",
    "NOT_STARTED",
    "REOPENED",
    "STATUS_LABELS",
    "SUBMITTED",
    "AnswerRow",
    "CaseView",
    "Driver",
    "MunicipalityResult",
    "MunicipalityRow",
    "PeerPosition",
    "PillarInfo",
    "PillarResult",
    "RankRangeRow",
    "RecommendationView",
    "ResponseInput",
    "RoundResults",
    "ScenarioRow",
    "SensitivityView",
    "Trend",
    "build_round_results",
    "municipality_result",
    "sensitivity_view",
]
