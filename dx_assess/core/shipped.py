"""Where the content folders are: ``questionnaires/``, ``migrations/`` and ``reports/``.

They live at the top of the repository (content that is edited without touching Python). A
built wheel carries a copy inside the package, ``dx_assess/_shipped/<name>`` (``setup.py``'s
build step copies them), so an installed service has everything it needs. A checkout or an
editable install, which has no such copy, reads the repository's folders.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

CONTENT = ("questionnaires", "migrations", "reports")
PACKAGE_DIR = Path(__file__).resolve().parents[1]
"""The installed ``dx_assess`` package (its ``data/`` folder travels with the code)."""
_CHECKOUT = PACKAGE_DIR.parent


def content_dir(name: str) -> Path:
    """The folder ``name`` (one of ``CONTENT``) of this installation."""
    if name not in CONTENT:
        raise ValueError(f"not a content folder: {name}")
    packaged = resources.files("dx_assess") / "_shipped" / name
    if packaged.is_dir():
        return Path(str(packaged))
    return _CHECKOUT / name
