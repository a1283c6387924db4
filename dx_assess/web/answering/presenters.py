"""Plain data for the answering pages (templates never get ORM objects)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import object_session

from dx_assess.core.answers.display import display_value
from dx_assess.core.questionnaire import (
    Question,
    Questionnaire,
    Section,
    check_answers,
    type_of,
    visible_question_ids,
    with_derived,
)
from dx_assess.core.questionnaire.expressions import formula_json
from dx_assess.core.questionnaire.model import (
    AllOf,
    AnswerValue,
    AnyOf,
    Condition,
    Not,
    PillarScoreTest,
    QuestionTest,
)
from dx_assess.core.questionnaire.numbering import question_numbers, short_label
from dx_assess.core.vocabulary import RoundState, Status, jst, reiwa, wareki
from dx_assess.models import EventKind, Response, ResponseEvent, ResponseStatus, SurveyRound
from dx_assess.services.responses import editable_reason
from dx_assess.services.rounds import round_state
from dx_assess.web.answering.forms import FIELD_PREFIX, is_entered


def condition_json(condition: Condition) -> object:
    """A show-when condition as JSON for the page's script (which only enhances)."""
    if isinstance(condition, AllOf):
        return {"all": [condition_json(c) for c in condition.items]}
    if isinstance(condition, AnyOf):
        return {"any": [condition_json(c) for c in condition.items]}
    if isinstance(condition, Not):
        return {"not": condition_json(condition.item)}
    if isinstance(condition, PillarScoreTest):
        return {"pillar": condition.pillar, "op": condition.op, "value": condition.value}
    if not isinstance(condition, QuestionTest):
        raise TypeError(condition)
    value = list(condition.value) if isinstance(condition.value, tuple) else condition.value
    return {"q": condition.question, "op": condition.op, "value": value, "row": condition.row}


@dataclass(frozen=True)
class QuestionView:
    id: str
    type: str
    text: str
    help: str
    unit: str | None  # shown after the input
    required: bool
    visible: bool
    computed: bool
    carried_over: bool
    display: str
    field_name: str | None
    show_when: str | None  # JSON
    reference: str = ""  # last round's answer, shown beside the field (carry: reference)
    numeric: bool = False  # the page's script reads the input as a number
    layout: str = ""  # options | grid | input (FormField.layout); "" when computed
    inline: bool = False  # options on one line
    number: str = ""  # 問番号 (問1-1), shown beside the question
    label: str = ""  # 「問3-1 マイナンバーカードの保有枚数」: how the error summary names it
    formula: str | None = None  # JSON for the page's script (derived values), see formula_json


@dataclass(frozen=True)
class SectionView:
    id: str
    title: str
    description: str
    answered: int
    total: int
    carried_over: int
    questions: list[QuestionView]

    @property
    def complete(self) -> bool:
        return self.answered == self.total


@dataclass(frozen=True)
class ResponseView:
    round_id: int
    round_title: str
    fiscal_year_label: str
    round_state: str
    round_state_label: str
    closes_on: str
    is_demo: bool
    municipality_code: str
    municipality_name: str
    status: str
    status_label: str
    version: int
    editable: bool
    not_editable_reason: str | None
    updated_at: str
    submitted_at: str
    sections: list[SectionView]
    reopen_reason: str | None = None  # why the prefecture sent it back (while reopened)
    reopened_at: str = ""

    @property
    def answered(self) -> int:
        return sum(s.answered for s in self.sections)

    @property
    def total(self) -> int:
        return sum(s.total for s in self.sections)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


@dataclass(frozen=True)
class _QuestionParts:
    """What a question's view takes from the questionnaire alone (the same for every request)."""

    id: str
    type: str
    text: str
    help: str
    unit: str | None
    required: bool
    computed: bool
    field_name: str | None
    show_when: str | None
    numeric: bool
    layout: str
    inline: bool
    number: str
    label: str
    formula: str | None


def _question_parts(q: Question, number: str) -> _QuestionParts:
    computed = not is_entered(q)
    qtype = type_of(q)
    field = None if computed else qtype.form_field(q)
    return _QuestionParts(
        id=q.id,
        type=q.type,
        text=q.text,
        help=q.help,
        unit=qtype.unit(q) or None,
        required=q.required,
        computed=computed,
        field_name=None if computed else FIELD_PREFIX + q.id,
        show_when=json.dumps(condition_json(q.show_when), ensure_ascii=False)
        if q.show_when is not None
        else None,
        numeric=qtype.numeric and not computed,
        layout=field.layout if field else "",
        inline=field.inline if field else False,
        number=number,
        label=f"{number} {short_label(q)}".strip(),
        formula=json.dumps(
            {"expr": formula_json(q.formula.source), "decimals": q.decimals, "unit": qtype.unit(q)},
            ensure_ascii=False,
        )
        if q.formula is not None
        else None,
    )


_PARTS: dict[tuple[str, str], list[_QuestionParts]] = {}


def _section_parts(questionnaire: Questionnaire, section: Section) -> list[_QuestionParts]:
    """The request-independent parts of a section's questions, built once per process for a
    published questionnaire (known by its content hash); built afresh for one without."""

    def build() -> list[_QuestionParts]:
        numbers = question_numbers(questionnaire)
        return [_question_parts(q, numbers[q.id]) for q in section.questions]

    if not questionnaire.content_hash:
        return build()
    key = (questionnaire.content_hash, section.id)
    parts = _PARTS.get(key)
    if parts is None:
        parts = _PARTS[key] = build()
    return parts


def section_view(
    questionnaire: Questionnaire,
    section: Section,
    answers: Mapping[str, AnswerValue],
    carried: set[str],
    visible: set[str],
    references: Mapping[str, str] | None = None,
    computed_values: Mapping[str, object] | None = None,
) -> SectionView:
    """``computed_values``: ``with_derived(questionnaire, answers)`` if the caller has it."""
    if computed_values is None:
        computed_values = with_derived(questionnaire, answers)
    references = references or {}
    questions = []
    for q, parts in zip(section.questions, _section_parts(questionnaire, section), strict=True):
        value = computed_values.get(q.id) if parts.computed else answers.get(q.id)
        questions.append(
            QuestionView(
                id=parts.id,
                type=parts.type,
                text=parts.text,
                help=parts.help,
                unit=parts.unit,
                numeric=parts.numeric,
                layout=parts.layout,
                inline=parts.inline,
                number=parts.number,
                required=parts.required,
                visible=q.id in visible,
                computed=parts.computed,
                carried_over=q.id in carried,
                display=display_value(q, value),
                field_name=parts.field_name,
                show_when=parts.show_when,
                reference=references.get(q.id, ""),
                label=parts.label,
                formula=parts.formula,
            )
        )
    countable = [v for v in questions if v.visible and not v.computed]
    return SectionView(
        id=section.id,
        title=str(section.title),
        description=section.description,
        answered=sum(1 for v in countable if v.id in answers),
        total=len(countable),
        carried_over=sum(1 for v in countable if v.carried_over),
        questions=questions,
    )


@dataclass(frozen=True)
class PageWarning:
    """A cross-field check that fails, shown on the page of a question it names."""

    question_id: str  # the first of the checked questions on this page (the summary links it)
    label: str  # 「問4-2 …」
    message: str
    question_ids: tuple[str, ...]  # every checked question on this page (each shows it)


def page_warnings(
    questionnaire: Questionnaire, section: Section, answers: Mapping[str, AnswerValue]
) -> list[PageWarning]:
    """The questionnaire's cross-field checks that the stored answers fail and that name a
    question of this page (for example 子育て + 介護 > 26 on the page of both counts)."""
    _values, issues = check_answers(questionnaire, answers)
    failed = {i.check_id for i in issues if i.check_id}
    on_page = [q.id for q in section.questions]
    numbers = question_numbers(questionnaire)
    out = []
    for check in questionnaire.checks:
        if check.id not in failed:
            continue
        here = tuple(qid for qid in on_page if qid in check.names)
        if not here:
            continue
        first = questionnaire.question(here[0])
        out.append(
            PageWarning(
                question_id=first.id,
                label=f"{numbers[first.id]} {short_label(first)}",
                message=check.message,
                question_ids=here,
            )
        )
    return out


def not_editable_reason(survey_round: SurveyRound, response: Response | None) -> str | None:
    """None if municipal staff may edit the response now, else why not (Japanese)."""
    if response is not None:
        return editable_reason(response)
    state = round_state(survey_round)
    if state is RoundState.SCHEDULED:  # say when it opens (和暦)
        return str(
            gettext("この調査回は %(day)s から回答できます。", day=wareki(survey_round.opens_on))
        )
    return (
        None if state is RoundState.OPEN else str(gettext("この調査回は回答を受け付けていません。"))
    )


def response_view(
    survey_round: SurveyRound,
    response: Response | None,
    questionnaire: Questionnaire,
    answers: Mapping[str, AnswerValue],
    municipality_code: str,
    municipality_name: str,
    references: Mapping[str, str] | None = None,
) -> ResponseView:
    """``references``: last round's answers (display text) to reference-only questions."""
    visible = set(visible_question_ids(questionnaire, answers))
    computed = with_derived(questionnaire, answers)  # once for all sections
    carried = {a.question_id for a in response.answers if a.carried_over} if response else set()
    state = round_state(survey_round)
    why = not_editable_reason(survey_round, response)
    status = response.status if response else None
    reopened = _last_reopening(response) if status is ResponseStatus.REOPENED else None
    return ResponseView(
        round_id=survey_round.id,
        round_title=survey_round.title,
        fiscal_year_label=gettext(
            "%(reiwa)s（%(year)d年度）",
            reiwa=reiwa(survey_round.fiscal_year),
            year=survey_round.fiscal_year,
        ),
        round_state=state.code,
        round_state_label=state.label,
        closes_on=survey_round.closes_on.isoformat(),
        is_demo=survey_round.is_demo,
        municipality_code=municipality_code,
        municipality_name=municipality_name,
        status=Status.of(status),
        status_label=Status.of(status).label,
        version=response.version if response else 0,
        editable=why is None,
        not_editable_reason=why,
        updated_at=jst(response.updated_at) if response and response.version else "",
        submitted_at=jst(response.submitted_at) if response else "",
        sections=[
            section_view(questionnaire, s, answers, carried, visible, references, computed)
            for s in questionnaire.sections
        ],
        reopen_reason=reopened.reason if reopened else None,
        reopened_at=jst(reopened.at) if reopened else "",
    )


def _last_reopening(response: Response | None) -> ResponseEvent | None:
    session = object_session(response) if response is not None else None
    if response is None or session is None:
        return None
    return session.scalar(
        select(ResponseEvent)
        .where(ResponseEvent.response_id == response.id, ResponseEvent.kind == EventKind.REOPENED)
        .order_by(ResponseEvent.id.desc())
        .limit(1)
    )
