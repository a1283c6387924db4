"""One rule for the names of downloaded files (CSV, xlsx, PDF, ZIP) and their header.

``download_name(fiscal_year, *parts, ext=…)`` gives ``dx_<年度>_<part>_<part>.<ext>``: parts
that are empty are left out (an English page never yields ``2025_014630_.pdf``), characters
that a file system refuses are replaced. ``content_disposition`` sends the name so that every
browser keeps the Japanese (RFC 6266 ``filename*``), with an ASCII fallback.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_UNSAFE = re.compile(r'[\\/:*?"<>|\s\x00-\x1f]+')
_NOT_ASCII = re.compile(r"[^A-Za-z0-9._-]+")


def download_name(fiscal_year: int, *parts: object, ext: str) -> str:
    """``dx_2025_answers.csv``, ``dx_2025_014630_占冠村.pdf``, ``dx_2025_reports.zip`` …"""
    cleaned = [_UNSAFE.sub("-", str(p)).strip("-._") for p in parts if p is not None]
    return "_".join(["dx", str(fiscal_year), *(p for p in cleaned if p)]) + "." + ext


def content_disposition(filename: str) -> str:
    """An ``attachment`` header value with the UTF-8 name and an ASCII fallback."""
    stem, _, ext = filename.rpartition(".")
    fallback = _NOT_ASCII.sub("", stem).strip("_-") or "download"
    ascii_name = f"{fallback}.{ext}" if ext else fallback
    if ascii_name == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
