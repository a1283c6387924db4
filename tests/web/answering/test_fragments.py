"""The question fragments cached per process (web/answering/fragments.py) leave every section
page the same, byte for byte: with answers stored, with an error and what was typed shown
again after a refused save, editable and read only; and the cache is really used."""

from __future__ import annotations

import re

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.models import SurveyRound, User
from dx_assess.web.answering import fragments
from tests.support import Browser
from tests.support.answers import complete_answers
from tests.web.answering.test_pages import form_data, url

CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+')


def _page(browser: Browser, path: str, cached: bool) -> str:
    fragments.enabled = cached
    try:
        html = browser.get(path).get_data(as_text=True)
    finally:
        fragments.enabled = True
    return CSRF.sub(r"\1…", html)


def test_section_pages_are_the_same_with_and_without_the_fragment_cache(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    fragments.clear()
    browser.login("yamada")
    answers = complete_answers(questionnaire)
    version = 0
    for section in questionnaire.sections[:3]:  # some sections answered, the rest empty
        mine = {q.id: answers[q.id] for q in section.questions if q.id in answers}
        reply = browser.post(
            url(survey_round, f"/sections/{section.id}"),
            {"base_version": str(version), **form_data(mine)},
        )
        assert reply.status_code == 302, reply.get_data(as_text=True)[:500]
        version += 1
    browser.get(url(survey_round, "/sections/basic"))  # shows (and so ends) the last flash
    compared = 0
    for section in questionnaire.sections:
        path = url(survey_round, f"/sections/{section.id}")
        plain = _page(browser, path, cached=False)
        assert _page(browser, path, cached=True) == plain  # rendered into the cache
        assert _page(browser, path, cached=True) == plain  # taken from it
        compared += 1
    assert len(fragments._fragments) >= sum(len(s.questions) for s in questionnaire.sections)

    # a refused save: the error beside the field and what was typed, shown again
    path = url(survey_round, "/sections/basic")
    posted = {"base_version": str(version), **form_data({"basic_population": "たくさん"})}
    pages = []
    for cached in (False, True, True):
        fragments.enabled = cached
        try:
            reply = browser.post(path, posted)
        finally:
            fragments.enabled = True
        assert reply.status_code == 422
        pages.append(CSRF.sub(r"\1…", reply.get_data(as_text=True)))
    assert "数値を入力してください（入力: たくさん）。" in pages[0]
    assert pages[1] == pages[0]
    assert pages[2] == pages[0]

    # read only (the prefecture): other fragments, the same pages
    browser.post("/logout", form_page="/")
    browser.login("pref")
    browser.get(url(survey_round, "/sections/basic"))  # the log-in's flash
    for section in questionnaire.sections:
        path = url(survey_round, f"/sections/{section.id}")
        plain = _page(browser, path, cached=False)
        assert 'name="q_' not in plain
        assert _page(browser, path, cached=True) == plain
        assert _page(browser, path, cached=True) == plain
        compared += 1
    assert compared == 2 * len(questionnaire.sections)
