"""Validation as a person expects (issue 16): a cross-field warning on the question's own
page, linked; error summaries that name questions by 問番号 and label; a conflict page that
shows the value before both edits, what else will be saved, and a way out; success messages
that say what happened."""

from __future__ import annotations

import re

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.models import SurveyRound, User
from tests.support import Browser
from tests.support.answering import form_data, stored, two_colleagues, url


def test_a_failed_cross_field_check_stays_on_its_page_beside_the_questions(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    browser.login("yamada")
    page = url(survey_round, "/sections/onl")
    posted = form_data({"onl_childcare_count": "20", "onl_care_count": "10"})
    response = browser.post(page, {"base_version": "0", "action": "next", **posted})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/sections/onl")  # not the next page
    assert stored(questionnaire) == {"onl_childcare_count": 20, "onl_care_count": 10}
    html = browser.get(response.headers["Location"]).get_data(as_text=True)
    message = "子育て関係と介護関係の手続の数の合計が26を超えています。"
    summary = html.split('id="warning-summary"', 1)[1].split("</div>", 1)[0]
    assert '<a href="#question-onl_childcare_count">問4-3 ' in summary
    assert message in summary
    # beside both questions, and read out with each field
    assert 'id="q_onl_childcare_count-warning"' in html
    assert 'id="q_onl_care_count-warning"' in html
    assert re.search(r'aria-describedby="[^"]*q_onl_care_count-warning', html)
    assert "保存しました。" in html
    assert "このページを表示しています" in html
    # the next page no longer carries it above 「保存しました。」
    nxt = browser.get(url(survey_round, "/sections/od")).get_data(as_text=True)
    assert message not in nxt
    # 「保存して次のページへ」 again without a change: the user has seen it, and goes on
    again = browser.post(page, {"base_version": "1", "action": "next", **posted})
    assert not again.headers["Location"].endswith("/sections/onl")
    # fixed: the warning is gone and 「保存して次のページへ」 goes on
    fixed = form_data({"onl_childcare_count": "16", "onl_care_count": "10"})
    response = browser.post(page, {"base_version": "1", "action": "next", **fixed})
    assert not response.headers["Location"].endswith("/sections/onl")
    assert message not in browser.get(page).get_data(as_text=True)


def test_the_error_summary_names_questions_by_number_and_label(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    response = browser.post(
        page, {"base_version": "0", **form_data({"basic_population": "たくさん"})}
    )
    html = response.get_data(as_text=True)
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "autofocus" in html.split('id="error-summary"', 1)[1].split(">", 1)[0]
    assert '<a href="#question-basic_population">問1-3 住民基本台帳人口</a>：' in summary
    assert "数値を入力してください（入力: たくさん）。" in summary
    assert "。:" not in summary
    assert "ください。</a>" not in summary


def test_the_conflict_page_shows_the_value_before_both_edits_and_what_else_is_saved(
    app: object,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    yamada, sato = two_colleagues(app)
    page = url(survey_round, "/sections/basic")
    assert (
        yamada.post(
            page, {"base_version": "0", **form_data({"basic_population": "1000"})}
        ).status_code
        == 302
    )
    yamada.post(page, {"base_version": "1", **form_data({"basic_population": "1100"})})
    mine = form_data({"basic_population": "1200", "basic_staff": "40"})
    response = sato.post(page, {"base_version": "1", **mine})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    before = html.split('class="muted before-both"', 1)[1].split("</p>", 1)[0]
    assert "1,000人" in before  # what both pages showed
    also = html.split('class="also-saved"', 1)[1].split("</section>", 1)[0]
    assert "問1-4" in also
    assert "40人" in also
    assert "basic_population" not in also
    cancel = re.search(r'<a href="([^"]+)">保存せずにページに戻る', html)
    assert cancel is not None
    assert cancel.group(1) == page

    response = sato.post(
        page,
        {
            "base_version": "1",
            "conflict_version": "2",
            "conflicts": "basic_population",
            "resolve-basic_population": "mine",
            **mine,
        },
    )
    assert response.status_code == 302
    done = sato.get(response.headers["Location"]).get_data(as_text=True)
    assert "選んだ内容で保存しました" in done
    assert "重なる変更はなかった" not in done
    assert "同じ設問への変更はなかった" not in done
    assert stored(questionnaire) == {"basic_population": 1200, "basic_staff": 40}


def test_a_merge_without_overlap_says_so_with_plain_wording(
    app: object,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    yamada, sato = two_colleagues(app)
    page = url(survey_round, "/sections/basic")
    yamada.post(page, {"base_version": "0", **form_data({"basic_population": "1100"})})
    response = sato.post(page, {"base_version": "0", **form_data({"basic_staff": "40"})})
    assert response.status_code == 302
    html = sato.get(page).get_data(as_text=True)
    name = people["yamada"].display_name
    assert f"{name}さんも同時に編集していました。" in html
    assert "同じ時間に" not in html


def test_the_back_link_does_not_claim_nothing_was_saved(
    browser: Browser, survey_round: SurveyRound, people: dict[str, User]
) -> None:
    browser.login("yamada")
    html = browser.get(url(survey_round, "/sections/basic")).get_data(as_text=True)
    assert "一覧に戻る（保存しない）" not in html
    assert "一覧に戻る（保存していない変更は残りません）" in html
