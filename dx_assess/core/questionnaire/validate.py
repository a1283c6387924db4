"""Semantic checks on a parsed questionnaire: ids, weights, choices and rows, scoring, levels,
the version map and the bindings. What conditions and formulas refer to is checked in
:mod:`~dx_assess.core.questionnaire.validate_conditions`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from dx_assess.core.questionnaire.bindings import ROLES
from dx_assess.core.questionnaire.model import Question, Questionnaire
from dx_assess.core.questionnaire.reader import Reader
from dx_assess.core.questionnaire.types import get_type
from dx_assess.core.questionnaire.validate_conditions import check_condition, check_numeric_names
from dx_assess.core.questionnaire.yamlsrc import join

LEVEL_COUNT = 5


def _duplicates(r: Reader, items: Iterable[tuple[str, str]], what: str) -> None:
    """items: (id, path). Reports every repeat after the first."""
    seen: set[str] = set()
    for ident, path in items:
        if not ident:
            continue
        if ident in seen:
            r.add(
                join(path, "id"),
                f"{what}の id「{ident}」が重複しています",
                ident if what == "設問" else None,
            )
        seen.add(ident)


def validate(q: Questionnaire, r: Reader) -> None:
    pillar_ids = {p.id for p in q.pillars}
    _duplicates(r, ((p.id, f"pillars[{i}]") for i, p in enumerate(q.pillars)), "柱")
    for i, p in enumerate(q.pillars):
        if p.weight <= 0:
            r.add(f"pillars[{i}].weight", f"柱「{p.id}」の weight は 0 より大きくしてください")
    _duplicates(r, ((s.id, f"sections[{i}]") for i, s in enumerate(q.sections)), "セクション")
    for i, s in enumerate(q.sections):
        if s.pillar and s.pillar not in pillar_ids:
            r.add(f"sections[{i}].pillar", f"存在しない柱「{s.pillar}」を指定しています")
    _duplicates(r, ((x.id, x.path) for x in q.questions), "設問")
    order = {x.id: n for n, x in reversed(list(enumerate(q.questions)))}
    for n, question in enumerate(q.questions):
        _question(q, r, question, n, order, pillar_ids)
    for p in q.pillars:
        if not any(x.scored and x.pillar == p.id for x in q.questions):
            r.add("pillars", f"柱「{p.id}」に採点する設問が 1 つもありません")
    _duplicates(r, ((c.id, c.path) for c in q.checks), "チェック")
    for check in q.checks:
        check_numeric_names(q, r, check.names, join(check.path, "rule"), None, len(order))
    _duplicates(r, ((c.id, f"cases[{i}]") for i, c in enumerate(q.cases)), "事例")
    case_ids = {c.id for c in q.cases}
    _duplicates(r, ((x.id, x.path) for x in q.recommendations), "推奨事項")
    for rec in q.recommendations:
        if rec.pillar and rec.pillar not in pillar_ids:
            r.add(join(rec.path, "pillar"), f"存在しない柱「{rec.pillar}」を指定しています")
        check_condition(q, r, rec.when, join(rec.path, "when"), None, None, order)
        for k, case in enumerate(rec.cases):
            if case not in case_ids:
                r.add(join(rec.path, f"cases[{k}]"), f"cases に定義されていない事例「{case}」です")
    _levels(q, r)
    _version_map(q, r)
    _bindings(q, r)


def _question(
    q: Questionnaire, r: Reader, x: Question, n: int, order: dict[str, int], pillar_ids: set[str]
) -> None:
    qt = get_type(x.type)
    if x.pillar and x.pillar not in pillar_ids:
        r.add(join(x.path, "pillar"), f"存在しない柱「{x.pillar}」を指定しています", x.id)
    if x.weight <= 0:
        r.add(join(x.path, "weight"), "weight は 0 より大きくしてください", x.id)
    if x.show_when is not None:
        check_condition(q, r, x.show_when, join(x.path, "show_when"), x.id, n, order)
    if qt is None:
        return
    opts = qt.options_key
    if qt.has_choices:
        if len(x.choices) < 2:
            r.add(join(x.path, opts), f"{opts} を 2 つ以上書いてください", x.id)
        counts = Counter(c.value for c in x.choices)
        for k, c in enumerate(x.choices):
            if counts[c.value] > 1:
                r.add(
                    f"{x.path}.{opts}[{k}].value",
                    f"選択肢の value「{c.value}」が重複しています",
                    x.id,
                )
            if c.exclusive and not qt.allows_exclusive:
                r.add(
                    f"{x.path}.{opts}[{k}].exclusive",
                    "exclusive は複数選択の設問だけで使えます",
                    x.id,
                )
            if c.not_applicable and not qt.allows_not_applicable:
                r.add(
                    f"{x.path}.{opts}[{k}].not_applicable",
                    "not_applicable は単一選択と状況の表だけで使えます",
                    x.id,
                )
    if qt.has_rows:
        if not x.rows:
            r.add(join(x.path, "rows"), "状況の表には rows（行）を 1 つ以上書いてください", x.id)
        counts = Counter(row.id for row in x.rows)
        for k, row in enumerate(x.rows):
            if counts[row.id] > 1:
                r.add(f"{x.path}.rows[{k}].id", f"行の id「{row.id}」が重複しています", x.id)
    if x.min is not None and x.max is not None and x.min >= x.max:
        r.add(join(x.path, "max"), "max は min より大きくしてください", x.id)
    if qt.requires_unit and not x.unit:
        r.add(join(x.path, "unit"), "小数の設問には unit（単位）を書いてください", x.id)
    if x.max_length is not None and x.max_length <= 0:
        r.add(join(x.path, "max_length"), "max_length は 1 以上にしてください", x.id)
    if qt.requires_formula:
        if x.formula is None:
            r.add(join(x.path, "formula"), "計算値の設問には formula（計算式）が必要です", x.id)
        else:
            check_numeric_names(q, r, x.formula.names, join(x.path, "formula"), x.id, n)
    _scoring(r, x, opts)


def _scoring(r: Reader, x: Question, opts: str) -> None:
    qt = get_type(x.type)
    rule = x.scoring
    if rule is None or qt is None:
        return
    where = join(x.path, "scoring")
    if not qt.scorable:
        r.add(where, f"種類 {x.type}（{qt.label}）の設問は採点できません", x.id)
        return
    if rule.method and rule.method not in qt.scoring_methods:
        names = "、".join(sorted(qt.scoring_methods))
        r.add(
            join(where, "method"),
            f"種類 {x.type} に採点方法 {rule.method} は使えません（使える方法: {names}）",
            x.id,
        )
        return
    if not x.pillar:
        r.add(
            where,
            "採点する設問には柱が必要です（セクションか設問に pillar を書いてください）",
            x.id,
        )
    for key, value in (("yes", rule.yes), ("no", rule.no)):
        if value is not None and not 0 <= value <= 1:
            r.add(join(where, key), f"{key} の得点は 0 から 1 の間にしてください", x.id)
    if rule.method in ("choice", "sum", "grid_average"):
        for k, c in enumerate(x.choices):
            cpath = f"{x.path}.{opts}[{k}]"
            if c.not_applicable:
                if c.score is not None:
                    r.add(join(cpath, "score"), "対象外の選択肢に score は書けません", x.id)
            elif c.score is None:
                r.add(cpath, f"選択肢「{c.label or c.value}」に score がありません", x.id)
            elif not 0 <= c.score <= 1:
                r.add(
                    join(cpath, "score"),
                    f"選択肢「{c.label}」の score は 0 から 1 の間にしてください",
                    x.id,
                )
    if rule.method == "count" and rule.full_at is not None:
        countable = sum(1 for c in x.choices if not c.exclusive)
        if not 1 <= rule.full_at <= countable:
            r.add(
                join(where, "full_at"),
                f"full_at は 1 から {countable}（選択肢の数）の間にしてください",
                x.id,
            )
    if rule.method == "breakpoints":
        if not rule.breakpoints:
            r.add(join(where, "breakpoints"), "区切り点を 1 つ以上書いてください", x.id)
        for k, (value, score) in enumerate(rule.breakpoints):
            ppath = join(where, f"breakpoints[{k}]")
            if k and value <= rule.breakpoints[k - 1][0]:
                r.add(ppath, "区切り点の値は小さい順（前より大きい値）に並べてください", x.id)
            if not 0 <= score <= 1:
                r.add(ppath, f"区切り点の得点 {score} は 0 から 1 の間にしてください", x.id)


def _levels(q: Questionnaire, r: Reader) -> None:
    levels = q.levels.levels
    if len(levels) != LEVEL_COUNT:
        r.add(
            "levels",
            f"成熟度レベルはちょうど {LEVEL_COUNT} つ書いてください（いまは {len(levels)} つ）",
        )
        return
    for k, level in enumerate(levels):
        if level.level != k + 1:
            r.add(f"levels[{k}].level", f"level は 1 から順に書いてください（{k + 1} のはずです）")
        if k == 0 and level.min_score != 0:
            r.add("levels[0].min", "レベル 1 の min は 0 にしてください")
        if k and level.min_score <= levels[k - 1].min_score:
            r.add(
                f"levels[{k}].min",
                "min が前のレベル以下です。しきい値は小さい順に、前より大きくしてください",
            )
        if not 0 <= level.min_score < 100:
            r.add(f"levels[{k}].min", "min は 0 以上 100 未満にしてください")


def _version_map(q: Questionnaire, r: Reader) -> None:
    vm = q.version_map
    if vm is None:
        return
    if vm.previous_version and vm.previous_version == q.version:
        r.add("previous.version", "previous.version が自分自身の version と同じです")
    seen: set[str] = set()
    for e in vm.entries:
        if not q.has_question(e.question):
            r.add(join(e.path, "question"), f"この版に設問「{e.question}」はありません", e.question)
            continue
        if e.question in seen:
            r.add(
                join(e.path, "question"), f"設問「{e.question}」の対応が 2 回あります", e.question
            )
        seen.add(e.question)
        if not e.sources:
            r.add(join(e.path, "from"), "from に前の版の設問 id を書いてください", e.question)
        target = q.question(e.question)
        for old, new in e.value_map:
            if target.choices and new not in target.choice_values:
                r.add(
                    join(e.path, f"value_map.{old}"),
                    f"この版の設問「{e.question}」に選択肢「{new}」はありません",
                    e.question,
                )
        if e.combine and len(e.sources) < 2:
            r.add(
                join(e.path, "combine"), "combine は from が 2 つ以上のときに使います", e.question
            )
    for k, old in enumerate(vm.retired):
        if q.has_question(old):
            r.add(
                f"previous.retired[{k}]",
                f"設問「{old}」はこの版にもあるため retired にできません",
                old,
            )


def _bindings(q: Questionnaire, r: Reader) -> None:
    """Every binding names a known role, a question of this version of a type that fits the
    role, and (for a role that counts a choice) one of that question's choices."""
    for b in q.bindings:
        role = ROLES.get(b.role)
        if role is None:
            names = "、".join(ROLES)
            r.add(b.path, f"不明な役割「{b.role}」です（使える役割: {names}）")
            continue
        if not q.has_question(b.question):
            moved = [
                e.question
                for e in (q.version_map.entries if q.version_map else ())
                if b.question in e.sources
            ]
            targets = "」「".join(moved)
            hint = (
                f"。previous.map で「{targets}」に移しているので、bindings も直してください"
                if moved
                else ""
            )
            r.add(b.path, f"この版に設問「{b.question}」はありません{hint}", b.question)
            continue
        question = q.question(b.question)
        if not role.fits(question):
            kinds = "・".join(role.types)
            r.add(
                b.path,
                f"役割「{b.role}」（{role.label}）には {kinds} の設問を指定してください"
                f"（設問「{b.question}」は {question.type} です）",
                b.question,
            )
            continue
        if role.choice and not b.choices:
            r.add(
                join(b.path, "choice"),
                f"役割「{b.role}」（{role.label}）には数える選択肢を choice で書いてください",
                b.question,
            )
        if not role.choice and b.choices:
            r.add(join(b.path, "choice"), f"役割「{b.role}」には choice は使えません", b.question)
        for value in b.choices if role.choice else ():
            if value not in question.choice_values:
                r.add(
                    join(b.path, "choice"),
                    f"設問「{b.question}」に選択肢「{value}」はありません",
                    b.question,
                )
