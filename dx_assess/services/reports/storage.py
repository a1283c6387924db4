"""Where generated PDFs and ZIPs are kept: one interface, two places.

* ``DatabaseStorage``: the ``report_file`` table (bytea on PostgreSQL), which every instance
  shares. The default when the database is PostgreSQL.
* ``FolderStorage``: a folder (``DX_REPORTS_DIR``), for the embedded default (SQLite, one
  machine), or a folder every instance mounts.

Keys are ``pdf/<content hash>`` for reports (the hash of their inputs, see ``batch.input_hash``)
and ``zip/<name>`` for batches. What is stored under a key never changes, so a second write of
the same key is ignored.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from dx_assess.models import ReportFile
from dx_assess.models.base import utcnow


def pdf_key(digest: str) -> str:
    return f"pdf/{digest}"


def zip_key(name: str) -> str:
    return f"zip/{name}"


class ReportStorage(Protocol):
    """Generated files by key."""

    name: str

    def get(self, key: str) -> bytes | None: ...

    def has(self, key: str) -> bool: ...

    def put(self, key: str, data: bytes) -> None: ...

    def delete(self, key: str) -> None: ...

    def entries(self) -> Iterator[tuple[str, int, dt.datetime]]:
        """Every stored key with its size and when it was written."""
        ...


class DatabaseStorage:
    name = "database"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, key: str) -> bytes | None:
        with self.engine.connect() as conn:
            data: bytes | None = conn.scalar(select(ReportFile.data).where(ReportFile.key == key))
        return bytes(data) if data is not None else None

    def has(self, key: str) -> bool:
        with self.engine.connect() as conn:
            return conn.scalar(select(ReportFile.key).where(ReportFile.key == key)) is not None

    def put(self, key: str, data: bytes) -> None:
        values = {"key": key, "data": data, "size": len(data), "created_at": utcnow()}
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            stmt = postgresql.insert(ReportFile).values(values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            stmt = sqlite.insert(ReportFile).values(values).on_conflict_do_nothing()  # type: ignore[assignment]
        else:  # pragma: no cover - the project supports SQLite and PostgreSQL
            raise RuntimeError(f"unsupported database for report storage: {dialect}")
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def delete(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(ReportFile).where(ReportFile.key == key))

    def entries(self) -> Iterator[tuple[str, int, dt.datetime]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ReportFile.key, ReportFile.size, ReportFile.created_at)
            ).all()
        for key, size, created in rows:
            yield str(key), int(size), created


class FolderStorage:
    """``pdf/<hash>`` is ``root/pdf/<2 hex>/<hash>.pdf``; ``zip/<name>`` is ``root/zip/<name>``."""

    name = "folder"

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        kind, _, name = key.partition("/")
        if kind == "pdf" and name.isalnum():
            return self.root / "pdf" / name[:2] / f"{name}.pdf"
        if kind == "zip" and name and "/" not in name and not name.startswith("."):
            return self.root / "zip" / name
        raise ValueError(f"not a report storage key: {key!r}")

    def get(self, key: str) -> bytes | None:
        path = self.path(key)
        return path.read_bytes() if path.is_file() else None

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def put(self, key: str, data: bytes) -> None:
        path = self.path(key)
        if path.is_file():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def entries(self) -> Iterator[tuple[str, int, dt.datetime]]:
        for path in sorted((self.root / "pdf").glob("*/*.pdf")):
            stat = path.stat()
            yield pdf_key(path.stem), stat.st_size, _mtime(stat.st_mtime)
        for path in sorted((self.root / "zip").glob("*.zip")):
            stat = path.stat()
            yield zip_key(path.name), stat.st_size, _mtime(stat.st_mtime)


def _mtime(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)
