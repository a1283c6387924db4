"""WTForms classes built at run time from the questionnaire definition.

Each question type describes its field as plain data (``QuestionType.form_field``: which
widget, its options, its HTML attributes) and converts between stored answers and field
data; this module turns the description into WTForms (WIDGETS). A widget missing from
WIDGETS is an error (UnknownFieldType), never skipped. Fields carry no validators of their
own: every value is checked by the questionnaire package's ``normalize_answer`` (one set of
rules and Japanese messages for the form, Excel uploads and imports).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from babel import support
from flask import current_app
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Field, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, DateInput, RadioInput, TextInput

from dx_assess.core.questionnaire import Question, Questionnaire, Section, type_of
from dx_assess.core.questionnaire.model import AnswerValue
from dx_assess.core.questionnaire.qtypes import FormField
from dx_assess.core.questionnaire.qtypes import base as widgets
from dx_assess.web.admin.forms import MultiCheckboxField
from dx_assess.web.formtools import choices

FIELD_PREFIX = "q_"


class UnknownFieldType(LookupError):
    def __init__(self, question: Question) -> None:
        super().__init__(
            f"設問 {question.id} の種類「{question.type}」を表示する方法が登録されていません。"
        )


class StatusGridWidget:
    """A table: one row per grid row, a labelled <select> of statuses in each."""

    def __call__(self, field: StatusGridField, **kwargs: Any) -> Markup:
        described = kwargs.get("aria-describedby")
        extra = f' aria-describedby="{escape(described)}"' if described else ""
        out = [
            '<table class="grid"><thead><tr>',
            f'<th scope="col">{escape(field.row_heading)}</th>',
            f'<th scope="col">{escape(field.status_heading)}</th></tr></thead><tbody>',
        ]
        for row_id, row_label in field.rows:
            cell_id = f"{field.id}-{row_id}"
            current = (field.data or {}).get(row_id, "")
            options = [f'<option value="">{escape(field.empty_label)}</option>']
            for value, label in field.statuses:
                selected = " selected" if value == current else ""
                options.append(
                    f'<option value="{escape(value)}"{selected}>{escape(label)}</option>'
                )
            out.append(
                f'<tr><th scope="row"><label for="{cell_id}">{escape(row_label)}</label></th>'
                f'<td><select id="{cell_id}" name="{field.name}-{escape(row_id)}"{extra}>'
                f"{''.join(options)}</select></td></tr>"
            )
        out.append("</tbody></table>")
        return Markup("".join(out))  # noqa: S704 - every interpolated value above is escaped


class StatusGridField(Field):
    """Rows × statuses; data is {row id: status value} ('' = not chosen)."""

    widget = StatusGridWidget()

    def __init__(
        self,
        label: str,
        rows: list[tuple[str, str]],
        statuses: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(label, **kwargs)
        self.rows = rows
        self.statuses = statuses
        self.row_heading = gettext("項目")
        self.status_heading = gettext("状況")
        self.empty_label = gettext("（未選択）")

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        self.process_errors: list[str] = []
        if formdata is not None and any(f"{self.name}-{r}" in formdata for r, _ in self.rows):
            self.data = {r: formdata.get(f"{self.name}-{r}", "") for r, _ in self.rows}
        elif isinstance(data, Mapping):
            self.data = dict(data)
        else:
            self.data = {}
        self.raw_data: list[str] = []


class OptionInput:
    """A radio button or checkbox of one option, as WTForms' RadioInput/CheckboxInput render it
    (same attributes, same order) without their generic attribute machinery: a section page
    has up to 150 of them, and this made opening a page about 15% faster
    (bench/answering_latency.py). Extra attributes fall back to WTForms' widget."""

    def __init__(self, input_type: str) -> None:
        self.input_type = input_type
        self.fallback = RadioInput() if input_type == "radio" else CheckboxInput()

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        if kwargs or field.flags.required:
            return self.fallback(field, **kwargs)  # type: ignore[no-any-return]
        checked = " checked" if field.checked else ""
        return Markup(  # noqa: S704 - every interpolated value is escaped
            f'<input{checked} id="{escape(field.id)}" name="{escape(field.name)}" '
            f'type="{self.input_type}" value="{escape(field._value())}">'
        )


RADIO = OptionInput("radio")
CHECKBOX = OptionInput("checkbox")


def _radio(label: str, spec: FormField) -> UnboundField[Any]:
    return RadioField(
        label, choices=choices(spec.options), validate_choice=False, option_widget=RADIO
    )


def _select(label: str, spec: FormField) -> UnboundField[Any]:
    return SelectField(label, choices=choices(spec.options), validate_choice=False)


def _checkboxes(label: str, spec: FormField) -> UnboundField[Any]:
    return MultiCheckboxField(
        label, choices=choices(spec.options), validate_choice=False, option_widget=CHECKBOX
    )


def _text(label: str, spec: FormField) -> UnboundField[Any]:
    return StringField(label, widget=TextInput(), render_kw=dict(spec.attrs) or None)


def _textarea(label: str, spec: FormField) -> UnboundField[Any]:
    return TextAreaField(label, render_kw=dict(spec.attrs) or None)


def _date(label: str, spec: FormField) -> UnboundField[Any]:
    return StringField(label, widget=DateInput())


def _grid(label: str, spec: FormField) -> UnboundField[Any]:
    return StatusGridField(label, rows=list(spec.rows), statuses=list(spec.options))


#: The WTForms field of each widget a question type may ask for (FormField.widget).
WIDGETS: Mapping[str, Callable[[str, FormField], UnboundField[Any]]] = {
    widgets.RADIO: _radio,
    widgets.SELECT: _select,
    widgets.CHECKBOXES: _checkboxes,
    widgets.TEXT: _text,
    widgets.TEXTAREA: _textarea,
    widgets.DATE: _date,
    widgets.GRID: _grid,
}


def build_field(question: Question) -> UnboundField[Any]:
    """The WTForms field of a question, from the plain field its type describes."""
    spec = type_of(question).form_field(question)
    build = WIDGETS.get(spec.widget)
    if build is None:
        raise UnknownFieldType(question)
    return build(question.text, spec)


def to_data(question: Question, value: AnswerValue) -> object:
    """A stored answer as the data of the question's field."""
    return type_of(question).to_form(value)


def to_raw(question: Question, data: object) -> object:
    """The data of a question's field as a raw answer for ``normalize_answer``."""
    return type_of(question).from_form(data)


def is_entered(question: Question) -> bool:
    """Whether the question has a field (derived questions are computed, never entered)."""
    return type_of(question).answerable


@functools.cache
def _wtforms_translations(locale: str) -> support.Translations | support.NullTranslations:
    """WTForms' own messages in one language, read once per process."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class SectionForm(FlaskForm):
    class Meta:
        def get_translations(self, form: Any) -> Any:
            """As Flask-WTF's (WTForms' catalogue in the request's language), but read once per
            process and language instead of once per request: a section page makes a form on
            every request, and reading the catalogue cost about a tenth of opening a page."""
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)  # type: ignore[misc]
            return _wtforms_translations(str(get_locale()))

    base_version = HiddenField()

    def answer_fields(self) -> dict[str, Field]:
        return {
            name[len(FIELD_PREFIX) :]: field
            for name, field in self._fields.items()
            if name.startswith(FIELD_PREFIX)
        }


_CLASSES: dict[tuple[str, str], type[SectionForm]] = {}


def section_form_class(questionnaire: Questionnaire, section: Section) -> type[SectionForm]:
    """The form class of one section (built once per questionnaire content and section)."""
    key = (questionnaire.content_hash or questionnaire.version, section.id)
    cls = _CLASSES.get(key)
    if cls is None:
        attrs: dict[str, Any] = {}
        for q in section.questions:
            if not is_entered(q):
                continue
            attrs[FIELD_PREFIX + q.id] = build_field(q)
        cls = type(f"SectionForm_{section.id}", (SectionForm,), attrs)
        _CLASSES[key] = cls
    return cls


def initial_data(section: Section, answers: Mapping[str, AnswerValue]) -> dict[str, object]:
    """Field data for a section from stored answers."""
    data: dict[str, object] = {}
    for q in section.questions:
        if not is_entered(q) or q.id not in answers:
            continue
        data[FIELD_PREFIX + q.id] = to_data(q, answers[q.id])
    return data


SHOWN_PREFIX = "shown-"  # + field name: the value the page showed for that answer (JSON)


def posted_answers(
    form: SectionForm, section: Section, formdata: Mapping[str, Any] | None = None
) -> dict[str, object]:
    """Raw answers from a submitted section form, by question id.

    A page says per answer what it showed (``shown-q_<id>``); when a request carries such
    fields, only the answers that have one are posted (the script sends just the answers
    changed since its last save). A request without any counts every field of the section.
    """
    fields = form.answer_fields()
    present = None
    if formdata is not None and any(k.startswith(SHOWN_PREFIX) for k in formdata):
        start = len(SHOWN_PREFIX) + len(FIELD_PREFIX)
        present = {k[start:] for k in formdata if k.startswith(SHOWN_PREFIX + FIELD_PREFIX)}
    out: dict[str, object] = {}
    for q in section.questions:
        if q.id in fields and (present is None or q.id in present):
            out[q.id] = to_raw(q, fields[q.id].data)
    return out


def shown_values(section: Section, formdata: Mapping[str, Any]) -> dict[str, object]:
    """The values the page says it showed, by question id (JSON data; None = no answer).
    Only ever compared with what the server holds, never stored."""
    out: dict[str, object] = {}
    for q in section.questions:
        raw = formdata.get(SHOWN_PREFIX + FIELD_PREFIX + q.id)
        if raw is None:
            continue
        try:
            out[q.id] = json.loads(raw)
        except (TypeError, ValueError, RecursionError):  # RecursionError: nested too deep
            continue  # unreadable: the server judges by the page's version instead
    return out


def shown_json(value: AnswerValue | None) -> str:
    """A stored answer as the page's shown value."""
    from dx_assess.core.answers.values import to_json

    return json.dumps(to_json(value) if value is not None else None, ensure_ascii=False)


def field_inputs(question: Question, value: AnswerValue | None) -> dict[str, list[str]]:
    """The form inputs (name -> values) that show ``value``, for the page's script."""
    name = FIELD_PREFIX + question.id
    data = to_data(question, value) if value is not None else None
    if type_of(question).form_field(question).widget == widgets.GRID:
        grid = data if isinstance(data, Mapping) else {}
        return {f"{name}-{r.id}": [str(grid[r.id])] if r.id in grid else [] for r in question.rows}
    if data is None or data == "":
        return {name: []}
    if isinstance(data, list):
        return {name: [str(v) for v in data]}
    return {name: [str(data)]}


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("差し戻しの理由"),
        validators=[DataRequired(_l("差し戻しの理由を入力してください。")), Length(max=2000)],
        description=_l(
            "市町村の担当者に表示されます。どこを直してほしいかを具体的に書いてください。"
        ),
        render_kw={"rows": 3},
    )


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token (submit, prefill, close)."""
