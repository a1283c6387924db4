"""Tiny arithmetic expressions for derived values and cross-field rules.

Allowed: numbers, question ids, ``+ - * /``, parentheses, unary minus, and (in rules only)
one comparison ``< <= > >= == !=``. Nothing else is accepted, and nothing is ever passed to
``eval``: the expression is parsed with :mod:`ast` and walked by hand.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from dx_assess.core.questionnaire.numbers import exact, round_half_up

_BINOPS: dict[type[ast.operator], Callable[[Fraction, Fraction], Fraction]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Fraction, Fraction], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


#: Longest formula or rule (characters), and deepest nesting of its operations. Bounds keep
#: parsing and evaluation far from Python's recursion limit (a 3,000-term formula once
#: crashed ``questionnaire check``).
MAX_LENGTH = 500
MAX_NESTING = 50


class ExpressionError(ValueError):
    """The expression is not in the allowed form (message in Japanese)."""


@dataclass(frozen=True)
class Parsed:
    tree: ast.expr
    names: tuple[str, ...]


def _check(node: ast.expr, names: list[str]) -> None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExpressionError(f"式に使えない値です: {node.value!r}")
    elif isinstance(node, ast.Name):
        if node.id not in names:
            names.append(node.id)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise ExpressionError("式に使える演算子は + - * / だけです")
        _check(node.left, names)
        _check(node.right, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        _check(node.operand, names)
    else:
        raise ExpressionError("式には数値・設問ID・+ - * /・かっこだけが使えます")


@lru_cache(maxsize=512)
def parse_formula(source: str) -> Parsed:
    """Parse an arithmetic expression (derived values)."""
    tree = _parse(source)
    if isinstance(tree, ast.Compare):
        raise ExpressionError("計算式に比較（<= など）は使えません")
    names: list[str] = []
    _check(tree, names)
    return Parsed(tree, tuple(names))


@lru_cache(maxsize=512)
def parse_rule(source: str) -> Parsed:
    """Parse a comparison ``expr OP expr`` (cross-field rules)."""
    tree = _parse(source)
    if not isinstance(tree, ast.Compare) or len(tree.ops) != 1:
        raise ExpressionError("チェック式は「A <= B」のように比較を 1 つだけ含めてください")
    if type(tree.ops[0]) not in _CMPOPS:
        raise ExpressionError("比較に使えるのは < <= > >= == != だけです")
    names: list[str] = []
    _check(tree.left, names)
    _check(tree.comparators[0], names)
    return Parsed(tree, tuple(names))


def _parse(source: str) -> ast.expr:
    if not source.strip():
        raise ExpressionError("式が空です")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"式が長すぎます（{len(source):,} 文字。{MAX_LENGTH} 文字まで）")
    try:
        module = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"式を読み取れません（{exc.msg}）") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"式が複雑すぎます（入れ子は {MAX_NESTING} 段まで）") from None
    _check_nesting(module.body)
    return module.body


def _check_nesting(tree: ast.expr) -> None:
    """Refuse trees deeper than MAX_NESTING (walked without recursion)."""
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ExpressionError(f"式が複雑すぎます（入れ子は {MAX_NESTING} 段まで）")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


_OP_SIGNS: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def formula_json(source: str) -> object:
    """A formula as plain data for the page's script, which recomputes a derived value as
    the user types (the server still computes the stored one): ``{"n": 100}``, ``{"q": id}``,
    ``{"neg": …}``, ``{"op": "/", "l": …, "r": …}``."""

    def walk(node: ast.expr) -> object:
        if isinstance(node, ast.Constant):
            return {"n": node.value}
        if isinstance(node, ast.Name):
            return {"q": node.id}
        if isinstance(node, ast.UnaryOp):
            inner = walk(node.operand)
            return {"neg": inner} if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp):
            return {"op": _OP_SIGNS[type(node.op)], "l": walk(node.left), "r": walk(node.right)}
        raise ExpressionError("式を計算できません")  # pragma: no cover - excluded by parsing

    return walk(parse_formula(source).tree)


def _exact(node: ast.expr, values: Mapping[str, Fraction | None]) -> Fraction | None:
    """The exact rational value (numbers read as the decimals they were written as), so
    that 1617 / 2000 * 100 is 80.85 and rounds to 80.9, not binary 80.8499…"""
    if isinstance(node, ast.Constant):
        return exact(node.value) if isinstance(node.value, int | float) else None
    if isinstance(node, ast.Name):
        return values.get(node.id)
    if isinstance(node, ast.UnaryOp):
        inner = _exact(node.operand, values)
        if inner is None:
            return None
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        left = _exact(node.left, values)
        right = _exact(node.right, values)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Div) and right == 0:
            return None
        return _BINOPS[type(node.op)](left, right)
    raise ExpressionError("式を計算できません")  # pragma: no cover - excluded by parsing


def _exact_values(
    names: tuple[str, ...], values: Mapping[str, float | None]
) -> dict[str, Fraction | None]:
    return {n: None if (v := values.get(n)) is None else exact(v) for n in names}


def evaluate_formula_exact(source: str, values: Mapping[str, float | None]) -> Fraction | None:
    """The exact value of a formula, or None if a name is unanswered or it divides by zero."""
    parsed = parse_formula(source)
    return _exact(parsed.tree, _exact_values(parsed.names, values))


def evaluate_formula(source: str, values: Mapping[str, float | None]) -> float | None:
    """Value of a formula, or None if a name is unanswered or it divides by zero."""
    value = evaluate_formula_exact(source, values)
    return None if value is None else float(value)


def evaluate_derived(
    source: str, values: Mapping[str, float | None], decimals: int | None
) -> float | None:
    """A derived question's value: its formula, rounded 四捨五入 to ``decimals`` places on
    the exact result (None when it cannot be computed)."""
    value = evaluate_formula_exact(source, values)
    if value is None:
        return None
    return float(value) if decimals is None else round_half_up(value, decimals)


def evaluate_rule(source: str, values: Mapping[str, float | None]) -> bool | None:
    """True/False for a rule, or None when it cannot be evaluated yet (missing values)."""
    parsed = parse_rule(source)
    tree = parsed.tree
    assert isinstance(tree, ast.Compare)  # noqa: S101 - guaranteed by parse_rule
    exact_values = _exact_values(parsed.names, values)
    left = _exact(tree.left, exact_values)
    right = _exact(tree.comparators[0], exact_values)
    if left is None or right is None:
        return None
    return _CMPOPS[type(tree.ops[0])](left, right)
