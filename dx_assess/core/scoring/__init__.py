"""The scoring engine: answers -> scores, explanations, peers, trends, recommendations, and
weight sensitivity.

A pure package: it imports neither Flask nor SQLAlchemy (pandas and numpy only), reads no
database and no files. The rules are in ``docs/scoring.md``.

Typical use for one round::

    cards = score_responses(questionnaire, answers_by_code)        # code -> Scorecard
    table = scores_frame(cards)                                     # code x pillars, overall
    peers = compare_peers(table, municipalities)                    # groups, positions
    recs = recommend(questionnaire, answers, cards[code], peers.medians(code))
    why = explain(cards[code])
"""

from __future__ import annotations

from dx_assess.core.scoring.explain import (
    Contribution,
    PillarExplanation,
    contribution_frame,
    contributions,
    explain,
)
from dx_assess.core.scoring.model import (
    ANSWERED,
    HIDDEN,
    MISSING_REQUIRED,
    NOT_APPLICABLE,
    NOT_COMPUTABLE,
    OVERALL,
    UNANSWERED,
    PillarScore,
    QuestionScore,
    Scorecard,
)
from dx_assess.core.scoring.peers import (
    DEFAULT_BANDS,
    GROUP_TYPES,
    MunicipalityInfo,
    PeerComparison,
    PeerConfig,
    PopulationBand,
    band_labels,
    compare_peers,
    municipality_frame,
    population_bands,
)
from dx_assess.core.scoring.recommend import RankedRecommendation, recommend
from dx_assess.core.scoring.score import (
    ScoringPlan,
    pillar_frame,
    question_frame,
    score_response,
    score_responses,
    scores_frame,
    scoring_plan,
    shown_values,
)
from dx_assess.core.scoring.sensitivity import (
    Scenario,
    SensitivityResult,
    weight_scenarios,
    weight_sensitivity,
)
from dx_assess.core.scoring.trends import (
    DEFAULT_THRESHOLD,
    PillarComparability,
    RoundScores,
    comparability,
    scorecard_trends,
    trend_table,
    version_chain,
)

__all__ = [
    "ANSWERED",
    "DEFAULT_BANDS",
    "DEFAULT_THRESHOLD",
    "GROUP_TYPES",
    "HIDDEN",
    "MISSING_REQUIRED",
    "NOT_APPLICABLE",
    "NOT_COMPUTABLE",
    "OVERALL",
    "UNANSWERED",
    "Contribution",
    "MunicipalityInfo",
    "PeerComparison",
    "PeerConfig",
    "PillarComparability",
    "PillarExplanation",
    "PillarScore",
    "PopulationBand",
    "QuestionScore",
    "RankedRecommendation",
    "RoundScores",
    "Scenario",
    "Scorecard",
    "ScoringPlan",
    "SensitivityResult",
    "band_labels",
    "comparability",
    "compare_peers",
    "contribution_frame",
    "contributions",
    "explain",
    "municipality_frame",
    "pillar_frame",
    "population_bands",
    "question_frame",
    "recommend",
    "score_response",
    "score_responses",
    "scorecard_trends",
    "scores_frame",
    "scoring_plan",
    "shown_values",
    "trend_table",
    "version_chain",
    "weight_scenarios",
    "weight_sensitivity",
]
