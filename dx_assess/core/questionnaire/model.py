"""Frozen dataclasses describing one questionnaire version.

These objects are produced only by :mod:`dx_assess.core.questionnaire.loader` after the whole
file has been checked, so code that receives a :class:`Questionnaire` may rely on every
reference inside it (pillars, questions, cases, choice values) being valid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from dx_assess.core.questionnaire.numbers import compare_score

Scalar = str | int | float | bool
ConditionValue = Scalar | tuple[Scalar, ...] | None

#: A normalised answer value (see :mod:`dx_assess.core.questionnaire.types`):
#: bool (yes/no), str (single choice, text), tuple[str, ...] (multiple choice),
#: int / float (numbers), datetime.date (date), Mapping[str, str] (status grid: row -> status).
AnswerValue = bool | str | int | float | dt.date | tuple[str, ...] | Mapping[str, str]


@dataclass(frozen=True)
class LocalizedText:
    ja: str
    en: str | None = None

    def __str__(self) -> str:
        return self.ja


@dataclass(frozen=True)
class Case:
    """A good-practice case (先進事例) that recommendations may cite."""

    id: str
    municipality: str
    title: str
    summary: str
    source: str


@dataclass(frozen=True)
class Pillar:
    id: str
    title: LocalizedText
    weight: float
    description: str = ""


@dataclass(frozen=True)
class Choice:
    """An option of a choice question, or a status of a status grid."""

    value: str
    label: str
    score: float | None = None
    exclusive: bool = False  # e.g. 「該当なし」: cannot be ticked together with others
    not_applicable: bool = False  # e.g. 「対象外」: no score; left out of the question score


@dataclass(frozen=True)
class GridRow:
    id: str
    label: str


@dataclass(frozen=True)
class Formula:
    """Arithmetic over other numeric answers, e.g. ``mnc_cards_held / basic_population * 100``."""

    source: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class ScoringRule:
    """How a question is turned into a 0..1 score.

    method:
      ``yes_no``       -> ``yes`` / ``no`` scores
      ``choice``       -> the chosen option's ``score`` (single choice)
      ``count``        -> ticked options / ``full_at`` (capped at 1; exclusive options count 0)
      ``sum``          -> sum of ticked options' ``score`` (capped at 1)
      ``breakpoints``  -> piecewise linear over ``breakpoints`` ((x, score), ...)
      ``grid_average`` -> mean over rows of the status ``score``
    """

    method: str
    yes: float | None = None
    no: float | None = None
    full_at: int | None = None
    breakpoints: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class QuestionTest:
    """``{question: id, <op>: value}``; ``row`` picks one row of a status grid."""

    question: str
    op: str
    value: ConditionValue = None
    row: str | None = None


@dataclass(frozen=True)
class PillarScoreTest:
    """``{pillar_score: {pillar: id, lt: 40}}`` (recommendations only; scores are 0..100)."""

    pillar: str
    op: str
    value: float


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = QuestionTest | PillarScoreTest | AllOf | AnyOf | Not


CARRY_VALUE = "value"
CARRY_REFERENCE = "reference"
CARRY_MODES = (CARRY_VALUE, CARRY_REFERENCE)


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: str
    section: str
    pillar: str | None = None
    help: str = ""
    required: bool = False
    weight: float = 1.0
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    decimals: int | None = None
    choices: tuple[Choice, ...] = ()  # options, or the statuses of a status grid
    rows: tuple[GridRow, ...] = ()
    formula: Formula | None = None
    show_when: Condition | None = None
    scoring: ScoringRule | None = None
    # How last round's answer is offered in a new round: "value" (filled in, to be confirmed)
    # or "reference" (shown beside the field only; for figures that change every year).
    carry: str = "value"
    path: str = field(default="", compare=False)
    line: int | None = field(default=None, compare=False)

    @property
    def carries_as_reference(self) -> bool:
        return self.carry == CARRY_REFERENCE

    @property
    def scored(self) -> bool:
        return self.scoring is not None

    @property
    def derived(self) -> bool:
        return self.formula is not None

    def choice(self, value: str) -> Choice | None:
        for c in self.choices:
            if c.value == value:
                return c
        return None

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    @property
    def row_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rows)


@dataclass(frozen=True)
class Section:
    id: str
    title: LocalizedText
    pillar: str | None
    description: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class CrossFieldRule:
    """A check across answers, e.g. ``mnc_cards_held <= basic_population``.

    Skipped while any question it names is unanswered.
    """

    id: str
    rule: str
    names: tuple[str, ...]
    message: str
    path: str = field(default="", compare=False)
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Recommendation:
    id: str
    when: Condition
    title: str
    text: str
    pillar: str | None = None
    cases: tuple[str, ...] = ()
    path: str = field(default="", compare=False)
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class MaturityLevel:
    level: int
    min_score: float  # lower bound on the 0..100 scale, inclusive
    label: str
    description: str = ""


@dataclass(frozen=True)
class LevelThresholds:
    """Five maturity levels; level 1 starts at 0 and lower bounds strictly increase."""

    levels: tuple[MaturityLevel, ...]

    def level_for(self, score: float) -> MaturityLevel:
        """The highest level whose ``min`` is at most ``score``, compared at
        :data:`~dx_assess.core.questionnaire.numbers.SCORE_DECIMALS` places (60 is 60, however the
        floating-point sum came out)."""
        chosen = self.levels[0]
        for level in self.levels:
            if compare_score("gte", score, level.min_score):
                chosen = level
        return chosen


@dataclass(frozen=True)
class MapEntry:
    """One line of a version map: new question ``question`` is fed by ``sources``."""

    question: str
    sources: tuple[str, ...]
    value_map: tuple[tuple[str, str], ...] = ()
    combine: str | None = None  # for merges: "sum" (numbers) or "any" (yes/no)
    note: str = ""
    path: str = field(default="", compare=False)
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class VersionMap:
    previous_version: str
    entries: tuple[MapEntry, ...] = ()
    retired: tuple[str, ...] = ()
    path: str = field(default="", compare=False)
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Binding:
    """Which question plays a role that code reads by name (a KPI's or an import's input).

    Declared in the file's ``bindings:`` (``population: basic_population``, or
    ``{question: onl_own_system, choice: using}`` when a choice value counts). ``choices`` is
    empty for a role that reads the value itself, else the values that count: one as declared,
    possibly several when resolved through a version map's ``value_map`` (see
    :mod:`dx_assess.core.questionnaire.bindings`)."""

    role: str
    question: str
    choices: tuple[str, ...] = ()
    path: str = field(default="", compare=False)
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Questionnaire:
    key: str
    version: str
    fiscal_year: int
    title: LocalizedText
    description: str
    pillars: tuple[Pillar, ...]
    sections: tuple[Section, ...]
    levels: LevelThresholds
    cases: tuple[Case, ...] = ()
    checks: tuple[CrossFieldRule, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    version_map: VersionMap | None = None
    bindings: tuple[Binding, ...] = ()
    source_file: str = field(default="", compare=False)
    content_hash: str = field(default="", compare=False)

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """All questions in file order."""
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def _index(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def question(self, question_id: str) -> Question:
        return self._index[question_id]

    def has_question(self, question_id: str) -> bool:
        return question_id in self._index

    def binding(self, role: str) -> Binding | None:
        """The question this version declares for ``role`` (None when it declares none)."""
        return next((b for b in self.bindings if b.role == role), None)

    def pillar(self, pillar_id: str) -> Pillar:
        for p in self.pillars:
            if p.id == pillar_id:
                return p
        raise KeyError(pillar_id)

    def case(self, case_id: str) -> Case:
        for c in self.cases:
            if c.id == case_id:
                return c
        raise KeyError(case_id)

    def questions_for_pillar(self, pillar_id: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.pillar == pillar_id)

    def scored_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.scored)
