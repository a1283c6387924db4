"""Recommendations that fit the answers (issue #14): nothing the town already reported doing;
cases of a municipality like it first; attributions as the seeds give them. Hand-built
answer sets against the shipped questionnaires."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from dx_assess.core.questionnaire import Questionnaire, load_questionnaire
from dx_assess.core.scoring import recommend
from dx_assess.core.scoring.good_practice import (
    GOOD_PRACTICE_FILE,
    GoodPracticeBook,
    Town,
    good_practice,
    load_good_practice,
)
from tests.support.paths import REPO

DX = REPO / "questionnaires" / "dx-maturity"


@cache
def questionnaire(name: str) -> Questionnaire:
    return load_questionnaire(DX / f"{name}.yaml")


def ids(q: Questionnaire, answers: dict[str, object], town: Town | None = None) -> list[str]:
    return [r.id for r in recommend(q, answers, town=town)]


def rec(q: Questionnaire, answers: dict[str, object], rec_id: str, town: Town | None = None):  # type: ignore[no-untyped-def]
    return next(r for r in recommend(q, answers, town=town) if r.id == rec_id)


# card rate 7,000 / 10,000 = 70 %: below the 80 % of rec_mnc_rate in both versions
LOW_RATE = {"basic_population": 10_000, "mnc_cards_held": 7_000}


@pytest.mark.parametrize("version", ["fy2025", "fy2026"])
def test_outreach_held_three_times_is_not_recommended(version: str) -> None:
    q = questionnaire(version)
    held = {**LOW_RATE, "mnc_outreach": True, "mnc_outreach_count": 3}
    assert "rec_mnc_rate" not in ids(q, held)
    assert "rec_mnc_rate" in ids(q, {**LOW_RATE, "mnc_outreach": False})


def test_fy2025_recommended_outreach_whatever_the_answer_before() -> None:
    """The published 2025.1 file asks only for a card rate below 80 (it cannot be changed):
    the good-practice file's already_done rule is what leaves it out."""
    q = questionnaire("fy2025")
    text = next(r for r in q.recommendations if r.id == "rec_mnc_rate")
    assert "出張申請受付" in text.text
    held = {**LOW_RATE, "mnc_outreach": True, "mnc_outreach_count": 3}
    without_rules = [r.id for r in recommend(q, held, book=GoodPracticeBook())]
    assert "rec_mnc_rate" in without_rules
    assert "rec_mnc_rate" not in ids(q, held)


@pytest.mark.parametrize(
    ("answers", "left_out"),
    [
        ({"mnc_kiosk": True}, "rec_mnc_kiosk"),
        ({"ai_rpa_use": True}, "rec_rpa"),
        ({"onl_cashless_window": True}, "rec_cashless"),
        ({"od_published": True}, "rec_od_start"),
        ({"ai_field_sensors": True}, "rec_field"),
    ],
)
def test_what_is_reported_done_is_never_recommended(
    answers: dict[str, object], left_out: str
) -> None:
    for version in ("fy2024", "fy2025", "fy2026"):
        assert left_out not in ids(questionnaire(version), answers), version


@pytest.mark.parametrize("version", ["fy2024", "fy2025"])
def test_ashibetsu_is_not_a_cashless_case(version: str) -> None:
    """The published versions cite 芦別市 under cashless payment; the seeds give its case as
    RPA with semi-self checkout and the finance system."""
    q = questionnaire(version)
    listed = next(r for r in q.recommendations if r.id == "rec_cashless")
    assert "芦別市" in listed.text  # what the published file says
    cashless = rec(q, {"onl_cashless_window": False}, "rec_cashless")
    assert "芦別市" not in cashless.text
    assert cashless.text.startswith("窓口の手数料をキャッシュレスで払えるようにすると")
    assert cashless.cases == ()
    rpa = rec(q, {"ai_rpa_use": False}, "rec_rpa")
    ashibetsu = next(c for c in rpa.cases if c.municipality == "芦別市")
    assert ashibetsu.title == "セミセルフレジと財務会計システムを活用したRPA化"


def test_tomakomai_is_from_the_case_collection() -> None:
    book = good_practice()
    tomakomai = next(g for g in book.cases if g.case.municipality == "苫小牧市")
    assert tomakomai.case.source == "北海道「令和3年度の取組について」北海道Society5.0事例集"
    ashibetsu = next(g for g in book.cases if g.case.municipality == "芦別市")
    assert "rec_cashless" not in ashibetsu.fits


@pytest.mark.parametrize(
    ("town", "first"),
    [
        # both 市: 芦別市 12,430 and 苫小牧市 169,528 (住民基本台帳 2022-01-01)
        (Town("町", 3_000), "芦別市"),  # no 町 among them: the nearest population
        (Town("市", 200_000), "苫小牧市"),
        (
            Town("市", 40_000),
            "芦別市",
        ),  # |log10(12430/40000)| = 0.51 < |log10(169528/40000)| = 0.63
        (Town("市", 50_000), "苫小牧市"),  # 0.61 > 0.53
    ],
)
def test_rpa_cases_of_a_similar_size_first(town: Town, first: str) -> None:
    rpa = rec(questionnaire("fy2026"), {"ai_rpa_use": False}, "rec_rpa", town)
    assert rpa.cases[0].municipality == first
    assert {c.municipality for c in rpa.cases} == {"芦別市", "苫小牧市"}


@pytest.mark.parametrize(
    ("town", "order"),
    [
        # 倶知安町 (町, 14,789) and 苫小牧市 (市, 169,528): the same type comes first
        (Town("市", 15_000), ["苫小牧市", "倶知安町"]),
        (Town("町", 150_000), ["倶知安町", "苫小牧市"]),
        (Town("村", 1_000), ["倶知安町", "苫小牧市"]),  # neither a 村: the nearer population
    ],
)
def test_cases_of_the_same_type_first(town: Town, order: list[str]) -> None:
    q = questionnaire("fy2025")
    chatbot = rec(
        q, {"ai_chatbot_residents": False, "ai_chatbot_staff": False}, "rec_chatbot", town
    )
    assert [c.municipality for c in chatbot.cases] == order


def test_field_cases_by_size() -> None:
    """富良野市 20,617 and 北見市 114,326 (both 市) for 現場の業務でもデータを活用."""
    q = questionnaire("fy2026")
    small = rec(q, {"ai_field_sensors": False}, "rec_field", Town("町", 5_000))
    large = rec(q, {"ai_field_sensors": False}, "rec_field", Town("市", 100_000))
    assert [c.municipality for c in small.cases] == ["富良野市", "北見市"]
    assert [c.municipality for c in large.cases] == ["北見市", "富良野市"]


def test_a_broken_condition_in_the_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "gp.yaml"
    bad.write_text("already_done:\n  rec_x:\n    - {question: a}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="question and one operator"):
        load_good_practice(bad)
    assert GOOD_PRACTICE_FILE.exists()
