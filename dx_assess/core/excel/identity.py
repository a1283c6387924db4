"""Excel round trip, upload side: the identity of an uploaded workbook (its hidden 「_meta」
sheet), checked against the questionnaire, the municipality and the fiscal year.

Pure (no Flask, no SQLAlchemy).
"""

from __future__ import annotations

from typing import Any

from dx_assess.core.excel.container import DOWNLOAD_AGAIN, UploadProblem, file_problem
from dx_assess.core.excel.layout import FORMAT_ID, META_FIELDS, META_SHEET, WorkbookMeta
from dx_assess.core.questionnaire import Questionnaire
from dx_assess.core.vocabulary import reiwa


def read_meta(
    wb: Any,
    questionnaire: Questionnaire,
    municipality_code: str,
    fiscal_year: int | None,
) -> tuple[WorkbookMeta | None, list[UploadProblem]]:
    """The workbook's identity (None when unreadable) and every way it does not fit."""
    missing = UploadProblem(
        META_SHEET,
        None,
        None,
        None,
        "ファイルの識別情報（非表示のシート「_meta」）がないか、壊れています。"
        "この調査票の回答用ファイルではないようです。" + DOWNLOAD_AGAIN,
    )
    if META_SHEET not in wb.sheetnames:
        return None, [missing]
    values: dict[str, str] = {}
    for row in wb[META_SHEET].iter_rows(min_row=1, max_row=50, max_col=2, values_only=True):
        if len(row) >= 2 and isinstance(row[0], str) and row[1] is not None:
            values[row[0].strip()] = str(row[1]).strip()
    if values.get("format") != FORMAT_ID or any(f not in values for f, _ in META_FIELDS):
        return None, [missing]
    try:
        meta = WorkbookMeta(
            questionnaire_key=values["questionnaire_key"],
            questionnaire_version=values["questionnaire_version"],
            fiscal_year=int(values["fiscal_year"]),
            municipality_code=values["municipality_code"],
            municipality_name=values["municipality_name"],
            response_version=int(values["response_version"]),
        )
    except ValueError:
        return None, [missing]
    problems: list[UploadProblem] = []
    if (meta.questionnaire_key, meta.questionnaire_version) != (
        questionnaire.key,
        questionnaire.version,
    ):
        problems += file_problem(
            f"このファイルは別の版の調査票（{meta.questionnaire_version}版）の回答用です。"
            f"いまの調査票（{questionnaire.title}、{questionnaire.version}版）の回答の画面から"
            "ダウンロードし直してください。"
        )
    if meta.municipality_code != municipality_code.strip():
        problems += file_problem(
            f"このファイルは別の市町村（{meta.municipality_name}、市町村コード "
            f"{meta.municipality_code}）の回答用です。この市町村（市町村コード "
            f"{municipality_code}）の回答の画面からダウンロードしたファイルを使ってください。"
        )
    if fiscal_year is not None and meta.fiscal_year != fiscal_year:
        problems += file_problem(
            f"このファイルは{reiwa(meta.fiscal_year)}（{meta.fiscal_year}年度）の調査の回答用です。"
            f"{reiwa(fiscal_year)}の回答の画面からダウンロードし直してください。"
        )
    return meta, problems
