"""The export files: CSV (UTF-8 with BOM) and a multi-sheet .xlsx with a 説明 sheet.

Pure (pandas and openpyxl; no Flask, no SQLAlchemy). The frames come from
:mod:`~dx_assess.core.dashboards.export_frames` and
:mod:`~dx_assess.core.dashboards.export_wide`; they are written as
:func:`~dx_assess.core.dashboards.export_columns.present` shows them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dx_assess.core.dashboards.export_columns import column_notes, present

KINDS = ("wide", "answers", "scores", "peers", "kpis")
#: Sheet names of the workbook (Japanese), in order after the 説明 sheet.
SHEET_NAMES = {
    "wide": "回答（一覧）",
    "answers": "回答",
    "scores": "得点",
    "peers": "類似団体の統計",
    "kpis": "計画の指標",
}
#: What each file or sheet holds (the 説明 sheet and the download list say it the same way).
KIND_TITLES = {
    "wide": "回答の一覧（市町村 × 問番号、1行に1市町村）",
    "answers": "回答（市町村 × 設問、1行に1つの回答）",
    "scores": "得点（市町村 × 分野）",
    "peers": "類似団体の統計（比較グループ × 分野）",
    "kpis": "計画の指標（振興局 × 指標）",
}


#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text_safe(frame: pd.DataFrame, *, quote: bool) -> pd.DataFrame:
    """Text cells without characters a workbook cannot hold; with ``quote``, a text cell that
    a spreadsheet would run as a formula (e.g. a typed answer 「=HYPERLINK(…)」) gets a
    leading apostrophe, so Excel shows it as text."""
    out = frame.copy()
    for column in out.columns:
        kind = out[column].dtype
        if pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind):
            continue

        def clean(v: object) -> object:
            if not isinstance(v, str):
                return v
            v = ILLEGAL_CHARACTERS_RE.sub("", v)
            return "'" + v if quote and v.startswith(FORMULA_START) else v

        out[column] = out[column].map(clean)
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV for Excel: Japanese headers and words (see :func:`present`), UTF-8 with a byte-order
    mark, CRLF line ends; text that would run as a formula is quoted with an apostrophe."""
    safe = _text_safe(present(frame), quote=True)
    text = safe.to_csv(index=False, lineterminator="\r\n", date_format="%Y-%m-%d %H:%M")
    return ("\ufeff" + text).encode("utf-8")


def to_xlsx(
    sheets: Mapping[str, pd.DataFrame],
    about: list[tuple[str, str]],
    extra_notes: list[tuple[str, str]] | None = None,
) -> bytes:
    """A workbook: a 説明 sheet (``about`` lines, what each sheet holds, then every column
    explained, then ``extra_notes`` such as the wide sheet's 問番号), then one sheet per frame
    (shown as :func:`present` writes it) with a frozen, filterable header row."""
    buffer = io.BytesIO()
    shown = {name: present(frame) for name, frame in sheets.items()}
    lines: list[tuple[str, str]] = [*about, ("", ""), ("シート", "内容")]
    titles = {SHEET_NAMES[k]: t for k, t in KIND_TITLES.items()}
    lines += [(name, titles.get(name, "")) for name in shown]
    lines += [("", ""), ("列", "意味"), *column_notes(sheets)]
    if extra_notes:
        lines += [("", ""), ("問番号の列", "設問"), *extra_notes]
    about_frame = pd.DataFrame(lines, columns=["項目", "内容"])
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _text_safe(about_frame, quote=False).to_excel(writer, sheet_name="説明", index=False)
        for row in writer.sheets["説明"].iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
        writer.sheets["説明"].column_dimensions["A"].width = 30
        writer.sheets["説明"].column_dimensions["B"].width = 90
        for name, frame in shown.items():
            _text_safe(frame, quote=False).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if cell.data_type == "f":  # text that looks like a formula stays text
                        cell.data_type = "s"
            sheet.freeze_panes = "B2" if name == SHEET_NAMES["wide"] else "A2"
            sheet.auto_filter.ref = sheet.dimensions
            for i, column in enumerate(frame.columns, start=1):
                longest = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
                letter = sheet.cell(row=1, column=i).column_letter
                sheet.column_dimensions[letter].width = min(60, max(8, longest * 1.3 + 2))
    return buffer.getvalue()
