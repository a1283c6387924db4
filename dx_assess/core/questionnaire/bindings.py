"""Bindings: which question of a version plays each role that code reads by name.

The plan KPIs (:mod:`dx_assess.core.dashboards.kpis`) and the statistics import
(:mod:`dx_assess.services.statistics_upload`) need "the population", "the cards held", "the
standardization status grid and its 移行完了 status" and so on. A version names them in its
file (``bindings:``, checked by the loader against :data:`ROLES`); code asks the version's
bindings instead of hard-coding question ids, so a renamed question keeps its KPI.

A version that does not declare a role (an older file, or content published before the role
existed) gets it from the nearest newer version that declares it, traced back through each
newer version's map (``previous.map``): a renamed question is found under its old id, a choice
under the old values its ``value_map`` turns into the bound one. :func:`resolve_bindings` does
this; a role that cannot be traced (the question is new, or merged from several) stays unbound
and its KPI has no value for that version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dx_assess.core.questionnaire.errors import QuestionnaireError
from dx_assess.core.questionnaire.mapping import CONVERT, DIRECT, VersionMapping, build_mapping
from dx_assess.core.questionnaire.model import Binding, Question, Questionnaire

_NUMBERS = ("integer", "decimal")


@dataclass(frozen=True)
class Role:
    """A role a question can be bound to: what it means, which question types fit it, and
    whether the binding names the choice (or grid status) that counts."""

    name: str
    label: str  # Japanese, for messages
    types: tuple[str, ...]
    choice: bool = False

    def fits(self, question: Question) -> bool:
        """Whether ``question`` is of a type this role accepts (the role declares them)."""
        return question.type in self.types


POPULATION = "population"
CARDS_HELD = "cards_held"
ONLINE_PITTARI = "online_pittari"
ONLINE_OWN_SYSTEM = "online_own_system"
STANDARD_STATUS = "standard_status"
OPEN_DATA = "open_data"
CONSULTATION = "consultation"  # the free text the adviser reads: 「相談したいこと」

ROLES: Mapping[str, Role] = {
    r.name: r
    for r in (
        Role(POPULATION, "住民基本台帳人口", _NUMBERS),
        Role(CARDS_HELD, "マイナンバーカードの保有枚数", _NUMBERS),
        Role(ONLINE_PITTARI, "ぴったりサービスでのオンライン申請", ("yes_no",)),
        Role(
            ONLINE_OWN_SYSTEM,
            "独自・共同利用の電子申請システム（数える選択肢）",
            ("single_choice",),
            choice=True,
        ),
        Role(
            STANDARD_STATUS,
            "基幹業務システムの標準化の状況（移行完了の状況）",
            ("status_grid",),
            choice=True,
        ),
        Role(OPEN_DATA, "オープンデータの公開", ("yes_no",)),
        Role(
            CONSULTATION,
            "道やアドバイザーに相談したいこと（自由記述）",
            ("long_text", "short_text"),
        ),
    )
}


@dataclass(frozen=True)
class Bindings:
    """The bindings of one version, declared or traced from a newer version.

    ``traced`` maps a role to the version whose declaration it was traced from (roles the
    version declares itself are not in it)."""

    version: str
    by_role: Mapping[str, Binding]
    traced: Mapping[str, str]

    def get(self, role: str) -> Binding | None:
        return self.by_role.get(role)

    def question(self, role: str) -> str | None:
        binding = self.by_role.get(role)
        return binding.question if binding else None

    def questions(self, roles: Iterable[str]) -> tuple[str, ...]:
        """The bound question ids of ``roles`` (unbound roles left out), in order."""
        return tuple(q for role in roles if (q := self.question(role)) is not None)


def successors(q: Questionnaire, versions: Iterable[Questionnaire]) -> list[Questionnaire]:
    """The versions after ``q`` in map order: the one whose ``previous.version`` is ``q``'s,
    then the one after that, and so on (same key; stops at a gap or a loop)."""
    by_previous = {
        v.version_map.previous_version: v
        for v in versions
        if v.key == q.key and v.version_map is not None
    }
    chain: list[Questionnaire] = []
    seen = {q.version}
    current = q
    while (following := by_previous.get(current.version)) is not None:
        if following.version in seen:
            break
        seen.add(following.version)
        chain.append(following)
        current = following
    return chain


def _back(binding: Binding, mapping: VersionMapping, old: Questionnaire) -> Binding | None:
    """``binding`` (of the newer version of ``mapping``) as it reads in ``old``."""
    try:
        carry = mapping.carry(binding.question)
    except KeyError:
        return None
    if carry.mode not in (DIRECT, CONVERT) or len(carry.sources) != 1 or carry.combine:
        return None
    source = carry.sources[0]
    if not binding.choices:
        return Binding(binding.role, source)
    value_map = dict(carry.value_map)
    choices = tuple(
        v for v in old.question(source).choice_values if value_map.get(v, v) in binding.choices
    )
    return Binding(binding.role, source, choices) if choices else None


def resolve_bindings(q: Questionnaire, versions: Sequence[Questionnaire] = ()) -> Bindings:
    """The bindings of ``q``: those it declares, and for every other role the declaration of
    the nearest newer version among ``versions`` traced back through the maps."""
    by_role = {b.role: b for b in q.bindings}
    traced: dict[str, str] = {}
    missing = [role for role in ROLES if role not in by_role]
    chain = successors(q, versions) if missing else []
    mappings: list[VersionMapping] = []
    for old, new in zip([q, *chain], chain, strict=False):
        try:
            mappings.append(build_mapping(old, new))
        except QuestionnaireError:  # an unsound map: nothing is traced through it
            break
    olds = [q, *chain]
    for role in missing:
        for k in range(len(mappings)):
            declared = chain[k].binding(role)
            if declared is None:
                continue
            found: Binding | None = declared
            for step in range(k, -1, -1):
                if found is None:
                    break
                found = _back(found, mappings[step], olds[step])
            if found is not None:
                by_role[role] = found
                traced[role] = chain[k].version
            break
    return Bindings(q.version, by_role, traced)
