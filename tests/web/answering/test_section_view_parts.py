"""The section page's view: what is the same for every request is built once per questionnaire
content, and the view is the same as one built afresh from the questionnaire."""

from __future__ import annotations

import dataclasses

import pytest
from flask import Flask

from dx_assess.core.questionnaire import Questionnaire, load_questionnaire, normalize_answer
from dx_assess.core.questionnaire.model import AnswerValue
from dx_assess.web.answering.forms import section_form_class
from dx_assess.web.answering.presenters import section_view
from tests.support.answers import complete_answers
from tests.support.paths import REPO

FILE = REPO / "questionnaires" / "dx-maturity" / "fy2025.yaml"


def _answers(q: Questionnaire) -> dict[str, AnswerValue]:
    out: dict[str, AnswerValue] = {}
    for qid, raw in complete_answers(q).items():
        value = normalize_answer(q.question(qid), raw)
        if value is not None:
            out[qid] = value
    return out


@pytest.mark.parametrize("answered", [False, True])
def test_cached_parts_give_the_view_built_afresh(answered: bool) -> None:
    q = load_questionnaire(FILE)
    assert q.content_hash  # a published questionnaire: its parts are cached
    fresh = dataclasses.replace(q, content_hash="")  # no hash: built on every call
    answers = _answers(q) if answered else {}
    carried = set(list(answers)[::3])
    visible = {question.id for question in q.questions}
    references = {question.id: "前回の値" for question in q.questions[::5]}
    for section in q.sections:
        for _ in range(2):  # the second call reads the parts built by the first
            cached = section_view(q, section, answers, carried, visible, references)
            assert cached == section_view(fresh, section, answers, carried, visible, references)
    computed = [
        v for s in q.sections for v in section_view(q, s, answers, set(), visible).questions
    ]
    assert any(v.computed for v in computed)
    if answered:  # derived questions show their computed value
        assert any(v.computed and v.display != "（未回答）" for v in computed)


def test_changed_content_is_not_served_from_the_cache(app: Flask) -> None:
    q = load_questionnaire(FILE)
    section = q.sections[0]
    first = section.questions[0]
    renamed_question = dataclasses.replace(first, text="書き換えた設問文")
    renamed = dataclasses.replace(
        q,
        sections=(
            dataclasses.replace(section, questions=(renamed_question, *section.questions[1:])),
            *q.sections[1:],
        ),
        content_hash=q.content_hash + "-changed",
    )
    visible = {question.id for question in q.questions}
    before = section_view(q, section, {}, set(), visible)
    after = section_view(renamed, renamed.sections[0], {}, set(), visible)
    assert before.questions[0].text == first.text
    assert after.questions[0].text == "書き換えた設問文"
    with app.test_request_context():  # and the form of the changed content has its new label
        form = section_form_class(renamed, renamed.sections[0])(meta={"csrf": False})
        assert form[f"q_{first.id}"].label.text == "書き換えた設問文"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_wtforms_messages_as_flask_wtf_translates_them(app: Flask, lang: str) -> None:
    from flask_wtf.i18n import translations as flask_wtf_translations

    q = load_questionnaire(FILE)
    form_class = section_form_class(q, q.sections[0])
    with app.test_request_context():
        from flask import session

        session["lang"] = lang
        form = form_class(meta={"csrf": False})
        ours = form.meta.get_translations(form)
        assert ours is form_class(meta={"csrf": False}).meta.get_translations(form)  # read once
        for message in ("Not a valid choice.", "This field is required.", "Invalid input."):
            assert ours.gettext(message) == flask_wtf_translations.gettext(message)
