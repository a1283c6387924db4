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
from functools import lru_cache

_BINOPS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[float, float], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


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
    try:
        module = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"式を読み取れません（{exc.msg}）") from None
    return module.body


def _value(node: ast.expr, values: Mapping[str, float | None]) -> float | None:
    if isinstance(node, ast.Constant):
        return float(node.value) if isinstance(node.value, int | float) else None
    if isinstance(node, ast.Name):
        v = values.get(node.id)
        return None if v is None else float(v)
    if isinstance(node, ast.UnaryOp):
        inner = _value(node.operand, values)
        if inner is None:
            return None
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        left = _value(node.left, values)
        right = _value(node.right, values)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Div) and right == 0:
            return None
        return _BINOPS[type(node.op)](left, right)
    raise ExpressionError("式を計算できません")  # pragma: no cover - excluded by parsing


def evaluate_formula(source: str, values: Mapping[str, float | None]) -> float | None:
    """Value of a formula, or None if a name is unanswered or it divides by zero."""
    return _value(parse_formula(source).tree, values)


def evaluate_rule(source: str, values: Mapping[str, float | None]) -> bool | None:
    """True/False for a rule, or None when it cannot be evaluated yet (missing values)."""
    tree = parse_rule(source).tree
    assert isinstance(tree, ast.Compare)  # noqa: S101 - guaranteed by parse_rule
    left = _value(tree.left, values)
    right = _value(tree.comparators[0], values)
    if left is None or right is None:
        return None
    return _CMPOPS[type(tree.ops[0])](left, right)
