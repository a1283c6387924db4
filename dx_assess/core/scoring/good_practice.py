"""Good-practice cases and the rules that make recommendations fit the answers (pure).

``dx_assess/data/good_practice/good_practice.yaml`` (under version control, read once per
process) holds:

- the cases with their attribution as the seeds give them (which recommendation each fits);
- ``already_done``: per recommendation, answers that show the municipality already does what
  it suggests (outreach sessions held → no "hold outreach sessions"), for every questionnaire
  version, since published versions cannot change;
- ``corrections``: texts of published versions' recommendations that were wrong (芦別市 named
  as a cashless-payment case), replaced when shown.

:func:`order_cases` puts the cases of municipalities like the answering one first: the same
type (市・町・村), then the nearest population (on a log scale).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from dx_assess.core.questionnaire import Case, evaluate
from dx_assess.core.questionnaire.model import AllOf, AnyOf, Condition, QuestionTest
from dx_assess.core.shipped import PACKAGE_DIR

GOOD_PRACTICE_FILE = PACKAGE_DIR / "data" / "good_practice" / "good_practice.yaml"
_OPS = ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte", "contains")


@dataclass(frozen=True)
class Town:
    """What a case is compared with: the answering municipality's type and population."""

    kind: str | None  # 市 / 町 / 村
    population: int | None


@dataclass(frozen=True)
class GoodPractice:
    case: Case
    code: str
    fits: tuple[str, ...]  # recommendation ids
    kind: str | None = None
    population: int | None = None


@dataclass(frozen=True)
class GoodPracticeBook:
    cases: tuple[GoodPractice, ...] = ()
    already_done: Mapping[str, Condition] = field(default_factory=dict)
    corrections: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @property
    def known_ids(self) -> frozenset[str]:
        return frozenset(g.case.id for g in self.cases)

    def done(self, recommendation_id: str, values: Mapping[str, object]) -> bool:
        """Whether the answers show the municipality already does what it suggests."""
        condition = self.already_done.get(recommendation_id)
        return condition is not None and evaluate(condition, values)

    def text(self, version: str, recommendation_id: str, text: str) -> str:
        return self.corrections.get((version, recommendation_id), text)

    def cases_for(
        self, recommendation_id: str, listed: Sequence[Case], town: Town | None
    ) -> tuple[Case, ...]:
        """The cases to show: those of the book that fit the recommendation, and those the
        questionnaire lists that the book does not know; like the town first."""
        known = self.known_ids
        chosen = [g for g in self.cases if recommendation_id in g.fits]
        own = [GoodPractice(c, "", ()) for c in listed if c.id not in known]
        return tuple(g.case for g in order_cases([*chosen, *own], town))


def similarity(practice: GoodPractice, town: Town | None) -> tuple[int, float]:
    """Smaller is more alike: (0 same type / 1 other, |log10(population ratio)|)."""
    if town is None:
        return (0, 0.0)
    kind = 0 if town.kind is None or practice.kind == town.kind else 1
    if town.population and practice.population:
        distance = abs(math.log10(practice.population / town.population))
    else:
        distance = math.inf
    return (kind, distance)


def order_cases(practices: Sequence[GoodPractice], town: Town | None) -> list[GoodPractice]:
    """Stable: equally alike cases keep their order."""
    return sorted(practices, key=lambda g: similarity(g, town))


def _condition(raw: Any) -> Condition:
    if isinstance(raw, list):
        return AnyOf(tuple(_condition(item) for item in raw))
    if not isinstance(raw, dict):
        raise ValueError(f"a condition must be a mapping or a list, not {raw!r}")
    if "all" in raw:
        return AllOf(tuple(_condition(item) for item in raw["all"]))
    if "any" in raw:
        return AnyOf(tuple(_condition(item) for item in raw["any"]))
    ops = [op for op in _OPS if op in raw]
    if "question" not in raw or len(ops) != 1 or len(raw) != 2:
        raise ValueError(f"a condition needs question and one operator: {raw!r}")
    value = raw[ops[0]]
    return QuestionTest(
        str(raw["question"]), ops[0], tuple(value) if isinstance(value, list) else value
    )


def _profiles() -> dict[str, Town]:
    from dx_assess.core.registry.files import read_registry

    _, municipalities = read_registry()
    return {m.code: Town(m.kind, m.population) for m in municipalities}


def load_good_practice(path: Path = GOOD_PRACTICE_FILE) -> GoodPracticeBook:
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    profiles = _profiles()
    cases = []
    for item in data.get("cases", []):
        code = str(item["code"])
        profile = profiles.get(code)
        if profile is None:
            raise ValueError(f"{path.name}: no municipality {code} in the registry")
        case = Case(
            id=str(item["id"]),
            municipality=str(item["municipality"]),
            title=str(item["title"]),
            summary=str(item.get("summary", "")),
            source=str(item["source"]),
        )
        fits = tuple(str(f) for f in item.get("fits", []))
        cases.append(GoodPractice(case, code, fits, profile.kind, profile.population))
    done = {str(k): _condition(v) for k, v in (data.get("already_done") or {}).items()}
    corrections = {
        (str(version), str(item["recommendation"])): " ".join(str(item["text"]).split())
        for item in data.get("corrections", [])
        for version in item["versions"]
    }
    return GoodPracticeBook(tuple(cases), done, corrections)


@cache
def good_practice() -> GoodPracticeBook:
    """The shipped book (read once per process)."""
    return load_good_practice()
