"""Which registry municipality a row of a 総務省 statistics CSV is about: rows outside
Hokkaido and the wards of 札幌市 are told apart; a row is matched by 団体コード (6 digits, 5
digits, or 6 digits that lost the leading zero in a spreadsheet: 011002 -> 11002), or by name
(石狩郡当別町 or 当別町) when the code is empty. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Sequence

from dx_assess.core.registry.codes import check_digit, is_valid_code
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


# Rows that are not a municipality: totals, 全国 and prefectures.
TOTAL_NAMES = {"全国", "全国計", "合計", "総計", "計", "小計", "総数", "都道府県計", "市区町村計"}
PREFECTURES = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
]


def ward_codes6() -> dict[str, str]:
    """The wards' 6-digit codes (with check digit) -> 5-digit codes."""
    return {c + str(check_digit(c)): c for c in SAPPORO_WARDS}


def _municipal_part(digits: str) -> str | None:
    """The 3-digit municipal part of a code as written (6, 5 or 4 digits), or None."""
    if len(digits) in (5, 6):
        return digits[2:5]
    if len(digits) == 4:
        return digits[1:4]
    return None


class Matcher:
    """Decides, row by row, which registry municipality a row is about.

    Codes: a file with any 6-digit code has 6-digit codes throughout (a 5-digit one lost its
    leading zero: 12025 is 012025, 函館市). A file with 4-digit codes (01202 saved as a number,
    1202) or 5-digit codes starting with 0 has 5-digit codes without check digit (13101 is
    千代田区). Otherwise a 5-digit code 1xxxx is Hokkaido's only when 0 + it is a Hokkaido code
    (its check digit fits) and, when the row has a name, the name is that municipality's: so
    the 5-digit codes of 埼玉県…神奈川県 in an all-Japan file are not taken for Hokkaido's.
    """

    def __init__(
        self,
        layout: Layout,
        entries: Sequence[RegistryEntry],
        body: Sequence[tuple[int, list[str]]],
    ) -> None:
        self.layout = layout
        self.resolver = Resolver(list(entries))
        self.code_title = layout.title(layout.code, CODE_HEADERS[0])
        self.name_title = layout.title(layout.name, NAME_HEADERS[0])
        forms = [normalise(self.code(cells)) for _, cells in body]
        forms = [f for f in forms if f.isdigit()]
        self.six_digit_file = any(len(f) == 6 for f in forms)
        self.five_digit_file = not self.six_digit_file and any(
            len(f) == 4 or (len(f) == 5 and f.startswith("0")) for f in forms
        )
        self.wards6 = ward_codes6()
        self.known6 = {e.code for e in entries} | set(self.wards6)

    def _lost_zero(self, digits: str, cells: list[str]) -> bool:
        """Whether a 5-digit code not starting with 0 is a 6-digit Hokkaido code that lost its
        zero (else it is the 5-digit code of a prefecture numbered 10–47)."""
        if self.six_digit_file:
            return True
        six = digits.zfill(6)
        if six not in self.known6 or not is_valid_code(six):
            return False
        name = normalise(self.layout.cell(cells, self.layout.name))
        if name:
            if six in self.wards6:
                ward = name.removeprefix(HOKKAIDO).removeprefix(SAPPORO)
                return ward in SAPPORO_WARDS.values()
            found = self.resolver.name(name)
            return not isinstance(found, str) and found.code == six
        return not self.five_digit_file

    def code_prefecture(self, cells: list[str]) -> str | None:
        """The 2-digit prefecture of the row's code, when its form tells."""
        digits = normalise(self.code(cells))
        if not digits.isdigit():
            return None
        if len(digits) == 6:
            return digits[:2]
        if len(digits) == 5:
            if digits.startswith("0"):
                return digits[:2]
            return digits.zfill(6)[:2] if self._lost_zero(digits, cells) else digits[:2]
        if len(digits) == 4:
            return digits.zfill(5)[:2]
        return None

    def total_row(self, cells: list[str]) -> str | None:
        """What a row is when it is a total, 全国 or a prefecture (else None): the text shown."""
        prefecture = normalise(self.layout.cell(cells, self.layout.prefecture))
        name = normalise(self.layout.cell(cells, self.layout.name))
        for text in (name, prefecture):
            bare = text.strip("()[]【】〔〕<>＜＞")
            if bare in TOTAL_NAMES or bare.endswith("合計") or (bare.endswith("計") and not name):
                return text
        if name in PREFECTURES:
            return name
        digits = normalise(self.code(cells))
        if digits.isdigit() and (
            _municipal_part(digits) == "000"
            or (len(digits) == 5 and is_valid_code(digits.zfill(6)) and digits[1:4] == "000")
        ):
            return name or prefecture or digits
        return None

    def in_hokkaido(self, cells: list[str]) -> bool:
        """By 都道府県名; without it, by the code's prefecture digits; else by name.

        A row whose code tells nothing but whose name is in Hokkaido is kept, to be reported.
        """
        prefecture = normalise(self.layout.cell(cells, self.layout.prefecture))
        if prefecture:
            return prefecture == HOKKAIDO
        by_code = self.code_prefecture(cells)
        if by_code is not None:
            return by_code == HOKKAIDO_PREFIX
        name = self.layout.cell(cells, self.layout.name)
        return normalise(name).startswith(HOKKAIDO) or not isinstance(self.resolver.name(name), str)

    def code(self, cells: list[str]) -> str:
        code = self.layout.cell(cells, self.layout.code)
        return "" if normalise(code).upper() in NO_CODE_MARKERS else code

    def is_ward(self, cells: list[str]) -> bool:
        return self.ward(cells) is not None

    def ward(self, cells: list[str]) -> str | None:
        """The 5-digit code of the 札幌市 ward a row is about, or None."""
        code = self.code(cells)
        name = self.layout.cell(cells, self.layout.name)
        if not _is_sapporo_ward(code, name):
            return None
        if code:
            return _code5(code)
        plain = normalise(name).removeprefix(HOKKAIDO).removeprefix(SAPPORO)
        return next(c for c, ward in SAPPORO_WARDS.items() if ward == plain)

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
