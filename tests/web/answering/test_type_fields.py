"""Every question type the registry knows has a field the form can build (a type that asks
for a widget the web layer does not know fails here, not on a page)."""

from __future__ import annotations

from dx_assess.core.questionnaire import QUESTION_TYPES, Choice, GridRow, Question
from dx_assess.web.answering.forms import WIDGETS, build_field


def test_every_type_has_a_field_the_form_builds() -> None:
    choices = (Choice("a", "A"), Choice("b", "B"))
    for name, qtype in QUESTION_TYPES.items():
        if not qtype.answerable:
            continue
        q = Question(
            id=f"x_{name}",
            type=name,
            text="設問",
            section="s",
            unit="%" if qtype.fixed_unit else None,
            choices=choices if qtype.has_choices else (),
            rows=(GridRow("r1", "行1"),) if qtype.has_rows else (),
        )
        assert qtype.form_field(q).widget in WIDGETS, name
        assert build_field(q) is not None
