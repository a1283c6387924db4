"""Whether this machine can render PDF reports: WeasyPrint needs Pango (without it WeasyPrint
cannot even be imported) and HarfBuzz's subsetter (without it every report takes about 1.8 times
longer). The libraries are looked up with ``ctypes`` under the names WeasyPrint itself tries,
which costs microseconds and never imports WeasyPrint.

Also the observers of finished renders (the metrics register one), so that the renderer needs
nothing of the app.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

#: The shared libraries of the PDF engine, by the Debian package that brings them, with the
#: names WeasyPrint's ``text/ffi.py`` tries on Linux and macOS.
PDF_LIBRARIES: dict[str, tuple[str, ...]] = {
    "libpango-1.0-0": ("libpango-1.0.so.0", "libpango-1.0.dylib"),
    "libpangoft2-1.0-0": ("libpangoft2-1.0.so.0", "libpangoft2-1.0.dylib"),
}
SUBSETTER_LIBRARIES: dict[str, tuple[str, ...]] = {
    "libharfbuzz-subset0": ("libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib"),
}
INSTALL_HINT = "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"


class PdfEngineUnavailable(RuntimeError):
    """Pango is missing: no PDF can be rendered on this machine."""


def missing_libraries(libraries: dict[str, tuple[str, ...]]) -> list[str]:
    """The Debian packages of ``libraries`` whose shared library cannot be loaded."""
    missing = []
    for package, names in libraries.items():
        for name in names:
            try:
                ctypes.CDLL(name)
            except OSError:
                continue
            break
        else:
            missing.append(package)
    return missing


def _problem(libraries: dict[str, tuple[str, ...]], consequence: str) -> str | None:
    """``consequence``, the missing packages and how to install them (Japanese), or None."""
    missing = missing_libraries(libraries)
    if missing:
        return f"{consequence}: {', '.join(missing)} がありません（Debian: {INSTALL_HINT}）。"
    return None


def pdf_engine_problem() -> str | None:
    """Why no PDF can be rendered here (Japanese), or None."""
    return _problem(PDF_LIBRARIES, "PDFレポートを作れません")


def subsetter_problem() -> str | None:
    """Why reports render slowly here (Japanese), or None."""
    return _problem(SUBSETTER_LIBRARIES, "PDFレポートの作成が遅くなります（約1.8倍）")


def require_pdf_engine() -> None:
    """Raise PdfEngineUnavailable when Pango is missing (before importing WeasyPrint)."""
    problem = pdf_engine_problem()
    if problem:
        raise PdfEngineUnavailable(problem)


#: Called with (report kind, seconds) after every render.
RENDER_OBSERVERS: list[Callable[[str, float], None]] = []
