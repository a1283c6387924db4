"""How the questions of one version relate to the previous version's.

Rules: a question with the same id in both versions is the same question (carried over as is,
unless the map gives a value map); renamed, split and merged questions are declared in the new
file's ``previous.map``; questions that end are listed in ``previous.retired``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from dx_assess.core.questionnaire.errors import AnswerError, Problem, QuestionnaireError
from dx_assess.core.questionnaire.model import MapEntry, Question, Questionnaire
from dx_assess.core.questionnaire.types import normalize_answer, type_of
from dx_assess.core.questionnaire.yamlsrc import join

DIRECT = "direct"  # same meaning and values: copy the answer
CONVERT = "convert"  # copy through a value map, a split or a merge (combine)
MANUAL = "manual"  # related, but the answer cannot be carried automatically
COMPUTED = "computed"  # a derived value: recomputed from the carried answers
NEW = "new"  # nothing to carry


@dataclass(frozen=True)
class Carry:
    question: str  # id in the new version
    sources: tuple[str, ...]  # ids in the old version
    mode: str
    value_map: tuple[tuple[str, str], ...] = ()
    combine: str | None = None
    note: str = ""


@dataclass(frozen=True)
class VersionMapping:
    key: str
    old_version: str
    new_version: str
    carries: tuple[Carry, ...]  # one per question of the new version, in file order
    retired: tuple[str, ...]  # old ids that feed no new question

    def carry(self, question_id: str) -> Carry:
        for c in self.carries:
            if c.question == question_id:
                return c
        raise KeyError(question_id)

    def sources_of(self, question_id: str) -> tuple[str, ...]:
        return self.carry(question_id).sources


def _problem(new: Questionnaire, path: str, line: int | None, msg: str, qid: str | None) -> Problem:
    return Problem(new.source_file, path, msg, line, qid)


def _plan(old: Questionnaire, new: Questionnaire) -> tuple[list[Carry], list[Problem]]:
    vm = new.version_map
    entries: dict[str, MapEntry] = {e.question: e for e in vm.entries} if vm else {}
    problems: list[Problem] = []
    fed = Counter(s for e in entries.values() for s in e.sources)
    fed.update(q.id for q in new.questions if q.id not in entries and old.has_question(q.id))
    carries: list[Carry] = []
    for q in new.questions:
        e = entries.get(q.id)
        if e is None:
            sources: tuple[str, ...] = (q.id,) if old.has_question(q.id) else ()
            e = MapEntry(q.id, sources, path=q.path, line=q.line)
        missing = [s for s in e.sources if not old.has_question(s)]
        for s in missing:
            problems.append(
                _problem(
                    new,
                    join(e.path, "from"),
                    e.line,
                    f"前の版 {old.version} に設問「{s}」はありません",
                    q.id,
                )
            )
        if not e.sources or missing:
            carries.append(Carry(q.id, e.sources if not missing else (), NEW, note=e.note))
            continue
        mode, msg = _mode(old, q, e, fed)
        if msg:
            problems.append(_problem(new, e.path, e.line, msg, q.id))
        carries.append(Carry(q.id, e.sources, mode, e.value_map, e.combine, e.note))
    return carries, problems


def _mode(old: Questionnaire, q: Question, e: MapEntry, fed: Counter[str]) -> tuple[str, str]:
    sources = [old.question(s) for s in e.sources]
    qt = type_of(q)
    if not qt.answerable:
        return COMPUTED, ""
    if len(sources) > 1:
        if (
            e.combine in qt.combines
            and all(e.combine in type_of(s).combines for s in sources)
            and all(type_of(s).family == qt.family for s in sources)
        ):
            return CONVERT, ""
        if e.combine:
            return MANUAL, f"combine: {e.combine} はこの組み合わせの設問には使えません"
        return MANUAL, ""
    src = sources[0]
    if type_of(src).family != qt.family:
        return MANUAL, ""
    vmap = dict(e.value_map)
    if qt.has_choices:
        for old_value, _ in e.value_map:
            if old_value not in src.choice_values:
                return MANUAL, (
                    f"value_map の「{old_value}」は前の版の設問「{src.id}」の選択肢にありません"
                )
        lost = [v for v in src.choice_values if v not in vmap and v not in q.choice_values]
        if lost:
            return MANUAL, (
                f"前の版の選択肢「{'」「'.join(lost)}」がこの版にありません。"
                "value_map で対応先を書いてください"
            )
    if vmap or fed[src.id] > 1:
        return CONVERT, ""
    return DIRECT, ""


def check_mapping(old: Questionnaire, new: Questionnaire) -> list[Problem]:
    """Problems in ``new``'s map against ``old`` (empty list when the map is sound)."""
    vm = new.version_map
    where, line = ("previous", vm.line) if vm else ("", None)
    if vm is None:
        return [_problem(new, "", None, "previous（前の版との対応）がありません", None)]
    problems: list[Problem] = []
    if old.key != new.key:
        problems.append(_problem(new, "key", None, f"前の版と key が違います（{old.key}）", None))
    if vm.previous_version != old.version:
        problems.append(
            _problem(
                new,
                "previous.version",
                line,
                f"前の版として {vm.previous_version} が宣言されています（比べた版: {old.version}）",
                None,
            )
        )
    _, plan_problems = _plan(old, new)
    problems.extend(plan_problems)
    used = {s for e in vm.entries for s in e.sources} | {
        q.id for q in new.questions if old.has_question(q.id)
    }
    for k, rid in enumerate(vm.retired):
        if not old.has_question(rid):
            problems.append(
                _problem(
                    new,
                    f"{where}.retired[{k}]",
                    line,
                    f"前の版 {old.version} に設問「{rid}」はありません",
                    rid,
                )
            )
        elif rid in used:
            problems.append(
                _problem(
                    new,
                    f"{where}.retired[{k}]",
                    line,
                    f"設問「{rid}」はこの版の設問に引き継がれているため retired にできません",
                    rid,
                )
            )
    for q in old.questions:
        if q.id not in used and q.id not in vm.retired:
            problems.append(
                _problem(
                    new,
                    where,
                    line,
                    f"前の版の設問「{q.id}」の行き先がありません。"
                    "previous.map で対応付けるか"
                    " previous.retired に書いてください",
                    q.id,
                )
            )
    return problems


def build_mapping(old: Questionnaire, new: Questionnaire) -> VersionMapping:
    """For each question of ``new``: which questions of ``old`` feed it and how.

    Raises :class:`QuestionnaireError` when the map is not sound (see :func:`check_mapping`).
    """
    problems = check_mapping(old, new)
    if problems:
        raise QuestionnaireError(problems)
    carries, _ = _plan(old, new)
    used = {s for c in carries for s in c.sources}
    retired = tuple(q.id for q in old.questions if q.id not in used)
    return VersionMapping(new.key, old.version, new.version, tuple(carries), retired)


def _translate(value: object, vmap: Mapping[str, str]) -> object:
    if isinstance(value, str):
        return vmap.get(value, value)
    if isinstance(value, tuple | list):
        return tuple(vmap.get(v, v) if isinstance(v, str) else v for v in value)
    if isinstance(value, Mapping):
        return {k: vmap.get(v, v) if isinstance(v, str) else v for k, v in value.items()}
    return value


def carry_forward(
    mapping: VersionMapping, new: Questionnaire, old_answers: Mapping[str, object]
) -> dict[str, object]:
    """Pre-filled answers for ``new`` from answers given against the old version.

    Values that do not fit the new question are dropped; staff confirm everything anyway.
    """
    out: dict[str, object] = {}
    for c in mapping.carries:
        if c.mode not in (DIRECT, CONVERT):
            continue
        present = [old_answers[s] for s in c.sources if old_answers.get(s) is not None]
        if not present:
            continue
        value: object
        if c.combine == "sum":
            value = sum(
                v for v in present if isinstance(v, int | float) and not isinstance(v, bool)
            )
        elif c.combine == "any":
            value = any(v is True for v in present)
        else:
            value = _translate(present[0], dict(c.value_map))
        target = new.question(c.question)
        value = type_of(target).carry(target, value)  # e.g. options the question dropped
        try:
            normal = normalize_answer(target, value)
        except AnswerError:
            continue
        if normal is not None:
            out[c.question] = normal
    return out
