"""Which registry municipality a row of a 総務省 statistics CSV is about: rows outside
Hokkaido and the wards of 札幌市 are told apart; a row is matched by 団体コード (6 digits, 5
digits, or 6 digits that lost the leading zero in a spreadsheet: 011002 -> 11002), or by name
(石狩郡当別町 or 当別町) when the code is empty. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Sequence

from dx_assess.core.registry.codes import is_valid_code
from dx_assess.core.registry.supported_list import RegistryEntry, Resolver, normalise
from dx_assess.core.statistics.layout import CODE_HEADERS, NAME_HEADERS, Layout
from dx_assess.core.statistics.model import StatisticsProblem

HOKKAIDO = "北海道"
HOKKAIDO_PREFIX = "01"

# 札幌市 (01100) is Hokkaido's only designated city; its wards have codes 01101–01110.
SAPPORO = "札幌市"
SAPPORO_WARDS = {
    "01101": "中央区",
    "01102": "北区",
    "01103": "東区",
    "01104": "白石区",
    "01105": "豊平区",
    "01106": "南区",
    "01107": "西区",
    "01108": "厚別区",
    "01109": "手稲区",
    "01110": "清田区",
}

# Written in the code column for "no code": the codeforjapan files have <NA> for two villages.
NO_CODE_MARKERS = {"<NA>", "NA", "N/A", "NAN", "-", "ー", "―"}


def _code5(raw: str) -> str | None:
    """The 5-digit code written as 6 digits, 5 digits, lost-zero 6 digits or lost-zero 5."""
    digits = normalise(raw)
    if not digits.isdigit():
        return None
    if len(digits) == 6:
        return digits[:5]
    if len(digits) == 5:
        return digits if digits.startswith("0") else digits.zfill(6)[:5]
    if len(digits) == 4:
        return digits.zfill(5)
    return None


def _is_sapporo_ward(code: str, name: str) -> bool:
    if code:
        return _code5(code) in SAPPORO_WARDS
    plain = normalise(name).removeprefix(HOKKAIDO)
    return plain.startswith(SAPPORO) and plain.removeprefix(SAPPORO) in SAPPORO_WARDS.values()


def _code_prefecture(raw: str, lost_zero_file: bool) -> str | None:
    """The 2-digit prefecture of a code, when its form tells (for files without 都道府県名).

    A 5-digit code not starting with 0 is either a 6-digit code that lost its zero (12025,
    函館市) or the 5-digit code of a prefecture numbered 10–47 (13101, 千代田区): it is taken as
    the former when the file also has 6-digit codes or when its check digit fits.
    """
    digits = normalise(raw)
    if not digits.isdigit():
        return None
    if len(digits) == 6:
        return digits[:2]
    if len(digits) == 5:
        if digits.startswith("0"):
            return digits[:2]
        lost_zero = lost_zero_file or is_valid_code(digits.zfill(6))
        return digits.zfill(6)[:2] if lost_zero else digits[:2]
    if len(digits) == 4:
        return digits.zfill(5)[:2]
    return None


class Matcher:
    """Decides, row by row, which registry municipality a row is about."""

    def __init__(self, layout: Layout, entries: Sequence[RegistryEntry], lost_zero_file: bool):
        self.layout = layout
        self.resolver = Resolver(list(entries))
        self.lost_zero_file = lost_zero_file
        self.code_title = layout.title(layout.code, CODE_HEADERS[0])
        self.name_title = layout.title(layout.name, NAME_HEADERS[0])

    def in_hokkaido(self, cells: list[str]) -> bool:
        """By 都道府県名; without it, by the code's prefecture digits; else by name.

        A row whose code tells nothing but whose name is in Hokkaido is kept, to be reported.
        """
        prefecture = normalise(self.layout.cell(cells, self.layout.prefecture))
        if prefecture:
            return prefecture == HOKKAIDO
        code = self.code(cells)
        by_code = _code_prefecture(code, self.lost_zero_file) if code else None
        if by_code is not None:
            return by_code == HOKKAIDO_PREFIX
        name = self.layout.cell(cells, self.layout.name)
        return normalise(name).startswith(HOKKAIDO) or not isinstance(self.resolver.name(name), str)

    def code(self, cells: list[str]) -> str:
        code = self.layout.cell(cells, self.layout.code)
        return "" if normalise(code).upper() in NO_CODE_MARKERS else code

    def is_ward(self, cells: list[str]) -> bool:
        return _is_sapporo_ward(self.code(cells), self.layout.cell(cells, self.layout.name))

    def entry(self, line: int, cells: list[str]) -> RegistryEntry | StatisticsProblem:
        code = self.code(cells)
        name = self.layout.cell(cells, self.layout.name)
        if code:
            resolved = self.resolver.code(code)
            if isinstance(resolved, str):
                return StatisticsProblem(line, self.code_title, code, resolved)
            if name and resolved not in self.resolver.by_name.get(normalise(name), []):
                return StatisticsProblem(
                    line,
                    None,
                    f"{code} {name}",
                    f"：団体コード {resolved.code} は{resolved.name}で、"
                    f"{self.name_title}と一致しません",
                )
            return resolved
        if name:
            resolved = self.resolver.name(name)
            if isinstance(resolved, str):
                return StatisticsProblem(line, self.name_title, name, resolved)
            return resolved
        return StatisticsProblem(line, None, "", f"{self.code_title}も{self.name_title}も空です")
