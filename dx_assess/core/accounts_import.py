"""Accounts in bulk from a CSV or Excel (.xlsx) table: read, check every line, plan (pure).

One account a line, under a header row naming the columns (order free): ログインID, 氏名
(or 表示名), 役割, 団体コード and/or 市町村名 (municipal staff only), メールアドレス
(optional). CSV in UTF-8 (with or without BOM) or Shift_JIS/CP932; an .xlsx's first sheet.

Every problem is found at once, each with its line, its column and a Japanese message; a file
with any problem plans nothing (the service then creates nothing).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from dx_assess.core.csvio import CsvDecodeError, read_csv
from dx_assess.core.email_address import email_message, is_email_address
from dx_assess.core.excel.container import check_container
from dx_assess.core.messages import N_, Message, message_of
from dx_assess.core.registry.supported_list import RegistryEntry, Resolver, normalise
from dx_assess.core.vocabulary import Role

#: A login: 2–64 characters, ASCII letters, digits and . _ @ -, starting with a letter or digit.
LOGIN_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
NAME_MAX = 100
MAX_LINES = 2000  # a file larger than the prefecture's staff and every town's is a mistake
MAX_BYTES = 2 * 1024 * 1024

#: The columns: key -> (header shown in messages, accepted header words).
COLUMNS: dict[str, tuple[str, frozenset[str]]] = {
    "login": ("ログインID", frozenset({"ログインid", "ログイン", "login", "id", "ユーザーid"})),
    "name": ("氏名", frozenset({"氏名", "表示名", "名前", "name", "display_name"})),
    "role": ("役割", frozenset({"役割", "ロール", "権限", "role"})),
    "code": ("団体コード", frozenset({"団体コード", "市町村コード", "code", "lg_code"})),
    "municipality": ("市町村名", frozenset({"市町村名", "市町村", "団体名", "municipality"})),
    "email": ("メールアドレス", frozenset({"メールアドレス", "メール", "email", "e-mail"})),
}
REQUIRED = ("login", "name", "role")

#: The words a role may be written with (after NFKC and lower-casing).
ROLE_WORDS: dict[str, Role] = {
    "市町村職員": Role.MUNICIPAL,
    "市町村": Role.MUNICIPAL,
    "municipal": Role.MUNICIPAL,
    "アドバイザー": Role.ADVISER,
    "adviser": Role.ADVISER,
    "道庁": Role.PREFECTURE,
    "道庁(dx推進課)": Role.PREFECTURE,
    "prefecture": Role.PREFECTURE,
    "システム管理者": Role.ADMIN,
    "管理者": Role.ADMIN,
    "admin": Role.ADMIN,
}
ROLE_HINT = "「市町村職員」「アドバイザー」「道庁」「システム管理者」のいずれか"


@dataclass(frozen=True)
class ImportProblem:
    line: int | None  # the file's line (row) number; None for the whole file
    column: str | None  # the column's header as in COLUMNS
    message: str  # Japanese (a Message where it can be translated)

    def as_message(self) -> Message:
        """The problem with its line and column, as pages show it (translatable); its text
        is ``str(self)``."""
        where: list[str] = []
        if self.line is not None:
            where.append(N_("%(n)d行目", n=self.line))
        if self.column:
            where.append(f"「{self.column}」")  # the file's own (Japanese) header
        if not where:
            return self.message if isinstance(self.message, Message) else Message(self.message)
        return N_("%(where)s: %(message)s", where=tuple(where), message=self.message)

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"{self.line}行目")
        if self.column:
            where.append(f"「{self.column}」")
        return f"{' '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class PlannedAccount:
    line: int
    login: str
    display_name: str
    role: Role
    municipality_code: str | None
    municipality_name: str | None
    email: str | None


@dataclass(frozen=True)
class ImportPlan:
    source: str  # "CSV（UTF-8）", "Excel（.xlsx）" …
    accounts: tuple[PlannedAccount, ...]
    problems: tuple[ImportProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.accounts)


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code typed as a number: 12025.0
    return unicodedata.normalize("NFKC", str(value)).strip()


def read_table(data: bytes, filename: str = "") -> tuple[str, list[tuple[int, list[str]]]]:
    """(what the file was read as, its non-blank rows with line numbers); raises ValueError
    with a Japanese message when the file cannot be read."""
    if len(data) > MAX_BYTES:
        raise ValueError(N_("ファイルが大きすぎます（2 MB まで）。"))
    if data.startswith(b"PK\x03\x04") or filename.lower().endswith(".xlsx"):
        problems = check_container(data, MAX_BYTES)
        if problems:
            raise ValueError(" ".join(p.message for p in problems))
        from openpyxl import load_workbook  # only when an .xlsx comes

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            rows = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [_cell(v) for v in values]
                if any(cells):
                    rows.append((number, cells))
            book.close()
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ValueError(N_("Excel ファイル（.xlsx）として読み取れません。")) from exc
        return "Excel（.xlsx）", rows
    try:
        decoded = read_csv(data)
    except CsvDecodeError as exc:
        raise ValueError(str(exc)) from exc
    rows = [(line, [_cell(c) for c in cells]) for line, cells in decoded.rows]
    return f"CSV（{decoded.encoding_label}）", rows


def plan_accounts(
    data: bytes,
    filename: str,
    registry: Sequence[RegistryEntry],
    existing_logins: Collection[str],
) -> ImportPlan:
    """Read the file and check every line against the registry and the logins in use."""
    try:
        source, rows = read_table(data, filename)
    except ValueError as exc:
        return ImportPlan("", (), (ImportProblem(None, None, message_of(exc)),))
    if not rows:
        return ImportPlan(source, (), (ImportProblem(None, None, N_("ファイルが空です。")),))
    header_line, header = rows[0]
    where: dict[str, int] = {}
    for index, cell in enumerate(header):
        for key, (_title, words) in COLUMNS.items():
            if _key(cell) in words and key not in where:
                where[key] = index
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in where]
    if "code" not in where and "municipality" not in where:
        missing.append("団体コード または 市町村名")
    if missing:
        return ImportPlan(
            source,
            (),
            (
                ImportProblem(
                    header_line,
                    None,
                    N_(
                        "1行目に見出しが必要です。見つからない列: %(columns)s",
                        columns="、".join(missing),
                    ),
                ),
            ),
        )
    body = rows[1:]
    if not body:
        return ImportPlan(
            source, (), (ImportProblem(None, None, N_("アカウントの行が1行もありません。")),)
        )
    if len(body) > MAX_LINES:
        return ImportPlan(
            source,
            (),
            (ImportProblem(None, None, N_("一度に登録できるのは%(n)d件までです。", n=MAX_LINES)),),
        )
    resolver = Resolver(list(registry))
    taken = {login.lower() for login in existing_logins}
    first_line: dict[str, int] = {}
    problems: list[ImportProblem] = []
    accounts: list[PlannedAccount] = []
    for line, cells in body:

        def get(key: str, cells: list[str] = cells) -> str:
            index = where.get(key)
            return cells[index] if index is not None and index < len(cells) else ""

        found: list[ImportProblem] = []

        def problem(
            key: str, message: Message, line: int = line, found: list[ImportProblem] = found
        ) -> None:
            found.append(ImportProblem(line, COLUMNS[key][0], message))

        login = get("login")
        if not login:
            problem("login", N_("ログインIDが空です。"))
        elif not LOGIN_PATTERN.match(login):
            problem(
                "login",
                N_(
                    "「%(login)s」はログインIDに使えません。2〜64文字の半角英数字と . _ @ - で、"
                    "英数字で始めてください。",
                    login=login,
                ),
            )
        elif login.lower() in first_line:
            problem(
                "login",
                N_(
                    "ログインID「%(login)s」が%(n)d行目と重複しています。",
                    login=login,
                    n=first_line[login.lower()],
                ),
            )
        elif login.lower() in taken:
            problem("login", N_("ログインID「%(login)s」は既に使われています。", login=login))
        if login:
            first_line.setdefault(login.lower(), line)
        name = get("name")
        if not name:
            problem("name", N_("氏名が空です。"))
        elif len(name) > NAME_MAX:
            problem("name", N_("氏名は%(n)d文字以内にしてください。", n=NAME_MAX))
        role_text = get("role")
        role = ROLE_WORDS.get(_key(role_text))
        if role is None:
            if role_text:
                problem(
                    "role",
                    N_("「%(role)s」は%(hint)sで書いてください。", role=role_text, hint=ROLE_HINT),
                )
            else:
                problem("role", N_("役割が空です。%(hint)sで書いてください。", hint=ROLE_HINT))
        code_text, name_text = get("code"), get("municipality")
        entry: RegistryEntry | None = None
        if role is Role.MUNICIPAL:
            by_code = resolver.code(code_text) if code_text else None
            by_name = resolver.name(name_text) if name_text else None
            if isinstance(by_code, str):
                problem("code", N_("「%(value)s」%(problem)s。", value=code_text, problem=by_code))
            if isinstance(by_name, str):
                problem(
                    "municipality",
                    N_("「%(value)s」%(problem)s。", value=name_text, problem=by_name),
                )
            if (
                isinstance(by_code, RegistryEntry)
                and isinstance(by_name, RegistryEntry)
                and by_code.code != by_name.code
            ):
                problem(
                    "municipality",
                    N_(
                        "団体コード %(code)s は%(name)sで、市町村名と一致しません。",
                        code=by_code.code,
                        name=by_code.name,
                    ),
                )
            if not code_text and not name_text:
                problem(
                    "code", N_("市町村職員のアカウントには団体コードか市町村名を書いてください。")
                )
            entry = next((e for e in (by_code, by_name) if isinstance(e, RegistryEntry)), None)
        elif role is not None and (code_text or normalise(name_text)):
            problem(
                "code" if code_text else "municipality",
                N_("市町村を指定できるのは市町村職員のアカウントだけです（空にしてください）。"),
            )
        email = get("email")
        if email and not is_email_address(email):
            problem("email", email_message(email))
        problems.extend(found)
        if not found and role is not None:
            accounts.append(
                PlannedAccount(
                    line=line,
                    login=login,
                    display_name=name,
                    role=role,
                    municipality_code=entry.code if entry else None,
                    municipality_name=entry.name if entry else None,
                    email=email or None,
                )
            )
    if problems:
        return ImportPlan(source, (), tuple(problems))
    return ImportPlan(source, tuple(accounts), ())
