"""Which web or database packages a piece of code loads, asked of a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

#: Top-level packages the pure core must not load (tests/test_purity.py).
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "flask_login", "werkzeug", "wtforms")


def forbidden_loaded(code: str) -> list[str]:
    """The modules of :data:`FORBIDDEN` packages in ``sys.modules`` after running ``code``
    in a new Python process (which fails the test if ``code`` raises)."""
    probe = (
        "import sys\n"
        f"{code}\n"
        f"forbidden = {FORBIDDEN!r}\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in forbidden)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return [m for m in result.stdout.strip().split(",") if m]
