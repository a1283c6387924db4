"""Fixtures for the PDF report tests: a reports folder per module, demo data for a module,
and helpers that read PDFs with poppler (pdfinfo, pdffonts, pdftotext)."""

from __future__ import annotations

import re
import subprocess
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.support import empty_database as _empty_database


def poppler(*args: str | Path) -> str:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout


def pdfinfo(path: Path) -> dict[str, str]:
    lines = poppler("pdfinfo", path).splitlines()
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in lines)}


def pdffonts(path: Path) -> list[dict[str, str]]:
    """One dict per font: name, type, emb, sub (pdffonts' columns)."""
    rows = []
    for line in poppler("pdffonts", path).splitlines()[2:]:
        match = re.match(r"(\S+)\s+(.+?)\s{2,}(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)", line)
        assert match, line
        name, kind, _encoding, emb, sub, _uni = match.groups()
        rows.append({"name": name, "type": kind, "emb": emb, "sub": sub})
    return rows


def pdftext(path: Path, *, layout: bool = False) -> str:
    """The PDF's text; pages are separated by form feeds."""
    return poppler("pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), path, "-")


def catalog_entries(path: Path) -> bytes:
    """The PDF's objects, with compressed object streams inflated (the catalog is in one)."""
    data = path.read_bytes()
    chunks = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            chunks.append(zlib.decompress(data[match.end() : end]))
        except zlib.error:
            continue
    return b"\n".join(chunks)


@pytest.fixture(scope="module")
def reports_dir(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A reports folder (cache, ZIPs) of this module only."""
    path = tmp_path_factory.mktemp("reports")
    old = app.config.get("DX_REPORTS_DIR")
    app.config["DX_REPORTS_DIR"] = str(path)
    yield path
    app.config["DX_REPORTS_DIR"] = old


def empty_database() -> None:
    _empty_database()


@pytest.fixture(scope="module")
def demo_data(app: Flask) -> Iterator[None]:
    """`dx-assess demo setup` once for the module (two rounds, 53 municipalities), emptied
    afterwards like every other test's database."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "setup"])
        assert result.exit_code == 0, result.output
        yield
        empty_database()
