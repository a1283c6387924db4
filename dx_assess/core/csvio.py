"""Reading CSV files as Japanese offices produce them.

Accepted encodings: UTF-8, UTF-8 with a BOM, and Shift_JIS/CP932 (Excel's default on
Japanese Windows). Anything else is refused with a clear message, never guessed.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass


class CsvDecodeError(ValueError):
    """The bytes are not UTF-8 or Shift_JIS/CP932 text."""


@dataclass(frozen=True)
class DecodedCsv:
    encoding: str  # "utf-8", "utf-8-sig" or "cp932"
    rows: list[tuple[int, list[str]]]  # (line number, cells); header included, blank rows dropped

    @property
    def encoding_label(self) -> str:
        return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM付き)", "cp932": "Shift_JIS (CP932)"}[
            self.encoding
        ]


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode ``data``; return (text, encoding). Raises CsvDecodeError.

    Text containing control or private-use characters (a UTF-16 file, a binary file, bytes
    that only look like CP932) is refused rather than read as garbage.
    """
    text, encoding = _decode(data)
    for index, char in enumerate(text):
        if char not in "\t\r\n" and unicodedata.category(char) in ("Cc", "Co", "Cs"):
            line = text[:index].count("\n") + 1
            raise CsvDecodeError(_message(line))
    return text, encoding


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise CsvDecodeError(_decode_message(data, exc)) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise CsvDecodeError(_decode_message(data, exc)) from exc


def _decode_message(data: bytes, exc: UnicodeDecodeError) -> str:
    return _message(data[: exc.start].count(b"\n") + 1)


def _message(line: int) -> str:
    return (
        f"文字コードを判別できません（{line}行目付近）。"
        "UTF-8（BOM付き・なし）または Shift_JIS で保存したCSVファイルを指定してください。"
    )


def read_csv(data: bytes) -> DecodedCsv:
    """Decode and parse CSV bytes; blank rows are dropped, cells are stripped."""
    text, encoding = decode_text(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        rows = []
        for cells in reader:
            stripped = [cell.strip() for cell in cells]
            if any(stripped):
                rows.append((reader.line_num, stripped))
    except csv.Error as exc:
        raise CsvDecodeError(f"CSVとして読み取れません（{reader.line_num}行目）: {exc}") from exc
    return DecodedCsv(encoding=encoding, rows=rows)
