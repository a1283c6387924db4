"""Proposed answers from a read statistics file: one per municipality and question (population
and cards held), beside the current answer, for the review screen; applying them is the
caller's business. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from dx_assess.core.statistics.model import StatisticsFile
from dx_assess.core.statistics.reading import parse_count


@dataclass(frozen=True)
class Proposal:
    """What the review screen shows for one municipality and question."""

    code: str
    name: str
    question_id: str
    current: int | None
    proposed: int

    @property
    def changes(self) -> bool:
        return self.current != self.proposed


def _as_int(value: object) -> int | None:
    """A stored answer as an integer, or None when there is none (or it is not a whole number)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, Decimal):
        return int(value) if value.is_finite() and value == value.to_integral_value() else None
    if isinstance(value, str):
        parsed = parse_count(value)
        return parsed if isinstance(parsed, int) else None
    return None


def proposals(
    stats: StatisticsFile,
    current: Mapping[str, Mapping[str, object]],
    question_ids: tuple[str, str],
) -> list[Proposal]:
    """One proposal per municipality and question, in registry order. ``question_ids``: the
    questions bound to population and cards held (the round's bindings).

    ``current`` maps a municipality code to {question id: current answer}; a municipality or
    question missing from it has no current answer.
    """
    population_id, cards_id = question_ids
    result: list[Proposal] = []
    for row in stats.rows:
        answers = current.get(row.code, {})
        for question_id, proposed in ((population_id, row.population), (cards_id, row.cards)):
            result.append(
                Proposal(
                    row.code, row.name, question_id, _as_int(answers.get(question_id)), proposed
                )
            )
    return result
