"""CSV files as Japanese offices produce them."""

from __future__ import annotations

import pytest

from dx_assess.core.csvio import CsvDecodeError, read_csv

TEXT = "団体コード,市町村名\n012025,函館市\n\n014630, 占冠村 \n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode("cp932"), "cp932"),
        (TEXT.replace("\n", "\r\n").encode("shift_jis"), "cp932"),
    ],
)
def test_accepted_encodings_give_the_same_rows(data: bytes, encoding: str) -> None:
    decoded = read_csv(data)
    assert decoded.encoding == encoding
    # blank line dropped, cells stripped, original line numbers kept
    assert decoded.rows == [
        (1, ["団体コード", "市町村名"]),
        (2, ["012025", "函館市"]),
        (4, ["014630", "占冠村"]),
    ]


def test_cp932_only_characters() -> None:
    # ① and 髙 exist in CP932 but not in plain Shift_JIS.
    assert read_csv("①,髙橋\n".encode("cp932")).rows == [(1, ["①", "髙橋"])]


@pytest.mark.parametrize(
    "data",
    [
        "団体コード\n012025\n".encode("utf-16"),
        b"\x80\xff\xfe\x00abc",
        b"abc\n\x00\x01\x02",
    ],
)
def test_other_encodings_and_binary_files_are_refused(data: bytes) -> None:
    with pytest.raises(CsvDecodeError, match="UTF-8（BOM付き・なし）または Shift_JIS"):
        read_csv(data)
