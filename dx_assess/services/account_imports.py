"""A bulk account file between its preview and its creation, and the initial passwords until
they are downloaded, kept on the server (in the instance folder, readable by the service only).

The preview page names only a random token: on creation the file is read again from here and
checked again against the registry and the logins in use (the browser sends back no values).
A token is the uploader's alone; files older than :data:`MAX_AGE` are deleted whenever a new
one is kept. The passwords file is deleted as soon as it has been downloaded once.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from pathlib import Path

from flask import current_app

from dx_assess.core.dashboards.exports import to_csv
from dx_assess.services.accounts import ROLE_NAMES, CreatedAccount

MAX_AGE = 3600  # seconds: a preview or an undownloaded passwords file lasts an hour
_TOKEN_LENGTH = 32


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "account-imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _valid(token: str) -> bool:
    return len(token) == _TOKEN_LENGTH and token.isascii() and token.isalnum()


def _path(token: str, suffix: str) -> Path | None:
    return _folder() / f"{token}.{suffix}" if _valid(token) else None


def _own_path(token: str, suffix: str) -> Path:
    """The path of a token this module made (always valid)."""
    return _folder() / f"{token}.{suffix}"


def _prune() -> None:
    limit = time.time() - MAX_AGE
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            pass


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def keep_upload(data: bytes, filename: str, user_id: int) -> str:
    """Keep an uploaded file for its creation step; the token the preview page names."""
    _prune()
    token = secrets.token_hex(_TOKEN_LENGTH // 2)
    record = {"by": user_id, "name": filename, "data": base64.b64encode(data).decode("ascii")}
    _write(_own_path(token, "upload.json"), json.dumps(record).encode())
    return token


def kept_upload(token: str, user_id: int) -> tuple[bytes, str] | None:
    """(file bytes, file name) kept under ``token`` by this user, or None (unknown, expired,
    already used, someone else's)."""
    path = _path(token, "upload.json")
    if path is None or not path.exists() or path.stat().st_mtime < time.time() - MAX_AGE:
        return None
    record = json.loads(path.read_text())
    if record.get("by") != user_id:
        return None
    return base64.b64decode(record["data"]), str(record.get("name") or "")


def passwords_csv(created: list[CreatedAccount]) -> bytes:
    """The created accounts with their initial passwords: CSV, UTF-8 with BOM for Excel."""
    import pandas as pd

    frame = pd.DataFrame.from_records(
        [
            {
                "ログインID": a.login,
                "氏名": a.display_name,
                "役割": ROLE_NAMES[a.role],
                "市町村": a.municipality or "",
                "メールアドレス": a.email or "",
                "初期パスワード": a.password,
            }
            for a in created
        ],
        columns=["ログインID", "氏名", "役割", "市町村", "メールアドレス", "初期パスワード"],
    )
    return to_csv(frame)


def keep_passwords(token: str, user_id: int, created: list[CreatedAccount]) -> None:
    """Replace the upload with the created accounts' initial passwords (CSV, to download once)."""
    csv_bytes = passwords_csv(created)
    record = {"by": user_id, "csv": base64.b64encode(csv_bytes).decode("ascii")}
    if not _valid(token):
        raise ValueError("not a token of account_imports")
    _write(_own_path(token, "passwords.json"), json.dumps(record).encode())
    _own_path(token, "upload.json").unlink(missing_ok=True)


def has_passwords(token: str, user_id: int) -> bool:
    path = _path(token, "passwords.json")
    if path is None or not path.exists():
        return False
    return bool(json.loads(path.read_text()).get("by") == user_id)


def take_passwords(token: str, user_id: int) -> bytes | None:
    """The passwords CSV, once: the file is deleted as it is read. None when gone."""
    path = _path(token, "passwords.json")
    if path is None or not path.exists():
        return None
    record = json.loads(path.read_text())
    if record.get("by") != user_id:
        return None
    path.unlink(missing_ok=True)
    return base64.b64decode(record["csv"])
