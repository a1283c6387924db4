"""Where the report templates, stylesheets and the bundled font are, and their fingerprint.

The templates and stylesheets live in ``reports/`` at the top of the repository (content that
can be edited without touching Python). A checkout or an editable install reads them there; a
wheel carries a copy inside the package (``dx_assess.core.shipped``), and
``DX_REPORT_TEMPLATES_DIR`` overrides both. The font lives in the package
(``dx_assess/data/fonts``), so it is always installed with the code.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from dx_assess.core.shipped import PACKAGE_DIR, content_dir

REPO_TEMPLATES = content_dir("reports")
FONT_DIR = PACKAGE_DIR / "data" / "fonts"
FONT_FAMILY = "Noto Sans CJK JP DX"
FONT_FILES = {400: "NotoSansCJKjpDX-Regular.otf", 700: "NotoSansCJKjpDX-Bold.otf"}
#: What the report stylesheet and the charts name; pdffonts shows it with dashes.
PDF_FONT_NAME = FONT_FAMILY.replace(" ", "-")


class TemplatesNotFound(RuntimeError):
    pass


def templates_dir(configured: str | Path | None = None) -> Path:
    """The folder with the report templates (see the module docstring for the order)."""
    candidates = [Path(configured)] if configured else [REPO_TEMPLATES]
    for candidate in candidates:
        if (candidate / "municipality.html").is_file():
            return candidate.resolve()
    raise TemplatesNotFound(
        "report templates not found in " + ", ".join(str(c) for c in candidates)
    )


def font_paths() -> dict[int, Path]:
    """The bundled font files by CSS weight."""
    return {weight: FONT_DIR / name for weight, name in FONT_FILES.items()}


def _digest_files(root: Path, pattern: str) -> bytes:
    digest = hashlib.sha256()
    for path in sorted(root.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()


def fingerprint(template_root: Path) -> str:
    """A hash of everything besides the data that shapes a PDF: the templates and stylesheets,
    the font files, this package's code, and the versions of dx_assess, WeasyPrint and
    matplotlib. A report is rendered again when it changes. (Cached per process until a file
    changes: a stat of each file, then the contents only when a size or time moved.)"""
    roots = ((template_root, "*"), (FONT_DIR, "*.otf"), (Path(__file__).resolve().parent, "*.py"))
    stamp = tuple(
        (str(p), p.stat().st_mtime_ns, p.stat().st_size)
        for root, pattern in roots
        for p in sorted(root.rglob(pattern))
        if p.is_file() and "__pycache__" not in p.parts
    )
    return _fingerprint(template_root, stamp)


def code_fingerprint() -> str:
    """A hash of every Python file of the package (``dx_assess/**/*.py``): the code that
    computes a round's results and the reports' data besides the renderer itself. Cached per
    process like :func:`fingerprint` (a stat of each file; contents when one moved)."""
    stamp = tuple(
        (str(p), p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(PACKAGE_DIR.rglob("*.py"))
        if p.is_file() and "__pycache__" not in p.parts
    )
    return _code_fingerprint(stamp)


@cache
def _code_fingerprint(stamp: tuple[tuple[str, int, int], ...]) -> str:
    return hashlib.sha256(_digest_files(PACKAGE_DIR, "*.py")).hexdigest()


@cache
def _fingerprint(template_root: Path, stamp: tuple[tuple[str, int, int], ...]) -> str:
    from importlib.metadata import version

    from dx_assess import __version__

    digest = hashlib.sha256()
    digest.update(_digest_files(template_root, "*"))
    digest.update(_digest_files(FONT_DIR, "*.otf"))
    digest.update(_digest_files(Path(__file__).resolve().parent, "*.py"))
    for name in ("weasyprint", "matplotlib", "pydyf"):
        digest.update(f"{name}={version(name)};".encode())
    digest.update(f"dx_assess={__version__}".encode())
    return digest.hexdigest()
