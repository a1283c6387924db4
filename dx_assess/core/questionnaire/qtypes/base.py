"""The base class of question types, and the plain specs it hands to the outer layers.

A question type owns every representation of its answers: how a raw answer is normalised
and checked, how it is read (display text), how it is written to and read back from the
Excel round trip, how it is exported, how it carries over to a new version, and which
form field shows it. The web form, the Excel workbook and the exports never switch on
``question.type``: they ask :func:`~dx_assess.core.questionnaire.qtypes.type_of` and call the
methods below. Everything here is plain data (no Flask, WTForms, openpyxl or SQLAlchemy):
a form field is a :class:`FormField` that the web layer turns into WTForms, an Excel cell
is an :class:`ExcelCell` that the workbook writer turns into openpyxl objects.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from dx_assess.core.questionnaire.model import AnswerValue, Question

COMMON_KEYS = frozenset(
    {"id", "type", "text", "help", "required", "weight", "pillar", "show_when", "scoring", "carry"}
)
YES = "はい"
NO = "いいえ"

# How a question is laid out on the Excel 回答 sheet.
EXCEL_ANSWER = "answer"  # one row, one cell
EXCEL_DERIVED = "derived"  # one row, computed: shown, never read
EXCEL_OPTIONS = "options"  # a heading row and one はい/いいえ row per option
EXCEL_GRID = "grid"  # a heading row and one status row per grid row

# Form widgets the web layer knows how to build (see dx_assess.web.answering.forms).
RADIO = "radio"
SELECT = "select"
CHECKBOXES = "checkboxes"
TEXT = "text"
TEXTAREA = "textarea"
DATE = "date"
GRID = "grid"


@dataclass(frozen=True)
class FormField:
    """The form field of a question, as plain data (the web layer builds the WTForms field).

    ``options`` are (value, label) of radio buttons, check boxes or a drop-down (a drop-down
    has its empty first option here too); ``rows`` the (id, label) of a status grid;
    ``attrs`` extra HTML attributes of the input (``render_kw``); ``inline`` puts the options
    on one line."""

    widget: str
    options: tuple[tuple[str, str], ...] = ()
    rows: tuple[tuple[str, str], ...] = ()
    attrs: Mapping[str, object] = field(default_factory=dict)
    inline: bool = False

    @property
    def layout(self) -> str:
        """How the page lays the field out: "options" (a fieldset of radio buttons or check
        boxes), "grid" (a fieldset with a table) or "input" (a label and one input)."""
        if self.widget in (RADIO, CHECKBOXES):
            return "options"
        return "grid" if self.widget == GRID else "input"


@dataclass(frozen=True)
class ExcelList:
    """A drop-down list validation; lists with the same ``key`` share one validation."""

    key: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class ExcelRule:
    """Any other Excel data validation (openpyxl ``DataValidation`` arguments)."""

    kind: str  # whole | decimal | textLength
    operator: str  # between | greaterThanOrEqual | lessThanOrEqual
    formula1: str
    formula2: str | None
    error: str


@dataclass(frozen=True)
class ExcelCell:
    """How the answer cell of a question is formatted and validated."""

    number_format: str | None = None  # None: Excel's General
    choices: ExcelList | None = None
    rule: ExcelRule | None = None


def is_empty(raw: object) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    return isinstance(raw, list | tuple | set | frozenset | dict) and not raw


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def fmt_number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def as_text(value: object) -> str:
    """A cell value as the text a person sees (numbers without a trailing .0)."""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def choice_for_text(q: Question, text: str) -> str | None:
    """The value of the choice whose label (or value) is ``text``."""
    wanted = nfkc(text)
    for c in q.choices:
        if text.strip() == c.label or wanted == nfkc(c.label):
            return c.value
    for c in q.choices:
        if wanted == c.value or wanted.lower() == c.value.lower():
            return c.value
    return None


def show_number(value: float, decimals: int | None) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    return f"{value:,}"


UNANSWERED = "（未回答）"


class QuestionType:
    """One question type. Subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    label: ClassVar[str]  # Japanese name shown in documentation and messages
    export_label: ClassVar[str]  # Japanese name in the exported data
    keys: ClassVar[frozenset[str]] = frozenset()  # type-specific keys of the definition
    scoring_methods: ClassVar[frozenset[str]] = frozenset()
    has_choices: ClassVar[bool] = False
    has_rows: ClassVar[bool] = False
    numeric: ClassVar[bool] = False
    answerable: ClassVar[bool] = True
    #: The key of the definition that lists the options ("choices", or "statuses").
    options_key: ClassVar[str] = "choices"
    allows_exclusive: ClassVar[bool] = False  # options may be exclusive (「該当なし」)
    allows_not_applicable: ClassVar[bool] = False  # options may be not_applicable (「対象外」)
    requires_unit: ClassVar[bool] = False
    requires_formula: ClassVar[bool] = False
    many_values: ClassVar[bool] = False  # several values at once: conditions use contains
    #: Defaults of the definition: unit (fixed), min, max.
    fixed_unit: ClassVar[str | None] = None
    default_min: ClassVar[float | None] = None
    default_max: ClassVar[float | None] = None
    #: Carry-over: answers carry between types of the same family (numbers carry between
    #: integer, decimal and percentage) and merge with these ``combine`` methods.
    carry_family: ClassVar[str] = ""
    combines: ClassVar[frozenset[str]] = frozenset()
    #: Excel: how the question is laid out, and whether an upload error repeats the input.
    excel_layout: ClassVar[str] = EXCEL_ANSWER
    excel_echo_input: ClassVar[bool] = False

    @property
    def allowed_keys(self) -> frozenset[str]:
        return COMMON_KEYS | self.keys

    @property
    def scorable(self) -> bool:
        return bool(self.scoring_methods)

    @property
    def family(self) -> str:
        return self.carry_family or self.name

    def __repr__(self) -> str:
        return f"<question type {self.name}>"

    # ------------------------------------------------------------------ answers

    def normalize(self, q: Question, raw: object) -> AnswerValue:
        """A non-empty raw answer in normal form; raises AnswerError (Japanese message)."""
        raise NotImplementedError

    def condition_problem(self, q: Question, name: str, value: object) -> str | None:
        """Why ``value`` cannot be compared with this question's answer in a condition."""
        if self.has_choices and value not in q.choice_values:
            return f"設問「{name}」に選択肢「{value}」はありません"
        return None

    # ------------------------------------------------------------------ reading

    def unit(self, q: Question) -> str:
        """The unit shown after a number ("" when none)."""
        return q.unit or self.fixed_unit or ""

    def display(self, q: Question, value: object) -> str:
        """An answer as a person reads it (Japanese): labels, numbers with their unit."""
        if value is None or value == "" or value == () or value == {}:
            return UNANSWERED
        if isinstance(value, bool):
            return YES if value else NO
        if isinstance(value, int | float):
            return f"{show_number(value, q.decimals)}{self.unit(q)}"
        if isinstance(value, dt.date):
            return f"{value.year}年{value.month}月{value.day}日"
        labels = {c.value: c.label for c in q.choices}
        if isinstance(value, str):
            return labels.get(value, value) if q.choices else value
        if isinstance(value, Mapping):
            rows = {r.id: r.label for r in q.rows}
            order = [r.id for r in q.rows if r.id in value]
            order += [k for k in value if k not in rows]
            return "\n".join(f"{rows.get(k, k)}: {labels.get(value[k], value[k])}" for k in order)
        if isinstance(value, tuple | list):
            return "、".join(labels.get(str(v), str(v)) for v in value)
        return str(value)

    # ------------------------------------------------------------------ exports

    def export_code(self, q: Question, value: object) -> str:
        """The answer as a code in the exports (value_code): choice values, ISO dates."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Mapping):
            return ";".join(f"{k}={v}" for k, v in value.items())
        if isinstance(value, tuple | list):
            return ";".join(str(v) for v in value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def export_number(self, q: Question, value: object) -> float | None:
        """A numeric answer as a float, rounded to the question's decimals when it has them."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value) if q.decimals is None else round(float(value), q.decimals)

    # ------------------------------------------------------------------ carry-over

    def carry(self, q: Question, value: object) -> object:
        """Last version's answer made to fit this question (before it is normalised)."""
        return value

    # ------------------------------------------------------------------ form

    def form_field(self, q: Question) -> FormField:
        return FormField(TEXT, attrs={"class": "input-wide"})

    def to_form(self, value: AnswerValue) -> object:
        """A stored answer as the form field's data."""
        return value

    def from_form(self, data: object) -> object:
        """The form field's data as a raw answer for :meth:`normalize`."""
        return data

    # ------------------------------------------------------------------ Excel

    def excel_how_to(self, q: Question) -> list[str]:
        """Column D of the 回答 sheet: how to answer, in words (joined with 。)."""
        return ["文章"]

    def excel_cell(self, q: Question) -> ExcelCell:
        return ExcelCell(number_format="@")

    def to_excel(self, q: Question, value: object) -> object:
        """What the answer cell shows for an answer in normal form."""
        if isinstance(value, bool):
            return YES if value else NO
        if isinstance(value, int | float | dt.date | str):
            return value
        return str(value)

    def from_excel(self, q: Question, value: object, number_format: str) -> object:
        """A non-blank cell value as the raw answer :meth:`normalize` expects."""
        return as_text(value)
