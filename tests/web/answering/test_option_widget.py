"""The fast option widget renders exactly what WTForms' own radio and checkbox widgets do."""

from __future__ import annotations

import pytest
from flask import Flask
from wtforms.widgets import CheckboxInput, RadioInput

from dx_assess.core.questionnaire import load_questionnaire, normalize_answer
from dx_assess.web.answering.forms import OptionInput, initial_data, section_form_class
from tests.support.answers import complete_answers
from tests.support.paths import REPO

FILE = REPO / "questionnaires" / "dx-maturity" / "fy2025.yaml"


@pytest.mark.parametrize("answered", [False, True])
def test_every_option_matches_the_wtforms_widget(app: Flask, answered: bool) -> None:
    q = load_questionnaire(FILE)
    raw = complete_answers(q) if answered else {}
    answers = {qid: normalize_answer(q.question(qid), value) for qid, value in raw.items()}
    compared = checked = 0
    with app.test_request_context():
        for section in q.sections:
            form_class = section_form_class(q, section)
            data = initial_data(section, answers) if answered else {}
            form = form_class(data=data, meta={"csrf": False})
            for field in form:
                widget = getattr(field, "option_widget", None)
                if not isinstance(widget, OptionInput):
                    continue
                reference = RadioInput() if widget.input_type == "radio" else CheckboxInput()
                for option in field:
                    assert str(option()) == str(reference(option))
                    assert str(option(**{"aria-describedby": "x"})) == str(
                        reference(option, **{"aria-describedby": "x"})
                    )
                    compared += 1
                    checked += bool(option.checked)
    assert compared > 100
    assert (checked > 10) is answered
