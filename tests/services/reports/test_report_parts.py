"""The renderer's safety (URL fetcher), the bundled font's coverage, text clean-up and the
cache key: quick tests without the database."""

from __future__ import annotations

import importlib.util
import os
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dx_assess.core.reports.assets import FONT_DIR, REPO_TEMPLATES, fingerprint, templates_dir
from dx_assess.core.reports.batch import input_hash
from dx_assess.core.reports.render import RefusedURL, Renderer, renderer
from dx_assess.core.reports.text import GETA, covered, join_lines, missing, printable
from tests.support.paths import REPO

ROOT = REPO


def test_fetcher_serves_project_assets_only(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    root = templates_dir()
    (tmp_path / "link.css").symlink_to(outside)
    fetcher = renderer()._fetcher_cls([root, FONT_DIR])
    font = FONT_DIR / "NotoSansCJKjpDX-Regular.otf"
    response = fetcher.fetch(font.as_uri())
    assert response.read(4) == font.read_bytes()[:4]
    response.close()
    assert fetcher.fetch((root / "report.css").as_uri()).read().startswith(b"/*")
    svg = fetcher.fetch("data:image/svg+xml;base64,PHN2Zy8+")
    assert svg.read() == b"<svg/>"
    refused = [
        "file:///etc/passwd",
        outside.as_uri(),
        (root / ".." / "pyproject.toml").as_uri(),  # ../ out of the template folder
        (tmp_path / "link.css").as_uri(),  # a symlink pointing outside
        "file://example.org/etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/x.css",
        "ftp://example.org/x.png",
        "data:text/html,<p>x</p>",
    ]
    for url in refused:
        with pytest.raises((RefusedURL, ValueError)):
            fetcher.fetch(url)
    assert fetcher.refused == refused[:-1] or fetcher.refused == refused


def test_a_hostile_template_reads_no_file_and_no_network(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    shutil.copytree(REPO_TEMPLATES, root)
    (root / "evil.css").symlink_to("/etc/passwd")
    (root / "municipality.html").write_text(
        '<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>t</title>'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        '<link rel="stylesheet" href="evil.css">'
        "<style>@import url(https://example.org/x.css);</style></head><body>"
        '<p>テスト</p><img src="http://127.0.0.1:9/x.png"><img src="../../../../etc/hostname">'
        "</body></html>",
        encoding="utf-8",
    )
    result = Renderer(root).render("municipality", {}, chart_uris={})
    assert result.pdf.startswith(b"%PDF-")
    refused = "\n".join(result.refused)
    for part in ("/etc/passwd", "evil.css", "example.org", "127.0.0.1", "/etc/hostname"):
        assert part in refused
    assert os.environ.get("FONTCONFIG_FILE") != str(FONT_DIR)  # not left changed


def test_font_covers_japanese_and_the_projects_text() -> None:
    spec = importlib.util.spec_from_file_location("make_font", ROOT / "scripts" / "make_font.py")
    assert spec is not None
    assert spec.loader is not None
    make_font = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_font)
    cmap = covered()
    # JIS X 0208 levels 1 and 2 with the NEC/IBM extensions; Noto Sans CJK has no ≒
    assert {c for c in make_font.cp932_characters() if ord(c) not in cmap} == {"≒"}
    shown: set[str] = set()
    for pattern in ("questionnaires/**/*.yaml", "dx_assess/data/**/*.csv", "reports/*"):
        for path in ROOT.glob(pattern):
            shown |= set(path.read_text(encoding="utf-8"))
    assert missing("".join(shown)) == set(), "rerun scripts/make_font.py"
    sizes = [p.stat().st_size for p in FONT_DIR.glob("*.otf")]
    assert len(sizes) == 2
    assert all(1_000_000 < s < 4_000_000 for s in sizes)
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONT_DIR / "OFL.txt").read_text()


def test_printable_and_join_lines() -> None:
    assert printable("髙橋 ① ㈱ 2025年") == "髙橋 ① ㈱ 2025年"
    assert printable("よろしく😀") == f"よろしく{GETA}"
    assert printable("約≒10\u200b件") == "約≈10件"
    assert printable("一行目\n二行目") == "一行目\n二行目"
    assert join_lines("事業者（ベンダー）と スケジュールを相談し、 道にも") == (
        "事業者（ベンダー）とスケジュールを相談し、道にも"
    )
    assert join_lines("RPA を使う 北見市") == "RPA を使う北見市"


def test_cache_key_follows_inputs_template_and_code_not_the_date(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    shutil.copytree(REPO_TEMPLATES, root)
    context: dict[str, Any] = {"title": "t", "generated_on": "2026年4月1日", "x": [1, 2.5]}
    inputs: dict[str, Any] = {"answers": {"q": True, "d": date(2025, 6, 1)}}
    key = input_hash("municipality", context, inputs, root)
    assert key == input_hash(
        "municipality", {**context, "generated_on": "2027年1月1日"}, inputs, root
    )
    assert key != input_hash("municipality", {**context, "x": [1, 2.6]}, inputs, root)
    assert key != input_hash("municipality", context, {"answers": {"q": False}}, root)
    assert key != input_hash("regional", context, inputs, root)
    before = fingerprint(root)
    with (root / "report.css").open("a", encoding="utf-8") as css:
        css.write("\n/* changed */\n")
    assert fingerprint(root) != before
    assert input_hash("municipality", context, inputs, root) != key
