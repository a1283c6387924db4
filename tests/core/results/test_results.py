"""The results service and the municipality results page.

Expected values come from the scoring engine applied to the same answers (the engine's own
rules are checked by hand in tests/scoring) and from ranking those scores by hand here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.core.scoring import score_response
from dx_assess.extensions import db
from dx_assess.models import Municipality, SurveyRound, User
from dx_assess.services import results as service
from dx_assess.services.responses import current_answers, submit
from dx_assess.services.results import round_results
from dx_assess.services.rounds import round_questionnaire
from tests.support import Browser
from tests.support.answers import complete_answers, open_test_round, respond

# Six towns and villages of 上川: five submit, enough for the "all" group (minimum 5).
TOWNS = ["014630", "014583", "014591", "014605", "014613", "014621"]


def answers_for(q: Questionnaire, k: int) -> dict[str, Any]:
    """Complete answers where the first k scored yes/no questions are yes and the rest no."""
    answers = complete_answers(q)
    yes_no = [x for x in q.questions if x.type == "yes_no" and x.scoring is not None]
    for i, question in enumerate(yes_no):
        answers[question.id] = "yes" if i < k else "no"
    return answers


@pytest.fixture
def scored_round(registry: None) -> tuple[SurveyRound, Questionnaire, dict[str, dict[str, Any]]]:
    for code in TOWNS:
        town = db.session.scalar(select(Municipality).where(Municipality.code == code))
        assert town is not None
        town.supported = True
    db.session.commit()
    survey_round = open_test_round(2025, "2025.1")
    q = round_questionnaire(survey_round)
    given: dict[str, dict[str, Any]] = {}
    for k, code in enumerate(TOWNS):
        given[code] = answers_for(q, 2 * k)
        response = respond(survey_round, code, given[code])
        if code != TOWNS[-1]:  # the last town stays a draft
            assert submit(db.session, response, q, None) == []
    db.session.commit()
    return survey_round, q, given


def engine_overall(survey_round: SurveyRound, code: str) -> float:
    from dx_assess.models import Response

    q = round_questionnaire(survey_round)
    response = db.session.scalar(
        select(Response)
        .join(Municipality)
        .where(Municipality.code == code, Response.round_id == survey_round.id)
    )
    assert response is not None
    overall = score_response(q, current_answers(response, q)).overall
    assert overall is not None
    return overall


def test_scores_and_ranks_match_the_engine_and_a_ranking_by_hand(
    scored_round: tuple[SurveyRound, Questionnaire, dict[str, dict[str, Any]]],
) -> None:
    survey_round, _q, _given = scored_round
    results = round_results(db.session, survey_round)
    finals = TOWNS[:-1]
    by_hand = {code: engine_overall(survey_round, code) for code in finals}
    assert set(results.scores.index) == set(finals)  # the draft is not in the peer statistics
    for code in finals:
        assert results.scores.loc[code, "overall"] == pytest.approx(by_hand[code])
    # more "yes" answers -> strictly higher scores, so the rank is the reverse order
    ordered = sorted(finals, key=lambda c: -by_hand[c])
    assert ordered == list(reversed(finals))
    values = sorted(by_hand.values())
    median = (values[2] + values[2]) / 2  # five values: the middle one
    for rank, code in enumerate(ordered, start=1):
        result = results.municipality(code)
        assert result is not None
        position = result.overall_peer("all")
        assert position is not None
        assert (position.rank, position.n) == (rank, 5)
        assert position.median == pytest.approx(median)
        assert position.gap_to_median == pytest.approx(median - by_hand[code])
    draft = results.municipality(TOWNS[-1])
    assert draft is not None
    assert not draft.final
    assert draft.overall == pytest.approx(engine_overall(survey_round, TOWNS[-1]))
    assert draft.overall_peers == ()  # provisional: no position among peers


def test_the_cache_is_reused_until_an_answer_changes(
    scored_round: tuple[SurveyRound, Questionnaire, dict[str, dict[str, Any]]],
) -> None:
    survey_round, q, _given = scored_round
    first = round_results(db.session, survey_round)
    hits, scored = service.stats.hits, service.stats.scored
    assert round_results(db.session, survey_round) is first
    assert service.stats.hits == hits + 1

    code = TOWNS[-1]  # the draft
    changed = answers_for(q, 40)
    respond(survey_round, code, changed)
    again = round_results(db.session, survey_round)
    assert again is not first
    assert service.stats.scored == scored + 1  # only the changed response was scored again
    row = again.row(code)
    assert row is not None
    assert row.overall == pytest.approx(engine_overall(survey_round, code))
    assert row.overall != first.row(code).overall  # type: ignore[union-attr]


def test_submitting_changes_the_peer_statistics(
    scored_round: tuple[SurveyRound, Questionnaire, dict[str, dict[str, Any]]],
) -> None:
    survey_round, q, _given = scored_round
    before = round_results(db.session, survey_round)
    assert len(before.scores) == 5
    from dx_assess.models import Response

    draft = db.session.scalar(
        select(Response).join(Municipality).where(Municipality.code == TOWNS[-1])
    )
    assert draft is not None
    assert submit(db.session, draft, q, None) == []
    db.session.commit()
    after = round_results(db.session, survey_round)
    assert len(after.scores) == 6
    result = after.municipality(TOWNS[-1])
    assert result is not None
    assert result.final
    assert result.overall_peer("all").n == 6  # type: ignore[union-attr]


@pytest.fixture
def prefecture(browser: Browser, make_user: Callable[..., User]) -> Browser:
    """A browser logged in as the prefecture."""
    make_user("prefecture", login="pref")
    browser.login("pref")
    return browser


def page(survey_round: SurveyRound, code: str) -> str:
    return f"/rounds/{survey_round.id}/results/{code}"


def test_municipal_staff_see_their_results_once_submitted(
    scored_round: tuple[SurveyRound, Questionnaire, dict[str, dict[str, Any]]],
    browser: Browser,
    make_user: Callable[..., User],
) -> None:
    survey_round, _q, _given = scored_round
    make_user("municipal", TOWNS[0], login="town0")
    make_user("municipal", TOWNS[-1], login="town5")
    browser.login("town0")
    html = browser.get(page(survey_round, TOWNS[0])).get_data(as_text=True)
    overall = engine_overall(survey_round, TOWNS[0])
    assert f"{overall:.1f}" in html
    assert "5市町村中 5位" in html  # no "yes" answers: the lowest of five
    assert "次に取り組むこと" in html
    browser.post("/logout", form_page="/")

    browser.login("town5")
    html = browser.get(page(survey_round, TOWNS[-1])).get_data(as_text=True)
    assert "結果は回答を提出した後に表示されます" in html
    assert f"{engine_overall(survey_round, TOWNS[-1]):.1f}" not in html


def test_the_prefecture_sees_a_draft_as_provisional(
    scored_round: tuple[SurveyRound, Questionnaire, dict[str, dict[str, Any]]],
    prefecture: Browser,
) -> None:
    survey_round, _q, _given = scored_round
    browser = prefecture
    html = browser.get(page(survey_round, TOWNS[-1])).get_data(as_text=True)
    assert "暫定" in html
    assert f"{engine_overall(survey_round, TOWNS[-1]):.1f}" in html
    assert "中での順位" not in html


def test_a_municipality_outside_the_round_is_not_found(
    scored_round: tuple[SurveyRound, Questionnaire, dict[str, dict[str, Any]]],
    prefecture: Browser,
) -> None:
    survey_round, _q, _given = scored_round
    browser = prefecture
    assert browser.get(page(survey_round, "011002")).status_code == 404  # 札幌市: not supported
    assert browser.get(f"/rounds/999/results/{TOWNS[0]}").status_code == 404


def test_rank_stability_page_lists_every_scenario_with_pillar_titles(
    scored_round: tuple[SurveyRound, Questionnaire, dict[str, dict[str, Any]]],
    prefecture: Browser,
) -> None:
    survey_round, q, _given = scored_round
    browser = prefecture
    html = browser.get(f"/rounds/{survey_round.id}/sensitivity").get_data(as_text=True)
    assert "提出済みの5市町村" in html
    assert "すべての分野を同じ重みにした場合" in html
    for pillar in q.pillars:
        assert f"「{pillar.title}」の重みを20%増やした場合" in html
        assert f"「{pillar.title}」の重みを20%減らした場合" in html
    # with strictly ordered yes/no answers every scenario keeps the ranking: rho = 1
    assert html.count(">1.000<") == 1 + 2 * len(q.pillars)


def test_peer_group_names_follow_the_page_language(
    scored_round: tuple[SurveyRound, Questionnaire, dict[str, dict[str, Any]]],
    prefecture: Browser,
) -> None:
    survey_round, _q, _given = scored_round
    path = page(survey_round, TOWNS[0])
    assert "同じ人口規模" in prefecture.get(path).get_data(as_text=True)
    prefecture.post("/language", {"lang": "en", "next": "/"}, form_page="/")
    html = prefecture.get(path).get_data(as_text=True)
    assert "Same population size" in html
    assert "under 5,000" in html  # 占冠村 and its neighbours are small towns
    assert "同じ人口規模" not in html


def test_registry_load_changing_kind_name_or_subprefecture_changes_the_results(
    scored_round: tuple[SurveyRound, Questionnaire, dict[str, dict[str, Any]]],
) -> None:
    """Every registry field the results show or group by is in the cache key: a town whose
    type, name and 振興局 name were different before ``registry load`` corrected them."""
    from dx_assess.models import Subprefecture
    from dx_assess.services.registry import load_registry

    survey_round, _q, _given = scored_round
    town = db.session.scalar(select(Municipality).where(Municipality.code == TOWNS[0]))
    assert town is not None
    assert (town.kind, town.name) == ("村", "占冠村")
    town.kind, town.name = "町", "占冠町"
    sub = db.session.get(Subprefecture, town.subprefecture_id)
    assert sub is not None
    assert sub.short_name == "上川"
    sub.short_name = "旧上川"
    db.session.commit()
    stale = round_results(db.session, survey_round)
    row = stale.row(TOWNS[0])
    assert row is not None
    assert (row.kind, row.name, row.subprefecture) == ("町", "占冠町", "旧上川")
    before = stale.municipality(TOWNS[0])
    assert before is not None
    assert before.overall_peer("kind").group == "町"  # type: ignore[union-attr]
    assert before.overall_peer("kind").n == 5  # type: ignore[union-attr]

    load_registry(db.session)  # the shipped registry: 占冠村, a 村 of 上川
    db.session.commit()
    fresh = round_results(db.session, survey_round)
    assert fresh is not stale
    row = fresh.row(TOWNS[0])
    assert row is not None
    assert (row.kind, row.name, row.subprefecture) == ("村", "占冠村", "上川")
    after = fresh.municipality(TOWNS[0])
    assert after is not None
    assert after.overall_peer("kind").group == "村"  # type: ignore[union-attr]
    assert after.overall_peer("kind").n == 1  # type: ignore[union-attr]
    others = fresh.municipality(TOWNS[1])
    assert others is not None
    assert others.overall_peer("kind").n == 4  # type: ignore[union-attr]


def test_the_round_title_is_in_the_cache_key(
    scored_round: tuple[SurveyRound, Questionnaire, dict[str, dict[str, Any]]],
) -> None:
    survey_round, _q, _given = scored_round
    first = round_results(db.session, survey_round)
    survey_round.title = "令和7年度 市町村DX成熟度調査（改）"
    db.session.commit()
    assert round_results(db.session, survey_round).title == "令和7年度 市町村DX成熟度調査（改）"
    assert first.title != survey_round.title
