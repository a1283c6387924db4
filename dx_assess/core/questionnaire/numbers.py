"""Exact decimal rounding, score comparison at a fixed precision, and the digit rule.

Pure functions shared by the questionnaire model, the answer checks, the scoring engine and
the web forms (documented in questionnaires/README.md and docs/scoring.md):

* :func:`round_half_up` rounds 四捨五入 — half away from zero — on the **decimal value** (the
  number as typed, or the exact result of a formula), never on its binary float: 12.5 → 13,
  0.25 → 0.3, 80.85 → 80.9, −2.5 → −3.
* :func:`score_at_precision` / :func:`compare_score` compare scores with thresholds (maturity
  levels, ``pillar_score`` conditions) after rounding them to :data:`SCORE_DECIMALS` decimal
  places, so a pillar that is exactly 60 by its rule but 59.999999999999986 in binary floating
  point is 60.
* :func:`foreign_digits` finds digits a number field must refuse: only ASCII 0–9 and their
  full-width forms ０–９ are digits here; superscripts (²), circled (①) and other scripts' digits
  are not (``str.isdigit`` accepts ``²`` although ``int`` refuses it).
"""

from __future__ import annotations

import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

#: Scores (0..100) are compared with thresholds after rounding to this many decimal places.
SCORE_DECIMALS = 9

#: The largest ``decimals`` a question may declare.
MAX_DECIMALS = 6

_DIGITS = frozenset("0123456789０１２３４５６７８９")
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def exact(value: Fraction | Decimal | int | float | str) -> Fraction:
    """The exact rational value of a number. A float is read through its shortest decimal
    form (``repr``), which is the number as typed: ``0.1`` is 1/10, not the binary
    0.1000000000000000055…; a string is read as a decimal numeral."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, float):
        return Fraction(repr(value))
    if isinstance(value, str):
        try:
            return Fraction(Decimal(value.strip()))
        except (InvalidOperation, ValueError):
            raise ValueError(f"not a decimal number: {value!r}") from None
    return Fraction(value)


def round_half_up(value: Fraction | Decimal | int | float | str, decimals: int) -> float:
    """``value`` rounded to ``decimals`` places, half away from zero (四捨五入), as a float.

    ``round_half_up("12.5", 0) == 13.0``, ``round_half_up(0.25, 1) == 0.3``,
    ``round_half_up(Fraction(1617, 20), 1) == 80.9``.
    """
    if isinstance(value, str | Decimal):
        number = Decimal(value.strip()) if isinstance(value, str) else value
        quantum = Decimal(1).scaleb(-decimals)
        return float(number.quantize(quantum, rounding=ROUND_HALF_UP))
    x = exact(value)
    scale = 10**decimals
    scaled = abs(x) * scale
    whole = int(scaled)  # floor, scaled is not negative
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return float(Fraction(whole if x >= 0 else -whole, scale))


def score_at_precision(score: float) -> float:
    """``score`` rounded to :data:`SCORE_DECIMALS` places: the value thresholds see."""
    return round(score, SCORE_DECIMALS)


def compare(op: str, left: float, right: float) -> bool:
    """``left`` OP ``right`` for the comparisons a questionnaire names (gt, gte, lt, lte)."""
    if op == "gt":
        return left > right
    if op == "gte":
        return left >= right
    if op == "lt":
        return left < right
    if op == "lte":
        return left <= right
    raise ValueError(f"unknown comparison {op!r}")


def compare_score(op: str, score: float, limit: float) -> bool:
    """``score`` OP ``limit`` (gt, gte, lt, lte) at :data:`SCORE_DECIMALS` places."""
    return compare(op, score_at_precision(score), score_at_precision(limit))


def foreign_digits(text: str) -> list[str]:
    """The characters of ``text`` that are digits of some kind but neither ASCII 0–9 nor
    full-width ０–９ (e.g. ``²``, ``①``, ``٣``), in order of appearance."""
    return [c for c in text if c not in _DIGITS and unicodedata.digit(c, None) is not None]


def parse_ascii_int(text: str | None) -> int | None:
    """A non-negative integer written with ASCII or full-width digits only (surrounding
    spaces ignored), else None. ``"2025"`` and ``"２０２５"`` → 2025; ``"²"``, ``"1e3"``,
    ``"-1"``, ``""`` and more than 18 digits → None."""
    if text is None:
        return None
    digits = text.strip().translate(_FULL_WIDTH_DIGITS)
    if not digits or len(digits) > 18 or not digits.isascii() or not digits.isdigit():
        return None
    return int(digits)
