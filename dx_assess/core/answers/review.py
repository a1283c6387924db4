"""A response as one review (確認): every question with its 問番号, its answer, the warnings
of the cross-field checks and what is still missing, grouped by section (pure).

The review page, its print stylesheet, the PDF 確認票 and the 提出控え are all drawn from
the same :class:`Review`, so the paper copy says what the page said.

Counting: ``total`` is every question a person answers (not the computed ones), whether it
applies or not, so the total stays the same as conditional questions appear or disappear;
``not_applicable`` counts the conditional ones that do not apply to these answers (they keep
their 問番号: nothing is renumbered).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from dx_assess.core.answers.display import display_value
from dx_assess.core.questionnaire import (
    AnswerIssue,
    Questionnaire,
    visible_question_ids,
    with_derived,
)
from dx_assess.core.questionnaire.model import AnswerValue
from dx_assess.core.questionnaire.numbering import question_numbers
from dx_assess.core.vocabulary import JST, wareki

#: The contact person's fields (response.contact_*) with their Japanese labels, in order.
CONTACT_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "氏名"),
    ("section", "所属（課・係）"),
    ("phone", "電話番号"),
    ("email", "メールアドレス"),
)


@dataclass(frozen=True)
class ReviewItem:
    id: str  # for links to the field on its section page (never shown)
    number: str  # 問1-1
    text: str
    answer: str
    applies: bool  # False: a conditional question that does not apply (該当しない)
    computed: bool
    missing: bool  # required, applies, unanswered
    answered: bool
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReviewSection:
    id: str
    number: int
    title: str
    items: tuple[ReviewItem, ...]

    @property
    def missing(self) -> int:
        return sum(1 for i in self.items if i.missing)

    @property
    def warnings(self) -> int:
        return sum(len(i.warnings) for i in self.items)


@dataclass(frozen=True)
class Review:
    sections: tuple[ReviewSection, ...]
    total: int  # questions a person answers, applying or not (stable)
    not_applicable: int  # conditional questions that do not apply now
    answered: int
    missing: int  # required questions that apply and are unanswered
    warnings: tuple[str, ...] = ()  # cross-field warnings not tied to one question
    warning_count: int = 0  # every warning, tied to a question or not

    @property
    def applicable(self) -> int:
        return self.total - self.not_applicable

    @property
    def count_text(self) -> str:
        """「全48問（うち条件付き6問は該当しません）」."""
        if self.not_applicable:
            return f"全{self.total}問（うち条件付き{self.not_applicable}問は該当しません）"
        return f"全{self.total}問"

    def missing_items(self) -> list[tuple[ReviewSection, ReviewItem]]:
        return [(s, i) for s in self.sections for i in s.items if i.missing]

    def warning_items(self) -> list[tuple[ReviewSection, ReviewItem]]:
        return [(s, i) for s in self.sections for i in s.items if i.warnings]


def build_review(
    questionnaire: Questionnaire,
    answers: Mapping[str, AnswerValue],
    issues: Iterable[AnswerIssue] = (),
) -> Review:
    """The review of ``answers``; ``issues``: the cross-field checks' findings (those with a
    ``check_id``; what is missing is worked out here)."""
    numbers = question_numbers(questionnaire)
    visible = set(visible_question_ids(questionnaire, answers))
    computed_values = with_derived(questionnaire, answers)
    by_question: dict[str, list[str]] = {}
    loose: list[str] = []
    warning_count = 0
    for issue in issues:
        if not issue.check_id:
            continue
        warning_count += 1
        if issue.question_id and questionnaire.has_question(issue.question_id):
            by_question.setdefault(issue.question_id, []).append(issue.message)
        else:
            loose.append(issue.message)
    sections = []
    total = not_applicable = answered = missing = 0
    for index, section in enumerate(questionnaire.sections, start=1):
        items = []
        for q in section.questions:
            computed = q.derived
            applies = q.id in visible
            value = computed_values.get(q.id) if computed else answers.get(q.id)
            has = q.id in answers
            is_missing = not computed and applies and q.required and not has
            if not computed:
                total += 1
                not_applicable += 0 if applies else 1
                answered += 1 if applies and has else 0
                missing += 1 if is_missing else 0
            items.append(
                ReviewItem(
                    id=q.id,
                    number=numbers[q.id],
                    text=q.text,
                    answer=display_value(q, value) if applies else "（該当しません）",
                    applies=applies,
                    computed=computed,
                    missing=is_missing,
                    answered=has,
                    warnings=tuple(by_question.get(q.id, ())),
                )
            )
        sections.append(
            ReviewSection(id=section.id, number=index, title=str(section.title), items=tuple(items))
        )
    return Review(
        sections=tuple(sections),
        total=total,
        not_applicable=not_applicable,
        answered=answered,
        missing=missing,
        warnings=tuple(loose),
        warning_count=warning_count,
    )


def japanese_datetime(value: datetime) -> str:
    """A timestamp in Japan time with the Japanese calendar: 令和8年12月1日 14時05分."""
    local = value.astimezone(JST)
    return f"{wareki(local.date())} {local.hour}時{local.minute:02d}分"


@dataclass(frozen=True)
class Contact:
    name: str = ""
    section: str = ""
    phone: str = ""
    email: str = ""

    @property
    def rows(self) -> list[tuple[str, str]]:
        return [(label, getattr(self, key)) for key, label in CONTACT_FIELDS]

    @property
    def empty(self) -> bool:
        return not any((self.name, self.section, self.phone, self.email))


@dataclass(frozen=True)
class SlipContext:
    """What a 確認票 or a 提出控え shows besides the review."""

    kind: str  # "confirmation" (確認票) or "receipt" (提出控え)
    title: str
    municipality: str
    round_label: str
    status_label: str
    submitted: bool
    printed_at: str  # 和暦, JST
    printed_by: str
    submitted_at: str = ""
    submitted_by: str = ""
    contact: Contact = field(default_factory=Contact)
    issuer: str = ""
