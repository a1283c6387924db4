"""Parsing a support-programme list (対象市町村一覧) CSV. Pure: no database.

A file names municipalities by code or by name, one per row, with or without a header:
- codes: 6 digits with check digit (012025), 5 digits (01202), or a 6-digit code that
  lost its leading zero in a spreadsheet (12025);
- names: 函館市, with the county (亀田郡七飯町) or with 北海道 in front (北海道七飯町).
With a header, the column is found by name (code / lg_code / 団体コード / 市町村コード …,
name / 市町村名 / 団体名 …); when both columns are present they must agree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from dx_assess.core.csvio import CsvDecodeError, read_csv
from dx_assess.core.messages import N_, Message
from dx_assess.core.registry.codes import check_digit

CODE_HEADERS = {"code", "lg_code", "団体コード", "市町村コード", "全国地方公共団体コード", "コード"}
NAME_HEADERS = {"name", "市町村名", "団体名", "市区町村名", "名称", "自治体名"}


@dataclass(frozen=True)
class RegistryEntry:
    code: str
    name: str
    county: str | None


@dataclass(frozen=True)
class SupportedListProblem:
    line: int | None
    value: str
    message: str

    def as_message(self) -> Message:
        """The problem with its line, as pages show it (translatable); its text is
        ``str(self)``."""
        shown = f"「{self.value}」" if self.value else ""
        if self.line is not None:
            return N_(
                "%(n)d行目: %(value)s%(message)s", n=self.line, value=shown, message=self.message
            )
        return N_("%(value)s%(message)s", value=shown, message=self.message)

    def __str__(self) -> str:
        where = f"{self.line}行目: " if self.line is not None else ""
        shown = f"「{self.value}」" if self.value else ""
        return f"{where}{shown}{self.message}"


class SupportedListError(ValueError):
    def __init__(self, problems: list[SupportedListProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class ParsedSupportedList:
    encoding_label: str
    codes: tuple[str, ...]  # 6-digit codes in file order, duplicates removed


def _normalise(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


class _Resolver:
    def __init__(self, entries: list[RegistryEntry]) -> None:
        self.by_code = {e.code: e for e in entries}
        self.by_code5 = {e.code[:5]: e for e in entries}
        self.by_name: dict[str, list[RegistryEntry]] = {}
        for e in entries:
            keys = {e.name, "北海道" + e.name}
            if e.county:
                keys |= {e.county + e.name, "北海道" + e.county + e.name}
            for key in keys:
                self.by_name.setdefault(_normalise(key), []).append(e)

    def code(self, raw: str) -> RegistryEntry | str:
        digits = _normalise(raw)
        if len(digits) == 6:
            if check_digit(digits[:5]) != int(digits[5]):
                return N_("は検査数字（6桁目）が正しくありません")
            return self.by_code.get(digits) or N_("という団体コードは北海道の市町村にありません")
        if len(digits) == 5:
            # 01202 is a 5-digit code; 12025 is 012025 with its leading zero lost.
            entry = self.by_code5.get(digits) if digits.startswith("0") else None
            entry = entry or self.by_code.get(digits.zfill(6))
            return entry or N_("という団体コードは北海道の市町村にありません")
        if len(digits) == 4:
            return self.by_code5.get(digits.zfill(5)) or N_(
                "という団体コードは北海道の市町村にありません"
            )
        return N_("は団体コードの形（6桁または5桁の数字）ではありません")

    def name(self, raw: str) -> RegistryEntry | str:
        found = self.by_name.get(_normalise(raw), [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return N_("に当てはまる市町村が複数あります。団体コードで指定してください")
        return N_("という名前の市町村は北海道にありません")


# Public names for other importers (the statistics import) that resolve municipalities the same way.
normalise = _normalise
Resolver = _Resolver


def _find_column(header: list[str], names: set[str]) -> int | None:
    for index, cell in enumerate(header):
        if _normalise(cell).lower() in {_normalise(n).lower() for n in names}:
            return index
    return None


def parse_supported_list(data: bytes, entries: list[RegistryEntry]) -> ParsedSupportedList:
    """Resolve every row to a registry entry; raise SupportedListError listing all problems."""
    try:
        decoded = read_csv(data)
    except CsvDecodeError as exc:
        raise SupportedListError([SupportedListProblem(None, "", str(exc))]) from exc
    rows = decoded.rows
    resolver = _Resolver(entries)
    code_col = name_col = None
    if rows:
        header = rows[0][1]
        code_col = _find_column(header, CODE_HEADERS)
        name_col = _find_column(header, NAME_HEADERS)
        if code_col is not None or name_col is not None:
            rows = rows[1:]
    if not rows:
        raise SupportedListError(
            [SupportedListProblem(None, "", N_("ファイルに市町村が1件も書かれていません"))]
        )

    problems: list[SupportedListProblem] = []
    codes: list[str] = []
    for line, cells in rows:
        by_code: RegistryEntry | None = None
        by_name: RegistryEntry | None = None
        entry: RegistryEntry
        if code_col is None and name_col is None:
            value = next(c for c in cells if c)
            digits = _normalise(value)
            result = resolver.code(value) if digits.isdigit() else resolver.name(value)
            if isinstance(result, str):
                problems.append(SupportedListProblem(line, value, result))
                continue
            entry = result
        else:
            code_value = cells[code_col] if code_col is not None and code_col < len(cells) else ""
            name_value = cells[name_col] if name_col is not None and name_col < len(cells) else ""
            if code_value:
                resolved = resolver.code(code_value)
                if isinstance(resolved, str):
                    problems.append(SupportedListProblem(line, code_value, resolved))
                    continue
                by_code = resolved
            if name_value:
                resolved = resolver.name(name_value)
                if isinstance(resolved, str):
                    problems.append(SupportedListProblem(line, name_value, resolved))
                    continue
                by_name = resolved
            if by_code and by_name and by_code.code != by_name.code:
                problems.append(
                    SupportedListProblem(
                        line,
                        f"{code_value} {name_value}",
                        N_(
                            "：団体コード %(code)s は%(name)sで、名前と一致しません",
                            code=by_code.code,
                            name=by_code.name,
                        ),
                    )
                )
                continue
            found = by_code or by_name
            if found is None:
                problems.append(SupportedListProblem(line, "", N_("団体コードも名前も空です")))
                continue
            entry = found
        if entry.code not in codes:
            codes.append(entry.code)
    if problems:
        raise SupportedListError(problems)
    return ParsedSupportedList(encoding_label=decoded.encoding_label, codes=tuple(codes))
