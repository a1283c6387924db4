"""Excel round trip, upload side: file-level checks before openpyxl reads a workbook.

Pure (no Flask, no SQLAlchemy). :func:`check_container` refuses what is not a plain .xlsx
(empty, too large, .xls, password-protected, macro-enabled, CSV) and reads every XML part
once, streaming, to refuse a DOCTYPE, damaged data or a cell longer than Excel allows.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from dx_assess.core.messages import N_, Message

# All parts of the zip together, once unpacked, as their headers declare (zipfile never
# unpacks a part beyond its declared size: it stops and reports a bad CRC). An exported
# workbook unpacks to about 110 KB; Excel's own re-save to a few hundred KB.
MAX_UNCOMPRESSED = 16 * 1024 * 1024
MAX_CELL_TEXT = 32_767  # characters in one cell: Excel's own limit
_CHUNK = 64 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
BROKEN = N_("ファイルが壊れているため読み込めません（Excel ファイル .xlsx として開けません）。")
DOWNLOAD_AGAIN = "回答の画面からダウンロードした Excel ファイルを使ってください。"


@dataclass(frozen=True)
class UploadProblem:
    """One problem of an uploaded file; the location parts are None when they do not apply."""

    sheet: str | None
    row: int | None
    column: str | None  # Excel column letter, e.g. "E"
    question_id: str | None
    message: str  # Japanese (a Message where it can be translated)

    def as_message(self) -> Message:
        """The problem with its location, as pages show it (translatable); its text is
        ``str(self)``."""
        where: list[str] = []
        if self.sheet:
            where.append(N_("シート「%(sheet)s」", sheet=self.sheet))
        if self.row is not None:
            where.append(N_("%(n)d行目", n=self.row))
        if self.column:
            where.append(N_("%(column)s列", column=self.column))
        if self.question_id:
            where.append(f"[{self.question_id}]")
        if not where:
            return self.message if isinstance(self.message, Message) else Message(self.message)
        return N_("%(where)s: %(message)s", where=tuple(where), message=self.message)

    def __str__(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"シート「{self.sheet}」")
        if self.row is not None:
            parts.append(f"{self.row}行目")
        if self.column:
            parts.append(f"{self.column}列")
        if self.question_id:
            parts.append(f"[{self.question_id}]")
        return f"{' '.join(parts)}: {self.message}" if parts else self.message


class UploadError(ValueError):
    """The upload cannot be used; ``problems`` lists every problem found. Nothing was applied."""

    def __init__(self, problems: Iterable[UploadProblem]) -> None:
        self.problems: list[UploadProblem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        head = N_(
            "アップロードしたファイルに %(n)d 件の問題があります。何も反映していません。",
            n=len(self.problems),
        )
        return "\n".join([head, *(str(p) for p in self.problems)])


def file_problem(message: str) -> list[UploadProblem]:
    return [UploadProblem(None, None, None, None, message)]


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{-(-size // 1024)} KB"


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "cp932"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def check_container(data: bytes, max_bytes: int) -> list[UploadProblem]:
    """File-level checks before openpyxl sees the bytes."""
    if not data:
        return file_problem(
            N_(
                "ファイルが空です（0 バイト）。"
                "回答の画面からダウンロードした Excel ファイルを使ってください。"
            )
        )
    if len(data) > max_bytes:
        return file_problem(
            N_(
                "ファイルが大きすぎます（%(size)s）。%(limit)s 以下のファイルにしてください。",
                size=_size(len(data)),
                limit=_size(max_bytes),
            )
        )
    if data.startswith(_OLE_MAGIC):
        return file_problem(
            N_(
                "古い形式の Excel ファイル（.xls）か、"
                "パスワードで保護されたファイルは読み込めません。"
                "パスワードを外し、「Excel ブック（*.xlsx）」の形式で保存し直してください。"
            )
        )
    not_xlsx = N_(
        "Excel ファイル（.xlsx）ではありません。"
        "回答の画面からダウンロードした Excel ファイルを使ってください。"
    )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if _looks_like_text(data):
            return file_problem(
                N_(
                    "Excel ファイル（.xlsx）ではありません"
                    "（CSV などの文字だけのファイルのようです）。"
                    "回答の画面からダウンロードした Excel ファイルを使ってください。"
                )
            )
        return file_problem(not_xlsx)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            content_types = (
                archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
            )
            macro = any(n.lower().endswith("vbaproject.bin") for n in names)
            if macro or b"macroenabled" in content_types.lower():
                return file_problem(
                    N_(
                        "マクロを含むファイル（マクロ有効ブック .xlsm）は受け付けていません。"
                        "「Excel ブック（*.xlsx）」の形式で保存し直してください。"
                    )
                )
            if not content_types or "xl/workbook.xml" not in names:
                return file_problem(not_xlsx)
            if any(i.flag_bits & 0x1 for i in infos):
                return file_problem(N_("パスワードで保護されたファイルは読み込めません。"))
            if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
                return file_problem(
                    N_(
                        "ファイルの中身が大きすぎます。"
                        "回答の画面からダウンロードした Excel ファイルを使ってください。"
                    )
                )
            return _scan_parts(archive, infos)
    except _Doctype:
        return file_problem(
            N_(
                "ファイルの中に読み込めない部分があります。"
                "回答の画面からダウンロードした Excel ファイルを使ってください。"
            )
        )
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        ValueError,
        OSError,
        expat.ExpatError,
    ):
        return file_problem(BROKEN)


class _Doctype(Exception):
    """A part declares a DOCTYPE or entities (never in a real workbook; entity expansion)."""


def _parse_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, parser: Any) -> None:
    """Feed one part to an expat parser in chunks, so no part is ever held whole in memory.
    A damaged compressed stream raises zlib.error or BadZipFile (bad CRC) here."""

    def refuse(*_args: object) -> None:
        raise _Doctype

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.buffer_text = False
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]


def _sheet_names(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Part name of each worksheet -> the sheet's name, from xl/workbook.xml and its rels."""
    ids: dict[str, str] = {}
    targets: dict[str, str] = {}

    def workbook_start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), None)
            if rid:
                ids[rid] = attrs.get("name", "")

    def rels_start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and "Id" in attrs:
            target = attrs.get("Target", "")
            targets[attrs["Id"]] = target.lstrip("/") if target.startswith("/") else "xl/" + target

    for part, handler in (
        ("xl/workbook.xml", workbook_start),
        ("xl/_rels/workbook.xml.rels", rels_start),
    ):
        if part in names:
            parser = expat.ParserCreate(namespace_separator=" ")
            parser.StartElementHandler = handler
            _parse_part(archive, archive.getinfo(part), parser)
    return {targets[rid]: name for rid, name in ids.items() if rid in targets}


class _TextCounter:
    """Counts the characters of each text element without keeping them."""

    def __init__(self) -> None:
        self.count = 0
        self.digits = ""  # the start of the text, for a shared-string index

    def reset(self) -> None:
        self.count = 0
        self.digits = ""

    def data(self, text: str) -> None:
        self.count += len(text)
        if len(self.digits) < 12:
            self.digits += text[:12]


def _long_shared_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> set[int]:
    """Indexes of the shared strings longer than MAX_CELL_TEXT."""
    long: set[int] = set()
    state = {"index": -1, "length": 0}
    counter = _TextCounter()
    parser = expat.ParserCreate(namespace_separator=" ")

    def start(tag: str, _attrs: dict[str, str]) -> None:
        if _local(tag) == "si":
            state["index"] += 1
            state["length"] = 0
        counter.reset()

    def end(tag: str) -> None:
        if _local(tag) == "t":
            state["length"] += counter.count
        if _local(tag) == "si" and state["length"] > MAX_CELL_TEXT:
            long.add(state["index"])
        counter.reset()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = counter.data
    _parse_part(archive, info, parser)
    return long


@dataclass
class _Cell:
    ref: str = ""
    type: str = ""
    length: int = 0
    value: str = ""


def _long_cells(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, sheet: str, long_shared: set[int]
) -> list[UploadProblem]:
    """The cells of one worksheet whose text is longer than MAX_CELL_TEXT."""
    problems: list[UploadProblem] = []
    cell = _Cell()
    counter = _TextCounter()
    parser = expat.ParserCreate(namespace_separator=" ")

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "c":
            cell.ref, cell.type, cell.length, cell.value = (
                attrs.get("r", ""),
                attrs.get("t", ""),
                0,
                "",
            )
        counter.reset()

    def end(tag: str) -> None:
        name = _local(tag)
        if name in ("t", "v"):
            cell.length += counter.count
            if name == "v":
                cell.value = counter.digits.strip()
        elif name == "c":
            shared = cell.type == "s" and cell.value.isascii() and cell.value.isdigit()
            if cell.length > MAX_CELL_TEXT or (shared and int(cell.value) in long_shared):
                match = re.fullmatch(r"([A-Z]{1,3})(\d+)", cell.ref)
                problems.append(
                    UploadProblem(
                        sheet,
                        int(match[2]) if match else None,
                        match[1] if match else None,
                        None,
                        N_(
                            "文字が多すぎます（%(n)s 文字を超えています）。"
                            "Excel のセルに入る長さの文章にしてください。",
                            n=f"{MAX_CELL_TEXT:,}",
                        ),
                    )
                )
        counter.reset()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = counter.data
    _parse_part(archive, info, parser)
    return problems


def _scan_parts(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> list[UploadProblem]:
    """Read every XML part once, streaming, before openpyxl does: refuse a DOCTYPE or
    entity declaration, damaged data, and any cell text longer than MAX_CELL_TEXT (openpyxl
    would hold it in memory whole, and the worker would keep the memory)."""
    names = {i.filename for i in infos}
    sheets = _sheet_names(archive, names)
    long_shared: set[int] = set()
    problems: list[UploadProblem] = []
    for info in infos:
        if info.filename == "xl/sharedStrings.xml":
            long_shared = _long_shared_strings(archive, info)
    for info in infos:
        if not info.filename.endswith((".xml", ".rels")) or info.filename in (
            "xl/sharedStrings.xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
        ):
            continue
        if info.filename.startswith("xl/worksheets/") and info.filename.count("/") == 2:
            sheet = sheets.get(info.filename, info.filename)
            problems += _long_cells(archive, info, sheet, long_shared)
        else:
            _parse_part(archive, info, expat.ParserCreate())
    return problems
