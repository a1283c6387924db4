"""Semantic checks of what conditions and formulas refer to: the questions and pillars they name
exist (and, for display conditions and formulas, come earlier), the operator fits the question's
type, and the values fit its choices, rows or numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

from dx_assess.core.questionnaire.conditions import NUMERIC_OPS
from dx_assess.core.questionnaire.model import (
    AllOf,
    AnyOf,
    Condition,
    Not,
    PillarScoreTest,
    Question,
    Questionnaire,
    QuestionTest,
)
from dx_assess.core.questionnaire.reader import Reader
from dx_assess.core.questionnaire.types import get_type
from dx_assess.core.questionnaire.yamlsrc import join


def check_numeric_names(
    q: Questionnaire, r: Reader, names: Iterable[str], path: str, qid: str | None, limit: int
) -> None:
    """Names in a formula or rule must be numeric questions; formulas only earlier ones."""
    for name in names:
        if not q.has_question(name):
            r.add(path, f"式が存在しない設問「{name}」を参照しています", qid)
            continue
        target = q.question(name)
        qt = get_type(target.type)
        if qt is None or not qt.numeric:
            r.add(path, f"式で使えるのは数値の設問だけです（「{name}」は {target.type}）", qid)
        elif name == qid or list(q.questions).index(target) >= limit:
            r.add(path, f"計算式はこの設問より前にある設問だけを参照できます（「{name}」）", qid)


def check_condition(
    q: Questionnaire,
    r: Reader,
    cond: Condition,
    path: str,
    qid: str | None,
    position: int | None,
    order: dict[str, int],
) -> None:
    if isinstance(cond, AllOf | AnyOf):
        word = "all" if isinstance(cond, AllOf) else "any"
        for k, item in enumerate(cond.items):
            check_condition(q, r, item, join(path, f"{word}[{k}]"), qid, position, order)
        return
    if isinstance(cond, Not):
        check_condition(q, r, cond.item, join(path, "not"), qid, position, order)
        return
    if isinstance(cond, PillarScoreTest):
        sub = join(path, "pillar_score")
        if cond.pillar not in {p.id for p in q.pillars}:
            r.add(sub, f"条件が存在しない柱「{cond.pillar}」を参照しています", qid)
        if not 0 <= cond.value <= 100:
            r.add(sub, "柱の得点は 0 から 100 の範囲で書いてください", qid)
        return
    _question_test(q, r, cond, path, qid, position, order)


def _question_test(
    q: Questionnaire,
    r: Reader,
    t: QuestionTest,
    path: str,
    qid: str | None,
    position: int | None,
    order: dict[str, int],
) -> None:
    if t.question not in order:
        r.add(join(path, "question"), f"条件が存在しない設問「{t.question}」を参照しています", qid)
        return
    if position is not None and order[t.question] >= position:
        what = "自分自身" if t.question == qid else f"後にある設問「{t.question}」"
        r.add(
            join(path, "question"),
            f"表示条件は前にある設問だけを参照できます（{what}を参照しています）",
            qid,
        )
    target = q.question(t.question)
    qt = get_type(target.type)
    if qt is None:
        return
    where = join(path, t.op)
    grid = qt.has_rows
    if t.row is not None and (not grid or t.row not in target.row_ids):
        r.add(join(path, "row"), f"設問「{t.question}」に行「{t.row}」はありません", qid)
    values = t.value if isinstance(t.value, tuple) else (t.value,)
    if t.op == "answered":
        if not isinstance(t.value, bool):
            r.add(where, "answered には true か false を書いてください", qid)
        return
    if t.op in ("in", "not_in", "any_row_in", "all_rows_in") and not isinstance(t.value, tuple):
        values = (t.value,)
        if t.op in ("in", "not_in"):
            r.add(where, f"{t.op} には値の一覧（[a, b]）を書いてください", qid)
            return
    if t.op in NUMERIC_OPS:
        if not qt.numeric:
            r.add(
                where, f"{t.op} は数値の設問だけに使えます（「{t.question}」は {target.type}）", qid
            )
        elif isinstance(t.value, bool) or not isinstance(t.value, int | float):
            r.add(where, f"{t.op} には数値を書いてください", qid)
        return
    if t.op in ("any_row_in", "all_rows_in") and (not grid or t.row is not None):
        r.add(where, f"{t.op} は状況の表（row なし）だけに使えます", qid)
        return
    if t.op == "contains" and not qt.many_values:
        r.add(where, "contains は複数選択の設問だけに使えます", qid)
        return
    if t.op in ("equals", "not_equals", "in", "not_in"):
        if qt.many_values:
            r.add(where, "複数選択の設問には contains を使ってください", qid)
            return
        if grid and t.row is None:
            r.add(
                where,
                "状況の表には row を指定するか any_row_in / all_rows_in を使ってください",
                qid,
            )
            return
    _check_values(r, target, values, where, qid, t.question)


def _check_values(
    r: Reader, target: Question, values: tuple[object, ...], where: str, qid: str | None, name: str
) -> None:
    qt = get_type(target.type)
    if qt is None:
        return
    for v in values:
        if (problem := qt.condition_problem(target, name, v)) is not None:
            r.add(where, problem, qid)
