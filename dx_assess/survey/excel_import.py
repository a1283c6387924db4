"""Excel round trip, upload side: read a filled workbook back into ``posted`` answers.

Pure (no Flask, no SQLAlchemy). :func:`parse_workbook` either returns every answer of the
sheet or raises :class:`UploadError` listing every problem found (sheet, row, column,
question id, Japanese message); it never returns a partial result.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from dx_assess.questionnaire import AnswerError, Question, Questionnaire, normalize_answer
from dx_assess.survey.excel_export import (
    ANSWER_COLUMN,
    ANSWER_INDEX,
    ANSWER_SHEET,
    DERIVED,
    FORMAT_ID,
    GRID_ROW,
    HEADERS,
    HEADING,
    ID_COLUMN,
    META_FIELDS,
    META_SHEET,
    NO,
    OPTION,
    YES,
    SheetRow,
    WorkbookMeta,
    sheet_rows,
)
from dx_assess.survey.values import to_json

# All parts of the zip together, once unpacked, as their headers declare (zipfile never
# unpacks a part beyond its declared size: it stops and reports a bad CRC). An exported
# workbook unpacks to about 110 KB; Excel's own re-save to a few hundred KB.
MAX_UNCOMPRESSED = 16 * 1024 * 1024
MAX_CELL_TEXT = 32_767  # characters in one cell: Excel's own limit
_CHUNK = 64 * 1024
MAX_ROWS = 5000  # rows with content on the 回答 sheet (a questionnaire has a few hundred)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
_BROKEN = "ファイルが壊れているため読み込めません（Excel ファイル .xlsx として開けません）。"
_SHOW_INPUT = frozenset({"yes_no", "integer", "decimal", "percentage", "date"})
_PICK = "▼ の一覧から選んでください。"
_DOWNLOAD_AGAIN = "回答の画面からダウンロードした Excel ファイルを使ってください。"
_CHOSEN = {"はい", "yes", "y", "true", "1", "○", "〇", "◯", "✓", "✔", "レ"}
_NOT_CHOSEN = {"いいえ", "no", "n", "false", "0", "×", "✕", "-", "ー", "―"}
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class UploadProblem:
    """One problem of an uploaded file; the location parts are None when they do not apply."""

    sheet: str | None
    row: int | None
    column: str | None  # Excel column letter, e.g. "E"
    question_id: str | None
    message: str  # Japanese

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
        count = len(self.problems)
        head = f"アップロードしたファイルに {count} 件の問題があります。何も反映していません。"
        return "\n".join([head, *(str(p) for p in self.problems)])


@dataclass(frozen=True)
class ParsedUpload:
    """A valid upload: its identity and the answers to save.

    ``posted`` maps every non-derived question found in the sheet to a JSON-compatible raw
    value that ``normalize_answer`` / ``save_answers`` accept ("yes"/"no", choice values,
    lists of choice values, numbers, "2025-06-01", text, {row id: status}); None = clear.
    """

    meta: WorkbookMeta
    posted: dict[str, object] = field(default_factory=dict)


def _file_problem(message: str) -> list[UploadProblem]:
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


def _check_container(data: bytes, max_bytes: int) -> list[UploadProblem]:
    """File-level checks before openpyxl sees the bytes."""
    if not data:
        return _file_problem("ファイルが空です（0 バイト）。" + _DOWNLOAD_AGAIN)
    if len(data) > max_bytes:
        return _file_problem(
            f"ファイルが大きすぎます（{_size(len(data))}）。"
            f"{_size(max_bytes)} 以下のファイルにしてください。"
        )
    if data.startswith(_OLE_MAGIC):
        return _file_problem(
            "古い形式の Excel ファイル（.xls）か、パスワードで保護されたファイルは読み込めません。"
            "パスワードを外し、「Excel ブック（*.xlsx）」の形式で保存し直してください。"
        )
    not_xlsx = "Excel ファイル（.xlsx）ではありません。"
    if not zipfile.is_zipfile(io.BytesIO(data)):
        hint = "（CSV などの文字だけのファイルのようです）" if _looks_like_text(data) else ""
        return _file_problem(not_xlsx[:-1] + hint + "。" + _DOWNLOAD_AGAIN)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            content_types = (
                archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
            )
            macro = any(n.lower().endswith("vbaproject.bin") for n in names)
            if macro or b"macroenabled" in content_types.lower():
                return _file_problem(
                    "マクロを含むファイル（マクロ有効ブック .xlsm）は受け付けていません。"
                    "「Excel ブック（*.xlsx）」の形式で保存し直してください。"
                )
            if not content_types or "xl/workbook.xml" not in names:
                return _file_problem(not_xlsx + _DOWNLOAD_AGAIN)
            if any(i.flag_bits & 0x1 for i in infos):
                return _file_problem("パスワードで保護されたファイルは読み込めません。")
            if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
                return _file_problem("ファイルの中身が大きすぎます。" + _DOWNLOAD_AGAIN)
            return _scan_parts(archive, infos)
    except _Doctype:
        return _file_problem("ファイルの中に読み込めない部分があります。" + _DOWNLOAD_AGAIN)
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
        return _file_problem(_BROKEN)


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
                        f"文字が多すぎます（{MAX_CELL_TEXT:,} 文字を超えています）。"
                        "Excel のセルに入る長さの文章にしてください。",
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


# ---------------------------------------------------------------------------- identity


def _read_meta(
    wb: Any,
    questionnaire: Questionnaire,
    municipality_code: str,
    fiscal_year: int | None,
) -> tuple[WorkbookMeta | None, list[UploadProblem]]:
    missing = UploadProblem(
        META_SHEET,
        None,
        None,
        None,
        "ファイルの識別情報（非表示のシート「_meta」）がないか、壊れています。"
        "この調査票の回答用ファイルではないようです。" + _DOWNLOAD_AGAIN,
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
        problems += _file_problem(
            f"このファイルは別の調査票（{meta.questionnaire_key} の版 "
            f"{meta.questionnaire_version}）の回答用です。いまの調査票（{questionnaire.key} の版 "
            f"{questionnaire.version}）の回答の画面からダウンロードし直してください。"
        )
    if meta.municipality_code != municipality_code.strip():
        problems += _file_problem(
            f"このファイルは別の市町村（{meta.municipality_name}、市町村コード "
            f"{meta.municipality_code}）の回答用です。この市町村（市町村コード "
            f"{municipality_code}）の回答の画面からダウンロードしたファイルを使ってください。"
        )
    if fiscal_year is not None and meta.fiscal_year != fiscal_year:
        problems += _file_problem(
            f"このファイルは {meta.fiscal_year} 年度の調査の回答用です。"
            f"{fiscal_year} 年度の回答の画面からダウンロードし直してください。"
        )
    return meta, problems


# ---------------------------------------------------------------------------- cells


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _as_text(value: object) -> str:
    """A cell value as the text a person sees (numbers without a trailing .0)."""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _choice_value(q: Question, text: str) -> str | None:
    """The value of the choice whose label (or value) is ``text``."""
    wanted = _nfkc(text)
    for c in q.choices:
        if text.strip() == c.label or wanted == _nfkc(c.label):
            return c.value
    for c in q.choices:
        if wanted == c.value or wanted.lower() == c.value.lower():
            return c.value
    return None


def _with_input(message: str, shown: str) -> str:
    """Add the value typed to a message that does not show it yet."""
    if "入力:" in message or not shown or ": " in message:
        return message
    if len(shown) > 40:
        shown = shown[:40] + "…"
    body = message[:-1] if message.endswith("。") else message
    return f"{body}（入力: {shown}）。"


def _raw_for(q: Question, value: object, number_format: str) -> object:
    """A cell value as the raw value ``normalize_answer`` expects for this question."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if q.type == "yes_no":
        return value if isinstance(value, bool) else _as_text(value)
    if q.type == "single_choice":
        text = _as_text(value)
        return _choice_value(q, text) or text
    if q.type in ("integer", "decimal", "percentage"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            if q.type == "percentage" and "%" in (number_format or ""):
                return round(float(value) * 100, 9)  # 45% typed in Excel is stored as 0.45
            return value
        return value if isinstance(value, str | bool) else _as_text(value)
    if q.type == "date":
        if isinstance(value, dt.datetime):
            return value.date() if value.time() == dt.time() else _as_text(value)
        if isinstance(value, dt.date | int | float):
            return value
        text = _nfkc(str(value))
        match = _DATE_RE.match(text)
        if match:
            y, m, d = (int(g) for g in match.groups())
            return f"{y:04d}-{m:02d}-{d:02d}"
        return text
    return _as_text(value)


def _sentence(message: str) -> str:
    return message if message.endswith("。") else message + "。"


# ---------------------------------------------------------------------------- the sheet


@dataclass
class _Reader:
    questionnaire: Questionnaire
    problems: list[UploadProblem] = field(default_factory=list)
    posted: dict[str, object] = field(default_factory=dict)
    # multiple choice: question id -> {choice value: (row, chosen)}
    options: dict[str, dict[str, tuple[int, bool]]] = field(default_factory=dict)
    # status grid: question id -> {grid row id: (row, status value or None)}
    grids: dict[str, dict[str, tuple[int, str | None]]] = field(default_factory=dict)
    headings: dict[str, int] = field(default_factory=dict)

    def problem(self, row: int | None, column: str | None, qid: str | None, message: str) -> None:
        self.problems.append(UploadProblem(ANSWER_SHEET, row, column, qid, message))

    def cell(self, spec: SheetRow, row: int, cell: Any) -> object:
        """The value of an answer cell, or raise ValueError after recording a problem."""
        value = cell.value
        if cell.data_type == "f":
            formula = getattr(value, "text", value)
            self.problem(
                row,
                ANSWER_COLUMN,
                spec.question.id,
                f"数式は使えません（数式: {formula}）。"
                "数式を消して値を入力するか、「値の貼り付け」で値だけを貼り付けてください。",
            )
            raise ValueError
        if cell.data_type == "e":
            self.problem(
                row,
                ANSWER_COLUMN,
                spec.question.id,
                f"エラー値が入っています（入力: {value}）。正しい値を入力してください。",
            )
            raise ValueError
        return value

    def read_row(self, spec: SheetRow, row: int, cell: Any) -> None:
        q = spec.question
        if spec.kind == DERIVED:
            return  # computed from other answers: never read
        if spec.kind == HEADING:
            self.headings[q.id] = row
            if cell.data_type == "f" or not _blank(cell.value):
                self.problem(
                    row,
                    ANSWER_COLUMN,
                    q.id,
                    "この行（設問の見出し）には入力しません。下の行ごとに入力してください。",
                )
            return
        try:
            value = self.cell(spec, row, cell)
        except ValueError:
            return
        if spec.kind == OPTION:
            text = "" if value is None else _nfkc(_as_text(value)).lower()
            if text and text not in _CHOSEN and text not in _NOT_CHOSEN:
                self.problem(
                    row,
                    ANSWER_COLUMN,
                    q.id,
                    f"「{spec.label}」は「{YES}」か「{NO}」を選ぶか、空欄にしてください"
                    f"（入力: {_as_text(value)}）。",
                )
                return
            self.options.setdefault(q.id, {})[spec.part or ""] = (row, text in _CHOSEN)
            return
        if spec.kind == GRID_ROW:
            status = None
            if not _blank(value):
                text = _as_text(value)
                status = _choice_value(q, text)
                if status is None:
                    try:
                        normalize_answer(q, {spec.part: text})
                        message = f"状況が選択肢にありません（入力: {text}）。"
                    except AnswerError as exc:
                        message = exc.message
                    self.problem(row, ANSWER_COLUMN, q.id, _sentence(message) + _PICK)
                    return
            self.grids.setdefault(q.id, {})[spec.part or ""] = (row, status)
            return
        raw = _raw_for(q, value, getattr(cell, "number_format", "") or "")
        try:
            normalized = normalize_answer(q, raw)
        except AnswerError as exc:
            message = exc.message
            if q.type in _SHOW_INPUT and value is not None:
                message = _with_input(message, _as_text(value))
            if q.type in ("single_choice", "yes_no"):
                message = _sentence(message) + _PICK
            self.problem(row, ANSWER_COLUMN, q.id, message)
            return
        self.posted[q.id] = to_json(normalized)

    def finish(self) -> None:
        """Combine option rows and grid rows into one answer per question."""
        reported = {p.question_id for p in self.problems}  # a bad row was reported already
        for q in self.questionnaire.questions:
            if q.id in reported:
                continue
            if q.type == "multiple_choice" and q.id in self.options:
                seen = self.options[q.id]
                if self._missing(q, seen, [(c.value, c.label) for c in q.choices]):
                    continue
                chosen = [c.value for c in q.choices if seen[c.value][1]]
                try:
                    self.posted[q.id] = to_json(normalize_answer(q, chosen))
                except AnswerError as exc:
                    exclusive = [
                        seen[c.value][0] for c in q.choices if c.exclusive and c.value in chosen
                    ]
                    self.problem(
                        exclusive[0] if exclusive else None, ANSWER_COLUMN, q.id, exc.message
                    )
            elif q.type == "status_grid" and q.id in self.grids:
                rows = self.grids[q.id]
                if self._missing(q, rows, [(r.id, r.label) for r in q.rows]):
                    continue
                statuses = {r.id: rows[r.id][1] for r in q.rows if rows[r.id][1] is not None}
                try:
                    self.posted[q.id] = to_json(normalize_answer(q, statuses))
                except AnswerError as exc:  # pragma: no cover - every row was checked above
                    self.problem(self.headings.get(q.id), ANSWER_COLUMN, q.id, exc.message)

    def _missing(
        self, q: Question, seen: Mapping[str, object], parts: Sequence[tuple[str, str]]
    ) -> bool:
        missing = [label for part, label in parts if part not in seen]
        if missing:
            self.problem(
                self.headings.get(q.id),
                ID_COLUMN,
                q.id,
                f"この設問の行が足りません（{'、'.join(missing)}）。行を消さずに、"
                "ダウンロードしたときのままにしてください。",
            )
        return bool(missing)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rows(ws: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for number, cells in enumerate(ws.iter_rows(min_row=1, max_col=len(HEADERS)), start=1):
        yield number, tuple(cells)


def _read_answers(ws: Any, questionnaire: Questionnaire) -> _Reader:
    reader = _Reader(questionnaire)
    index = {spec.key: spec for spec in sheet_rows(questionnaire)}
    first_seen: dict[str, int] = {}
    header_checked = False
    content_rows = 0
    for number, cells in _rows(ws):
        values = [c.value for c in cells] + [None] * (len(HEADERS) - len(cells))
        if number == 1:
            header_checked = True
            for position, expected in enumerate(HEADERS):
                found = "" if values[position] is None else str(values[position]).strip()
                if found != expected:
                    reader.problem(
                        1,
                        get_column_letter(position + 1),
                        None,
                        f"見出しが「{expected}」ではありません（いまは「{found}」）。"
                        "列を追加・削除・入れ替えしないでください。",
                    )
            if reader.problems:
                return reader
            continue
        key_value, answer = values[0], values[ANSWER_INDEX]
        if _blank(key_value) and _blank(answer) and not _has_formula(cells):
            continue
        content_rows += 1
        if content_rows > MAX_ROWS:
            reader.problem(number, None, None, "行が多すぎます。" + _DOWNLOAD_AGAIN)
            return reader
        key = _as_text(key_value).strip() if key_value is not None else ""
        if not key:
            if not _blank(answer) or _has_formula(cells[ANSWER_INDEX : ANSWER_INDEX + 1]):
                reader.problem(
                    number,
                    ID_COLUMN,
                    None,
                    "設問IDが空欄の行に回答があります。行を追加せず、設問IDのある行に入力してください。",
                )
            continue
        if key in first_seen:
            reader.problem(
                number,
                ID_COLUMN,
                index[key].question.id if key in index else None,
                f"設問ID「{key}」の行が重複しています（{first_seen[key]}行目と同じ）。"
                "どちらかの行を消してください。",
            )
            continue
        first_seen[key] = number
        spec = index.get(key)
        if spec is None:
            reader.problem(
                number,
                ID_COLUMN,
                None,
                f"調査票にない設問IDです（{key}）。A列の設問IDは変えないでください。",
            )
            continue
        cell = cells[ANSWER_INDEX] if len(cells) > ANSWER_INDEX else None
        reader.read_row(spec, number, cell if cell is not None else _Empty())
    if not header_checked or not first_seen:
        reader.problem(
            None, None, None, f"シート「{ANSWER_SHEET}」に設問の行がありません。" + _DOWNLOAD_AGAIN
        )
        return reader
    reader.finish()
    reader.problems.sort(key=lambda p: p.row or 0)  # sheet order; file-level problems first
    return reader


class _Empty:
    value = None
    data_type = "n"
    number_format = "General"


def _has_formula(cells: Sequence[Any]) -> bool:
    return any(getattr(c, "data_type", None) == "f" for c in cells)


# ---------------------------------------------------------------------------- entry point


def parse_workbook(
    data: bytes,
    questionnaire: Questionnaire,
    *,
    municipality_code: str,
    max_bytes: int = 5 * 1024 * 1024,
    fiscal_year: int | None = None,
) -> ParsedUpload:
    """Read an uploaded workbook for ``municipality_code``.

    Raises :class:`UploadError` listing every problem (never a partial result). A file
    downloaded at an older response version is not an error: pass ``meta.response_version``
    to the save service as ``base_version`` so that it detects conflicting changes.
    ``fiscal_year``, when given, must match the file too.
    """
    problems = _check_container(data, max_bytes)
    if problems:
        raise UploadError(problems)
    with warnings.catch_warnings():
        # openpyxl warns about workbook features it drops (e.g. extensions); we read values only.
        warnings.simplefilter("ignore")
        try:
            wb = load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False, keep_vba=False
            )
        except Exception:  # openpyxl raises many types for broken packages
            raise UploadError(_file_problem(_BROKEN)) from None
        try:
            meta, problems = _read_meta(wb, questionnaire, municipality_code, fiscal_year)
            if ANSWER_SHEET not in wb.sheetnames:
                sheets = "、".join(
                    f"「{name}」" for name in wb.sheetnames if not name.startswith("_")
                )
                problems.append(
                    UploadProblem(
                        ANSWER_SHEET,
                        None,
                        None,
                        None,
                        f"シート「{ANSWER_SHEET}」がありません（あるシート: {sheets}）。"
                        "シートの名前を変えたり消したりしないでください。" + _DOWNLOAD_AGAIN,
                    )
                )
            if problems or meta is None:
                raise UploadError(problems)
            reader = _read_answers(wb[ANSWER_SHEET], questionnaire)
        except UploadError:
            raise
        except Exception:  # a part openpyxl only parses while iterating may be broken
            raise UploadError(
                _file_problem("ファイルの一部が壊れているため読み込めません。" + _DOWNLOAD_AGAIN)
            ) from None
        finally:
            wb.close()
    if reader.problems:
        raise UploadError(reader.problems)
    return ParsedUpload(meta=meta, posted=reader.posted)
