"""A small fixed round built without a database, for the pure dashboard modules.

Seven municipalities (made-up codes); population, cards held, ぴったり, own e-application
system, std_status, od_published:

* 900001 空知, supported, submitted: 1,000 / 700, はい, none, all 移行完了 (生活保護 対象外), はい
* 900002 空知, supported, submitted: 3,000 / 1,500, いいえ, using, all 移行完了 but 戸籍, いいえ
* 900003 空知, supported, **draft**: 500 / 500, はい, using, all 移行完了, はい
* 900004 上川, supported, submitted: 2,000 / 1,600, いいえ, planned, all 対象外, はい
* 900005 上川, supported, submitted: 4,000 / 2,000, はい, (no answer), all 移行完了, はい
* 900006 上川, **not supported**, submitted: 10,000 / 9,000, はい, using, all 移行完了, はい
* 900007 宗谷, supported, no response
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dx_assess.core.questionnaire import Questionnaire, check_answers, load_questionnaire
from dx_assess.core.questionnaire.bindings import resolve_bindings
from dx_assess.core.results import ResponseInput, RoundResults, build_round_results
from dx_assess.core.scoring import MunicipalityInfo, Scorecard, score_response
from tests.support.paths import REPO

ROOT = REPO
FY2025 = ROOT / "questionnaires" / "dx-maturity" / "fy2025.yaml"
FY2026 = ROOT / "questionnaires" / "dx-maturity" / "fy2026.yaml"

MUNICIPALITIES = (
    MunicipalityInfo("900001", "テスト一町", "町", 1000, "空知", True),
    MunicipalityInfo("900002", "テスト二市", "市", 3000, "空知", True),
    MunicipalityInfo("900003", "テスト三村", "村", 500, "空知", True),
    MunicipalityInfo("900004", "テスト四町", "町", 2000, "上川", True),
    MunicipalityInfo("900005", "テスト五町", "町", 4000, "上川", True),
    MunicipalityInfo("900006", "テスト六市", "市", 10000, "上川", False),
    MunicipalityInfo("900007", "テスト七村", "村", 800, "宗谷", True),
)


def _grid(q: Questionnaire, status: str, **overrides: str) -> dict[str, str]:
    return {r.id: overrides.get(r.id, status) for r in q.question("std_status").rows}


def raw_answers(q: Questionnaire) -> dict[str, dict[str, Any]]:
    """Raw (form-like) answers by code: the KPI questions plus what submitting requires."""

    def answers(
        population: int,
        cards: int,
        pittari: bool,
        own: str | None,
        grid: dict[str, str],
        od: bool,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "basic_department": "総務課",
            "basic_answer_date": "2025-06-01",
            "basic_population": str(population),
            "mnc_cards_held": str(cards),
            "onl_pittari": "yes" if pittari else "no",
            "onl_childcare_count": "3",
            "onl_care_count": "2",
            "std_status": grid,
            "std_gov_cloud": "planned",
            "od_published": "yes" if od else "no",
            "ai_rpa_use": "no",
            "gen_ai_use": "none",
            "gov_cio": q.question("gov_cio").choices[0].value,
            "gov_plan": q.question("gov_plan").choices[0].value,
        }
        if own is not None:
            out["onl_own_system"] = own
        return out

    return {
        "900001": answers(
            1000, 700, True, "none", _grid(q, "completed", seikatsu_hogo="not_applicable"), True
        ),
        "900002": answers(
            3000, 1500, False, "using", _grid(q, "completed", koseki="on_schedule"), False
        ),
        "900003": answers(500, 500, True, "using", _grid(q, "completed"), True),
        "900004": answers(2000, 1600, False, "planned", _grid(q, "not_applicable"), True),
        "900005": answers(4000, 2000, True, None, _grid(q, "completed"), True),
        "900006": answers(10000, 9000, True, "using", _grid(q, "completed"), True),
    }


STATUS = {
    "900001": "submitted",
    "900002": "submitted",
    "900003": "draft",
    "900004": "submitted",
    "900005": "submitted",
    "900006": "submitted",
}


def fixed_round(q: Questionnaire | None = None) -> RoundResults:
    """The round of the table above, built with the results model and the scoring engine.

    2025.1 is published and declares no bindings: like the service, the KPIs read it through
    2026.1's bindings and map."""
    q = q or load_questionnaire(FY2025)
    responses: dict[str, ResponseInput] = {}
    cards = {}
    for code, raw in raw_answers(q).items():
        answers, issues = check_answers(q, raw, require_complete=True)
        assert issues == [], issues
        responses[code] = ResponseInput(
            status=STATUS[code],
            version=3,
            answers=answers,
            updated_at=dt.datetime(2025, 6, int(code[-1]), 10, 0, tzinfo=dt.UTC),
        )
        cards[code] = score_response(q, answers)
    return round_of(q, responses, cards)


def round_of(
    q: Questionnaire, responses: dict[str, ResponseInput], cards: dict[str, Scorecard]
) -> RoundResults:
    """A FY2025 round of MUNICIPALITIES with these responses and score cards."""
    return build_round_results(
        round_id=1,
        fiscal_year=2025,
        round_label="令和7年度",
        title="テスト調査",
        is_demo=True,
        questionnaire=q,
        municipalities=MUNICIPALITIES,
        responses=responses,
        scorecards=cards,
        bindings=resolve_bindings(q, [load_questionnaire(FY2026)]),
    )
