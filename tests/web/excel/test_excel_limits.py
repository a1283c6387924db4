"""Bounds on what an uploaded workbook may hold, checked before openpyxl reads it (issue 10,
item 12): cell text length, total unpacked size, damaged compressed data. Pure (no database)."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest

from dx_assess.core.excel import reading as excel_import
from dx_assess.core.questionnaire import Questionnaire, load_questionnaire
from tests.web.excel.test_excel import (
    CODE,
    DOWNLOAD,
    DX_MATURITY,
    export,
    fill,
    problems_of,
    rows_of,
)

MARK = b"@@TEXT@@"
ANSWER_SHEET_XML = "xl/worksheets/sheet2.xml"
SHARED = "xl/sharedStrings.xml"
SHARED_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)


@pytest.fixture(scope="module")
def q2025() -> Questionnaire:
    return load_questionnaire(DX_MATURITY / "fy2025.yaml")


def with_text(q: Questionnaire, chars: int, *, shared: bool = False, char: str = "あ") -> bytes:
    """An exported workbook whose 部署名 answer cell (column E) holds ``chars`` characters,
    written in chunks so that neither the test nor the .xlsx file itself is large."""
    data = fill(export(q), {"basic_department": MARK.decode()})
    chunk = (char * 65536).encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml" and shared:
                body = body.replace(b"</Types>", SHARED_TYPE + b"</Types>")
            if info.filename != ANSWER_SHEET_XML:
                dst.writestr(info.filename, body)
                continue
            if shared:
                cell = b'<c r="E2" s="8" t="inlineStr"><is><t>' + MARK + b"</t></is></c>"
                start = body.rindex(b"<c ", 0, body.index(MARK))
                end = body.index(b"</c>", body.index(MARK)) + 4
                ref = body[start:end].split(b'r="')[1].split(b'"')[0]
                body = body[:start] + b'<c r="' + ref + b'" t="s"><v>0</v></c>' + body[end:]
                assert cell  # the layout this replaces
                dst.writestr(info.filename, body)
                target, before, after = (
                    SHARED,
                    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
                    b' count="1" uniqueCount="1"><si><t>',
                    b"</t></si></sst>",
                )
            else:
                target = info.filename
                before, after = body.split(MARK)
            with dst.open(target, "w", force_zip64=True) as member:
                member.write(before)
                left = chars
                while left > 0:
                    n = min(left, 65536)
                    member.write(chunk if n == 65536 else (char * n).encode())
                    left -= n
                member.write(after)
    return out.getvalue()


def test_a_long_cell_text_is_refused_naming_sheet_row_and_column(q2025: Questionnaire) -> None:
    (row,) = rows_of(export(q2025), "basic_department")
    limit = excel_import.MAX_CELL_TEXT
    for shared in (False, True):
        data = with_text(q2025, limit + 1, shared=shared)
        assert problems_of(data, q2025) == [
            f"シート「回答」 {row}行目 E列: 文字が多すぎます（{limit:,} 文字を超えています）。"
            "Excel のセルに入る長さの文章にしてください。"
        ], shared


def test_text_up_to_the_limit_is_read(q2025: Questionnaire) -> None:
    """At the limit the file is read (the answer itself is then too long for the question)."""
    data = with_text(q2025, excel_import.MAX_CELL_TEXT, char="a")
    problems = problems_of(data, q2025)
    assert len(problems) == 1
    assert "文字以内で入力してください" in problems[0]


def problems_and_peak(data: bytes, q: Questionnaire) -> tuple[list[str], int]:
    """The problems reading ``data`` finds, and the most memory Python held meanwhile."""
    tracemalloc.start()
    try:
        problems = problems_of(data, q)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return problems, peak


def test_a_file_that_unpacks_to_a_60_mb_string_is_refused_without_reading_it(
    q2025: Questionnaire,
) -> None:
    data = with_text(q2025, 60 * 1024 * 1024, char="a")
    assert len(data) < 200 * 1024  # the upload itself is small
    problems, peak = problems_and_peak(data, q2025)
    assert problems == ["ファイルの中身が大きすぎます。" + DOWNLOAD]
    assert peak < 8 * 1024 * 1024, peak


def test_a_long_string_within_the_size_bound_is_never_held_in_memory(
    q2025: Questionnaire,
) -> None:
    data = with_text(q2025, 12 * 1024 * 1024, char="a")  # 12 MB, under the 16 MB bound
    problems, peak = problems_and_peak(data, q2025)
    assert "文字が多すぎます" in problems[0]
    assert peak < 8 * 1024 * 1024, peak


def damaged(data: bytes, member: str) -> bytes:
    """``data`` with bytes in the middle of ``member``'s compressed stream overwritten."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    header = 30 + len(info.filename.encode()) + len(info.extra)
    start = info.header_offset + header + info.compress_size // 3
    broken = bytearray(data)
    broken[start : start + 64] = bytes(range(64))
    return bytes(broken)


@pytest.mark.parametrize("member", [ANSWER_SHEET_XML, "[Content_Types].xml", "xl/styles.xml"])
def test_a_damaged_compressed_part_gives_a_clear_message(q2025: Questionnaire, member: str) -> None:
    assert problems_of(damaged(export(q2025), member), q2025) == [
        "ファイルが壊れているため読み込めません（Excel ファイル .xlsx として開けません）。"
    ]


def test_the_bound_is_far_above_a_real_workbook(q2025: Questionnaire) -> None:
    with zipfile.ZipFile(io.BytesIO(export(q2025))) as archive:
        unpacked = sum(i.file_size for i in archive.infolist())
    assert unpacked * 50 < excel_import.MAX_UNCOMPRESSED <= 16 * 1024 * 1024
    assert CODE  # the helpers' municipality
