"""HTML → PDF with WeasyPrint: a warm, reusable renderer and a URL fetcher that serves only the
project's own assets.

* **Fonts.** WeasyPrint finds fonts through fontconfig. The renderer gives it a configuration
  that knows only the bundled font folder (no system font is read, on any machine), and the
  stylesheet declares the same files with ``@font-face``. A character the font lacks would
  print as a box and WeasyPrint logs a warning; the report data are filtered first
  (``text.printable``), and the tests fail on any warning.
* **Safety.** Templates get plain data only. The URL fetcher serves ``file:`` URLs inside the
  template folder and the font folder and ``data:`` images; anything else (another file, http,
  ftp …) is refused and recorded, so a template or an answer can never make the renderer read
  a file or the network.
* **Speed** (see PERFORMANCE.md): one ``FontConfiguration`` and one parsed stylesheet per
  process, fixed table layouts, SVG charts with text as text, HarfBuzz subsetting (WeasyPrint
  uses the system's libharfbuzz-subset). A ``Renderer`` is made once per process (``renderer()``)
  and reused for every report. While a report renders, the garbage collector leaves the
  process's older objects aside (``_collector_skips_the_heap``).
"""

from __future__ import annotations

import atexit
import gc
import logging
import mimetypes
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dx_assess.core.reports import charts, engine
from dx_assess.core.reports.assets import FONT_DIR, FONT_FAMILY, font_paths, templates_dir

#: The document variant: PDF/UA-1 (tagged, with a title and the language in the metadata).
PDF_VARIANT = "pdf/ua-1"
TEMPLATES = {
    "municipality": "municipality.html",
    "regional": "regional.html",
    "confirmation": "confirmation.html",  # 確認票 and 提出控え (no charts)
}
_lock = threading.Lock()


class RefusedURL(ValueError):
    """The renderer was asked for a resource outside the project's assets."""


def _fetcher_class() -> type[Any]:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeURLFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
        """Serves ``file:`` URLs under ``roots`` and ``data:`` images; refuses the rest."""

        def __init__(self, roots: list[Path]) -> None:
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
            self.roots = [r.resolve() for r in roots]
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
            try:
                return self._fetch(url)
            except RefusedURL:
                self.refused.append(url)
                raise

        def _fetch(self, url: str) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "data":
                if not url[5:].lower().startswith(("image/svg+xml", "image/png")):
                    raise RefusedURL(f"only SVG and PNG data URLs are allowed: {url[:40]}")
                return super().fetch(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise RefusedURL(f"not a project asset: {url}")
            path = Path(url2pathname(unquote(parts.path))).resolve()
            if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
                raise RefusedURL(f"not a project asset: {url}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix == ".otf":
                mime = "font/otf"
            return URLFetcherResponse(
                path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime}
            )

    return SafeURLFetcher


class _DataEnvironment(Environment):
    """``r.values`` means the key ``values`` of a context dict, never the dict method."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


@dataclass
class RenderResult:
    pdf: bytes
    pages: int
    seconds: float
    warnings: list[str] = field(default_factory=list)  # what WeasyPrint logged
    refused: list[str] = field(default_factory=list)  # URLs the fetcher refused


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_fontconfig_dir: Path | None = None


def _fontconfig_file() -> Path:
    """A fontconfig configuration that knows only the bundled font folder."""
    global _fontconfig_dir
    if _fontconfig_dir is None:
        _fontconfig_dir = Path(tempfile.mkdtemp(prefix="dx_assess-fonts-"))
        atexit.register(shutil.rmtree, _fontconfig_dir, ignore_errors=True)
    conf = _fontconfig_dir / "fonts.conf"
    if not conf.exists():
        conf.write_text(
            '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
            "<fontconfig>\n"
            f"  <dir>{FONT_DIR}</dir>\n"
            f"  <cachedir>{_fontconfig_dir / 'cache'}</cachedir>\n"
            "  <alias><family>sans-serif</family>"
            f"<prefer><family>{FONT_FAMILY}</family></prefer></alias>\n"
            "</fontconfig>\n",
            encoding="utf-8",
        )
    return conf


@contextmanager
def _bundled_fonts_only() -> Iterator[None]:
    """Point fontconfig at the bundled fonts while WeasyPrint loads its configuration; the
    variable is restored afterwards so that other programs this process starts are unaffected."""
    with _lock:
        old = os.environ.get("FONTCONFIG_FILE")
        os.environ["FONTCONFIG_FILE"] = str(_fontconfig_file())
        try:
            yield
        finally:
            if old is None:
                os.environ.pop("FONTCONFIG_FILE", None)
            else:
                os.environ["FONTCONFIG_FILE"] = old


@contextmanager
def _collector_skips_the_heap() -> Iterator[None]:
    """While a report renders, Python's cyclic garbage collector looks only at the objects
    made since it began. WeasyPrint makes hundreds of thousands of objects a report, which
    sets off full collections, and each full collection walks every object of the process: in
    a worker or web process (the app, the questionnaires, the round's results: ~360,000
    objects) that was ~0.6 s of a 2.6 s report. ``gc.freeze`` sets the objects alive before
    the render aside (not freed, not copied; O(1)); ``gc.unfreeze`` afterwards gives them back
    to the collector.

    Before unfreezing, one collection frees the render's own cyclic garbage (WeasyPrint's
    boxes, styles and layouts refer to each other: ~95,000 objects, ~33 MB a report). Left to
    the collector after ``gc.unfreeze`` it was frozen again with the next render's heap, and
    the next, and never freed: a worker grew by ~33 MB a report (1.7 GB after 51 reports).
    While the heap is still set aside this collection looks only at what the render made."""
    gc.freeze()
    try:
        yield
    finally:
        gc.collect()
        gc.unfreeze()


def font_face_css() -> str:
    return "\n".join(
        f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{path.as_uri()}"); '
        f"font-weight: {weight}; font-style: normal; }}"
        for weight, path in font_paths().items()
    )


class Renderer:
    """Renders report templates to PDF. Build once per process, reuse for every report."""

    def __init__(self, template_root: Path | None = None) -> None:
        # without Pango, say so (503 page, CLI line) instead of an OSError
        engine.require_pdf_engine()
        with _bundled_fonts_only():
            import weasyprint
            from weasyprint.text.fonts import FontConfiguration

            self.font_config = FontConfiguration()
        self._weasyprint = weasyprint
        self.root = template_root or templates_dir()
        self.env = _DataEnvironment(
            loader=FileSystemLoader(self.root),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._fetcher_cls = _fetcher_class()
        self._render_lock = threading.Lock()  # one render at a time (a threaded dev server)
        self._css_stamp: tuple[int, int] | None = None
        self._stylesheets: list[Any] = []
        charts.setup()

    @property
    def stylesheets(self) -> list[Any]:
        """The font faces and report.css, parsed once (again only when report.css changed)."""
        css = self.root / "report.css"
        stamp = (css.stat().st_mtime_ns, css.stat().st_size)
        if stamp != self._css_stamp:
            fetcher = self._fetcher_cls([self.root, FONT_DIR])
            self._stylesheets = [
                self._weasyprint.CSS(
                    string=font_face_css(), font_config=self.font_config, url_fetcher=fetcher
                ),
                self._weasyprint.CSS(
                    filename=str(css), font_config=self.font_config, url_fetcher=fetcher
                ),
            ]
            self._css_stamp = stamp
        return self._stylesheets

    def html(self, kind: str, context: Mapping[str, Any], chart_uris: Mapping[str, Any]) -> str:
        return self.env.get_template(TEMPLATES[kind]).render(r=context, charts=chart_uris)

    def render(
        self,
        kind: str,
        context: Mapping[str, Any],
        chart_uris: Mapping[str, Any] | None = None,
    ) -> RenderResult:
        """The PDF of a report (``kind``: municipality or regional) from its plain context
        (the charts are drawn from it unless given)."""
        with self._render_lock, _collector_skips_the_heap():
            result = self._render(kind, context, chart_uris)
        for observe in engine.RENDER_OBSERVERS:
            observe(kind, result.seconds)
        return result

    def _render(
        self, kind: str, context: Mapping[str, Any], chart_uris: Mapping[str, Any] | None
    ) -> RenderResult:
        started = time.perf_counter()
        fetcher = self._fetcher_cls([self.root, FONT_DIR])
        collect = _Collect()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(collect)
        try:
            if chart_uris is None:
                chart_uris = charts.charts_for(kind, dict(context))
            source = self.html(kind, context, chart_uris)
            document = self._weasyprint.HTML(
                string=source, base_url=self.root.as_uri() + "/", url_fetcher=fetcher
            ).render(
                font_config=self.font_config,
                stylesheets=self.stylesheets,
                pdf_variant=PDF_VARIANT,
            )
            pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
        finally:
            logger.removeHandler(collect)
        return RenderResult(
            pdf=pdf,
            pages=len(document.pages),
            seconds=time.perf_counter() - started,
            warnings=collect.messages,
            refused=list(fetcher.refused),
        )


_renderers: dict[Path, Renderer] = {}


def renderer(template_root: Path | None = None) -> Renderer:
    """This process's renderer for ``template_root`` (built on first use, then reused)."""
    root = (template_root or templates_dir()).resolve()
    if root not in _renderers:
        _renderers[root] = Renderer(root)
    return _renderers[root]
