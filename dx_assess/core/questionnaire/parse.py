"""Turn parsed YAML data into model objects, reporting structural mistakes.

Cross-references (ids, pillars, cases, ordering) are checked afterwards in
:mod:`dx_assess.core.questionnaire.validate`; here we only check shapes and value types.
"""

from __future__ import annotations

import re
from typing import Any

from dx_assess.core.questionnaire.conditions import QUESTION_OPS
from dx_assess.core.questionnaire.expressions import ExpressionError, parse_formula
from dx_assess.core.questionnaire.model import (
    CARRY_MODES,
    CARRY_VALUE,
    AllOf,
    AnyOf,
    Choice,
    Condition,
    ConditionValue,
    Formula,
    GridRow,
    Not,
    PillarScoreTest,
    Question,
    QuestionTest,
    ScoringRule,
    Section,
)
from dx_assess.core.questionnaire.numbers import MAX_DECIMALS
from dx_assess.core.questionnaire.reader import Reader, describe
from dx_assess.core.questionnaire.types import COMMON_KEYS, QUESTION_TYPES, get_type
from dx_assess.core.questionnaire.yamlsrc import join

ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SCORING_KEYS = {
    "yes_no": ("yes", "no"),
    "choice": (),
    "count": ("full_at",),
    "sum": (),
    "breakpoints": ("breakpoints",),
    "grid_average": (),
}
SCORING_REQUIRED = {"yes_no": ("yes", "no"), "breakpoints": ("breakpoints",)}
PILLAR_OPS = ("gt", "gte", "lt", "lte")


def read_id(r: Reader, obj: dict[str, Any], path: str, what: str, qid: str | None = None) -> str:
    value = r.string(obj, "id", path, qid)
    if value and not ID_RE.match(value):
        r.add(
            join(path, "id"), f"{what}の id「{value}」は半角英小文字・数字・_ で書いてください", qid
        )
    return value


def parse_sections(r: Reader, data: dict[str, Any]) -> tuple[Section, ...]:
    sections: list[Section] = []
    for path, m in r.records(
        data,
        "sections",
        "",
        allowed=("id", "title", "pillar", "description", "questions"),
        required=("id", "title", "questions"),
    ):
        sid = read_id(r, m, path, "セクション")
        pillar = r.opt_string(m, "pillar", path)
        questions = tuple(
            q
            for qpath, qraw in r.items(m, "questions", path, required=True)
            if (q := parse_question(r, qraw, qpath, sid, pillar)) is not None
        )
        sections.append(
            Section(
                sid, r.text(m, "title", path), pillar, r.string(m, "description", path), questions
            )
        )
    return tuple(sections)


def parse_question(
    r: Reader, raw: object, path: str, section: str, section_pillar: str | None
) -> Question | None:
    qid = raw.get("id") if isinstance(raw, dict) else None
    qid = qid if isinstance(qid, str) else None
    m = r.mapping(raw, path, qid)
    if m is None:
        return None
    for key in ("id", "type", "text"):
        if m.get(key) is None:
            r.add(join(path, key), f"必須のキー「{key}」がありません", qid)
    qid = read_id(r, m, path, "設問", qid) or None
    type_name = r.string(m, "type", path, qid)
    qtype = get_type(type_name)
    if qtype is None and type_name:
        names = "、".join(QUESTION_TYPES)
        r.add(
            join(path, "type"), f"不明な設問の種類「{type_name}」です（使える種類: {names}）", qid
        )
    allowed = (
        qtype.allowed_keys
        if qtype
        else COMMON_KEYS | {k for t in QUESTION_TYPES.values() for k in t.keys}
    )
    for key in m:
        if key not in allowed:
            what = f"種類 {type_name} の設問では" if qtype else ""
            r.add(join(path, key), f"{what}キー「{key}」は使えません", qid)
    options_key = qtype.options_key if qtype else "choices"
    choices = tuple(
        c
        for cpath, craw in r.items(m, options_key, path, qid)
        if (c := parse_choice(r, craw, cpath, qid)) is not None
    )
    rows = [
        GridRow(r.string(rm, "id", rpath, qid), r.string(rm, "label", rpath, qid))
        for rpath, rm in r.records(
            m, "rows", path, qid, allowed=("id", "label"), required=("id", "label")
        )
    ]
    formula = None
    if m.get("formula") is not None:
        source = r.string(m, "formula", path, qid)
        try:
            formula = Formula(source, parse_formula(source).names)
        except ExpressionError as exc:
            r.add(join(path, "formula"), f"計算式の誤り: {exc}", qid)
            formula = Formula(source, ())  # reported once: the formula is there, only wrong
    show_when = None
    if "show_when" in m:
        show_when = parse_condition(r, m["show_when"], join(path, "show_when"), qid, False)
    decimals = r.integer(m, "decimals", path, qid)
    if decimals is not None and not 0 <= decimals <= MAX_DECIMALS:
        r.add(
            join(path, "decimals"),
            f"decimals は 0 から {MAX_DECIMALS} までの整数にしてください（いまは {decimals}）",
            qid,
        )
        decimals = None
    scoring = None
    if "scoring" in m:
        scoring = parse_scoring(r, m["scoring"], join(path, "scoring"), qid)
    carry = r.string(m, "carry", path, qid, CARRY_VALUE)
    if carry not in CARRY_MODES:
        r.add(
            join(path, "carry"),
            f"carry は value（値を引き継ぐ）か reference（前回の回答を参考に表示）です（{carry}）",
            qid,
        )
        carry = CARRY_VALUE
    elif carry != CARRY_VALUE and formula is not None:
        r.add(join(path, "carry"), "計算値の設問には carry を書けません", qid)
        carry = CARRY_VALUE
    return Question(
        id=qid or "",
        type=type_name,
        text=r.string(m, "text", path, qid),
        section=section,
        pillar=r.opt_string(m, "pillar", path, qid) or section_pillar,
        help=r.string(m, "help", path, qid),
        required=r.boolean(m, "required", path, qid),
        weight=r.number(m, "weight", path, qid, 1.0) or 0.0,
        unit=qtype.fixed_unit if qtype and qtype.fixed_unit else r.opt_string(m, "unit", path, qid),
        min=r.number(m, "min", path, qid, qtype.default_min if qtype else None),
        max=r.number(m, "max", path, qid, qtype.default_max if qtype else None),
        max_length=r.integer(m, "max_length", path, qid),
        decimals=decimals,
        choices=choices,
        rows=tuple(rows),
        formula=formula,
        show_when=show_when,
        scoring=scoring,
        carry=carry,
        path=path,
        line=r.source.line(path),
    )


def parse_choice(r: Reader, raw: object, path: str, qid: str | None) -> Choice | None:
    m = r.mapping(
        raw,
        path,
        qid,
        allowed=("value", "label", "score", "exclusive", "not_applicable"),
        required=("value", "label"),
    )
    if m is None:
        return None
    return Choice(
        value=r.string(m, "value", path, qid),
        label=r.string(m, "label", path, qid),
        score=r.number(m, "score", path, qid),
        exclusive=r.boolean(m, "exclusive", path, qid),
        not_applicable=r.boolean(m, "not_applicable", path, qid),
    )


def parse_scoring(r: Reader, raw: object, path: str, qid: str | None) -> ScoringRule | None:
    m = r.mapping(raw, path, qid, required=("method",))
    if m is None:
        return None
    method = r.string(m, "method", path, qid)
    if method and method not in SCORING_KEYS:
        names = "、".join(SCORING_KEYS)
        r.add(join(path, "method"), f"不明な採点方法「{method}」です（使える方法: {names}）", qid)
        return None
    allowed = ("method", *SCORING_KEYS.get(method, ()))
    r.mapping(m, path, qid, allowed=allowed, required=SCORING_REQUIRED.get(method, ()))
    points: list[tuple[float, float]] = []
    for ppath, point in r.items(m, "breakpoints", path, qid):
        if (
            isinstance(point, list)
            and len(point) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
        ):
            points.append((float(point[0]), float(point[1])))
        else:
            r.add(ppath, f"区切り点は [値, 得点] の形で書いてください（いまは {point!r}）", qid)
    return ScoringRule(
        method=method,
        yes=r.number(m, "yes", path, qid),
        no=r.number(m, "no", path, qid),
        full_at=r.integer(m, "full_at", path, qid),
        breakpoints=tuple(points),
    )


def _condition_value(r: Reader, raw: object, path: str, qid: str | None) -> ConditionValue:
    if isinstance(raw, list):
        out: list[str | int | float | bool] = []
        for i, item in enumerate(raw):
            if isinstance(item, str | int | float | bool):
                out.append(item)
            else:
                r.add(join(path, i), f"条件の値に {describe(item)} は使えません", qid)
        return tuple(out)
    if raw is None or isinstance(raw, str | int | float | bool):
        return raw
    r.add(path, f"条件の値に {describe(raw)} は使えません", qid)
    return None


def parse_condition(
    r: Reader, raw: object, path: str, qid: str | None, allow_pillars: bool
) -> Condition | None:
    """Parse ``{question: id, op: value}`` / ``all`` / ``any`` / ``not`` / ``pillar_score``."""
    m = r.mapping(raw, path, qid)
    if m is None:
        return None
    for combinator in ("all", "any"):
        if combinator in m:
            r.mapping(m, path, qid, allowed=(combinator,))
            parts = [
                c
                for cpath, craw in r.items(m, combinator, path, qid)
                if (c := parse_condition(r, craw, cpath, qid, allow_pillars)) is not None
            ]
            if not parts:
                r.add(join(path, combinator), f"「{combinator}」に条件が 1 つもありません", qid)
            return AllOf(tuple(parts)) if combinator == "all" else AnyOf(tuple(parts))
    if "not" in m:
        r.mapping(m, path, qid, allowed=("not",))
        inner = parse_condition(r, m["not"], join(path, "not"), qid, allow_pillars)
        return Not(inner) if inner is not None else None
    if "pillar_score" in m:
        r.mapping(m, path, qid, allowed=("pillar_score",))
        sub = join(path, "pillar_score")
        if not allow_pillars:
            r.add(sub, "pillar_score は推奨事項（recommendations）の条件でだけ使えます", qid)
            return None
        pm = r.mapping(
            m["pillar_score"], sub, qid, allowed=("pillar", *PILLAR_OPS), required=("pillar",)
        )
        if pm is None:
            return None
        ops = [op for op in PILLAR_OPS if op in pm]
        if len(ops) != 1:
            r.add(sub, "pillar_score には gt / gte / lt / lte のどれか 1 つを書いてください", qid)
            return None
        limit = r.number(pm, ops[0], sub, qid, 0.0) or 0.0
        return PillarScoreTest(r.string(pm, "pillar", sub, qid), ops[0], limit)
    if "question" not in m:
        r.add(
            path, "条件には question / all / any / not / pillar_score のどれかを書いてください", qid
        )
        return None
    r.mapping(m, path, qid, allowed=("question", "row", *QUESTION_OPS))
    ops = [op for op in QUESTION_OPS if op in m]
    if len(ops) != 1:
        r.add(path, f"条件には比較（{' / '.join(QUESTION_OPS)}）をちょうど 1 つ書いてください", qid)
        return None
    value = _condition_value(r, m[ops[0]], join(path, ops[0]), qid)
    return QuestionTest(
        r.string(m, "question", path, qid), ops[0], value, r.opt_string(m, "row", path, qid)
    )
