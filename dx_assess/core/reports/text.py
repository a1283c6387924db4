"""Text as the PDF can show it: characters the bundled font covers, Japanese lines joined.

Reports embed only the bundled font (no system font is ever used, see ``render``), so a
character outside it (an emoji or a rare character typed into a free-text answer) would print
as an empty box. ``printable`` replaces such a character with 〓 (the geta mark, the customary
Japanese sign for a character that cannot be printed), or with a close equivalent where there
is one. ``join_lines`` removes the space a folded YAML line leaves between two Japanese
characters (「事業者と スケジュール」), which would otherwise print as a visible gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from dx_assess.core.questionnaire.reader import unfold
from dx_assess.core.reports.assets import font_paths

GETA = "〓"
#: Characters the font lacks that have a close equivalent in it.
EQUIVALENTS = {"≒": "≈", "✔": "○", "✓": "○", "✕": "×", "✖": "×", "\u00ad": ""}
_KEEP = {"\n", "\t"}


@cache
def covered() -> frozenset[int]:
    """Code points every bundled face (regular and bold) can draw."""
    from fontTools.ttLib import TTFont

    sets = []
    for path in font_paths().values():
        font = TTFont(str(path), lazy=True)
        try:
            sets.append(set(font["cmap"].getBestCmap()))
        finally:
            font.close()
    return frozenset(set.intersection(*sets))


def printable(text: str) -> str:
    """``text`` with every character the font cannot draw replaced (see the module doc)."""
    cmap = covered()
    if all(ord(c) in cmap or c in _KEEP for c in text):
        return text
    out = []
    for c in text:
        if ord(c) in cmap or c in _KEEP:
            out.append(c)
        elif c in EQUIVALENTS:
            out.append(EQUIVALENTS[c])
        elif c.isspace():
            out.append(" ")
        elif not c.isprintable():
            continue  # control and format characters (zero-width space, bidi marks …)
        else:
            out.append(GETA)
    return "".join(out)


def missing(text: str) -> set[str]:
    """The printable characters of ``text`` the font cannot draw (for tests and
    diagnostics; invisible ones such as a byte-order mark are dropped, not missing)."""
    cmap = covered()
    return {c for c in text if ord(c) not in cmap and c.isprintable()}


def join_lines(text: str) -> str:
    """Remove the spaces between two Japanese characters (line breaks are kept); the same rule
    the questionnaire loader applies (:func:`dx_assess.core.questionnaire.reader.unfold`)."""
    return unfold(text)


def printable_tree(value: Any) -> Any:
    """``printable`` applied to every string in nested dicts, lists and tuples."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, Mapping):
        return {k: printable_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable_tree(v) for v in value]
    return value
