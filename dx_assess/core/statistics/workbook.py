"""Reading a 総務省 statistics file as it comes: CSV (UTF-8, UTF-8 with a BOM, CP932) or an
Excel workbook (.xlsx). Either way the result is rows of text cells with their line (row)
numbers, blank rows dropped, as :func:`dx_assess.core.csvio.read_csv` gives. Pure: no database.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from dx_assess.core.csvio import CsvDecodeError, read_csv

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old .xls (Excel 97-2003)


class TableReadError(ValueError):
    """The bytes are neither a readable CSV nor a readable .xlsx workbook."""


@dataclass(frozen=True)
class Table:
    encoding_label: str  # "UTF-8", "Shift_JIS (CP932)", "Excel（.xlsx）シート「…」"
    rows: list[tuple[int, list[str]]]  # (line or row number, cells); blank rows dropped


def cell_text(value: object) -> str:
    """A worksheet cell as the text a CSV would hold: 1960668.0 -> "1960668", dates as
    2022/12/31."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"
    if isinstance(value, date):
        return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    return str(value).strip()


def read_workbook(data: bytes, looks_like_header: object = None) -> Table:
    """The first worksheet whose first rows ``looks_like_header`` accepts (a callable taking a
    row's cells), else the first worksheet."""
    import openpyxl  # imported here: reading a CSV does not need it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableReadError(
            "Excelファイル（.xlsx）として読めません。Excelで開いて保存し直すか、CSVで保存してください"
        ) from exc
    try:
        sheets: list[tuple[str, list[tuple[int, list[str]]]]] = []
        for sheet in book.worksheets:
            rows: list[tuple[int, list[str]]] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [cell_text(v) for v in values]
                while cells and not cells[-1]:
                    cells.pop()
                if any(cells):
                    rows.append((number, cells))
            sheets.append((str(sheet.title), rows))
    finally:
        book.close()
    if not sheets:
        raise TableReadError("Excelファイルにシートがありません")
    chosen = sheets[0]
    if callable(looks_like_header):
        for title, rows in sheets:
            if any(looks_like_header(cells) for _, cells in rows[:10]):
                chosen = (title, rows)
                break
    title, rows = chosen
    return Table(f"Excel（.xlsx）シート「{title}」", rows)


def read_table(data: bytes, looks_like_header: object = None) -> Table:
    """A CSV or an .xlsx workbook (told by its first bytes); raises TableReadError."""
    if data.startswith(_OLE_MAGIC):
        raise TableReadError(
            "古いExcel形式（.xls）のファイルは読めません。"
            "Excelで「Excelブック（.xlsx）」またはCSVとして保存し直してください"
        )
    if data.startswith(_ZIP_MAGIC):
        return read_workbook(data, looks_like_header)
    try:
        decoded = read_csv(data)
    except CsvDecodeError as exc:
        raise TableReadError(str(exc)) from exc
    return Table(decoded.encoding_label, decoded.rows)
