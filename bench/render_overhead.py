"""Benchmark: the project's render path against bare WeasyPrint on the very same HTML (issue 17).

    .venv/bin/python bench/render_overhead.py [--reports 4] [--repeat 3]

It builds a temporary instance (SQLite in a temp folder, `dx-assess demo setup`), takes the
first ``--reports`` municipality reports of the FY2024 demo round, draws their charts once and
makes their HTML once. Then, in interleaved rounds (so that a change in the machine's load
touches every variant alike), each report is rendered by:

1. **project**: ``render.renderer(root).render(kind, context, charts)`` — the path every
   worker takes (templates, the safe URL fetcher, warning collection, the stylesheets and
   font configuration of the process, PDF/UA, metrics), given the charts already drawn;
   and **project, drawing the charts**: the same with ``charts=None``, as a worker calls it
   (matplotlib draws the report's 8 charts: the work the bare program does not do, since
   its HTML has them already);
2. **bare**: the shortest WeasyPrint program that makes the same PDF from the same HTML:
   ``HTML(string=html, base_url=root).write_pdf(stylesheets=…, font_config=…,
   pdf_variant="pdf/ua-1")`` with its ``FontConfiguration`` and ``CSS`` objects made once;
3. **bare, heap set aside**: the same inside ``render._collector_skips_the_heap`` (the
   garbage collector leaves this process's older objects aside, as the project path does):
   project / this is the cost of the path itself;
4. **bare, prepared per render**: bare, but making the ``FontConfiguration`` and parsing the
   stylesheets for every report (what the preparation once per process saves);
5. **project, matplotlib charts (before)**: the project path drawing the municipality charts
   with matplotlib as it did before they were written as SVG directly (``radar_matplotlib``,
   ``position_boxes_matplotlib``), the drawing included;
6. **naive**: the same report with a naive stylesheet and charts — tables with automatic
   layout (``table-layout: auto``, no ``<colgroup>`` widths) and the matplotlib charts with
   their text as paths (``svg.fonttype: path``) — for the per-page comparison (issue 17: the
   project's cost per page ≤ 0.5× the naive one's).

It prints per variant the median CPU and wall time per report, the ratios project / bare
(goal: ≤ 1.1×) measured in this run, and whether project and bare PDFs are byte for byte the
same. CPU time (``time.process_time``) is the figure to trust on a shared machine.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _timed(fn: Callable[..., bytes], *args: Any) -> tuple[float, float, bytes]:
    cpu, wall = time.process_time(), time.perf_counter()
    pdf = fn(*args)
    return time.process_time() - cpu, time.perf_counter() - wall, pdf


def _pages(pdf: bytes) -> int:
    """The page count (poppler's pdfinfo; outside the timed part)."""
    import subprocess

    command = ["pdfinfo", "-"]  # poppler, as the tests use it
    info = subprocess.run(command, input=pdf, capture_output=True, check=True).stdout.decode()  # noqa: S603
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fiscal-year", type=int, default=2024)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dx_bench_render-"))
    os.environ["DX_INSTANCE_PATH"] = str(work)
    import flask_migrate
    from _demo import demo_round

    from dx_assess import create_app
    from dx_assess.core.reports import charts
    from dx_assess.core.reports.assets import FONT_DIR
    from dx_assess.core.reports.batch import round_specs
    from dx_assess.core.reports.render import (
        PDF_VARIANT,
        _bundled_fonts_only,
        _collector_skips_the_heap,
        font_face_css,
        renderer,
    )
    from dx_assess.core.vocabulary import DEFAULT_DEPARTMENT, today
    from dx_assess.extensions import db
    from dx_assess.services.reports.service import settings
    from dx_assess.services.results import round_results

    logging.disable(logging.INFO)
    app = create_app({"DX_ENV": "development", "DATABASE_URL": f"sqlite:///{work / 'b.db'}"})
    with app.app_context():
        flask_migrate.upgrade()
        survey_round = demo_round(app, args.fiscal_year)
        if survey_round is None:
            return 1
        root = settings(app).template_root
        specs = round_specs(
            round_results(db.session, survey_round),
            today(),
            root,
            department=DEFAULT_DEPARTMENT,
        )
    specs = [s for s in specs if s.kind == "municipality"][: args.reports]

    project = renderer(root)
    project.stylesheets  # noqa: B018  # warm, as a worker is before its first message
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    def bare_prepare() -> tuple[Any, list[Any]]:
        with _bundled_fonts_only():  # the same fonts (fontconfig reads it once a process)
            font_config = FontConfiguration()
        css = [
            weasyprint.CSS(string=font_face_css(), font_config=font_config),
            weasyprint.CSS(filename=str(root / "report.css"), font_config=font_config),
        ]
        return font_config, css

    bare_fc, bare_css = bare_prepare()
    naive_css_text = (
        (root / "report.css")
        .read_text(encoding="utf-8")
        .replace("table-layout: fixed", "table-layout: auto")
    )
    naive_css = [
        weasyprint.CSS(string=font_face_css(), font_config=bare_fc),
        weasyprint.CSS(string=naive_css_text, font_config=bare_fc, base_url=root.as_uri() + "/"),
    ]

    def matplotlib_charts(spec: Any) -> dict[str, Any]:
        r = dict(spec.context)
        name = r["municipality"]["name"]
        return {
            "radar": charts.radar_matplotlib(
                r["radar"]["labels"], r["radar"]["own"], r["radar"]["median"], name
            ),
            "overall_boxes": charts.position_boxes_matplotlib(
                r["overall_boxes"], r["overall"]["score_value"], name
            )
            if r["overall_boxes"]
            else None,
            "pillars": {
                p["id"]: charts.position_boxes_matplotlib(p["boxes"], p["score_value"], name)
                if p["boxes"]
                else None
                for p in r["pillars"]
            },
        }

    def naive_html(spec: Any) -> str:
        plt = charts.setup()
        plt.rcParams["svg.fonttype"] = "path"
        try:
            uris = matplotlib_charts(spec)
        finally:
            plt.rcParams["svg.fonttype"] = "none"
        html = project.html(spec.kind, spec.context, uris)
        return re.sub(r"<colgroup>.*?</colgroup>", "", html, flags=re.S)

    prepared = []
    chart_seconds = []
    mpl_seconds = []
    naive: dict[str, str] = {}
    for spec in specs:
        started = time.process_time()
        uris = charts.charts_for(spec.kind, dict(spec.context))
        chart_seconds.append(time.process_time() - started)
        started = time.process_time()
        matplotlib_charts(spec)
        mpl_seconds.append(time.process_time() - started)
        prepared.append((spec, uris, project.html(spec.kind, spec.context, uris)))
        naive[spec.key] = naive_html(spec)
    base_url = root.as_uri() + "/"

    def run_project(spec: Any, uris: Any, _html: str) -> bytes:
        return bytes(project.render(spec.kind, spec.context, uris).pdf)

    def run_project_with_charts(spec: Any, _uris: Any, _html: str) -> bytes:
        return bytes(project.render(spec.kind, spec.context).pdf)

    def run_bare(_spec: Any, _uris: Any, html: str) -> bytes:
        return bytes(
            weasyprint.HTML(string=html, base_url=base_url).write_pdf(
                stylesheets=bare_css, font_config=bare_fc, pdf_variant=PDF_VARIANT
            )
        )

    def run_bare_heap_aside(spec: Any, uris: Any, html: str) -> bytes:
        with _collector_skips_the_heap():
            return run_bare(spec, uris, html)

    def run_bare_per_render(_spec: Any, _uris: Any, html: str) -> bytes:
        font_config, css = bare_prepare()
        return bytes(
            weasyprint.HTML(string=html, base_url=base_url).write_pdf(
                stylesheets=css, font_config=font_config, pdf_variant=PDF_VARIANT
            )
        )

    def run_project_matplotlib(spec: Any, _uris: Any, _html: str) -> bytes:
        return bytes(project.render(spec.kind, spec.context, matplotlib_charts(spec)).pdf)

    def run_naive(spec: Any, _uris: Any, _html: str) -> bytes:
        return bytes(
            weasyprint.HTML(string=naive[spec.key], base_url=base_url).write_pdf(
                stylesheets=naive_css, font_config=bare_fc, pdf_variant=PDF_VARIANT
            )
        )

    variants = {
        "project": run_project,
        "project, drawing the charts": run_project_with_charts,
        "bare": run_bare,
        "bare, heap set aside": run_bare_heap_aside,
        "bare, prepared per render": run_bare_per_render,
        "project, matplotlib charts": run_project_matplotlib,
        "naive": run_naive,
    }
    pages: dict[str, list[int]] = {name: [] for name in variants}
    for fn in variants.values():  # warm every path once
        fn(*prepared[0])
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    wall: dict[str, list[float]] = {name: [] for name in variants}
    ratios: list[float] = []
    fair: list[float] = []
    with_charts: list[float] = []
    same = True
    for _ in range(args.repeat):
        for item in prepared:
            out: dict[str, bytes] = {}
            for name, fn in variants.items():
                c, w, out[name] = _timed(fn, *item)
                pages[name].append(_pages(out[name]))
                cpu[name].append(c)
                wall[name].append(w)
            ratios.append(cpu["project"][-1] / cpu["bare"][-1])
            fair.append(cpu["project"][-1] / cpu["bare, heap set aside"][-1])
            with_charts.append(cpu["project, drawing the charts"][-1] / cpu["bare"][-1])
            same = same and out["project"] == out["bare"] == out["project, drawing the charts"]

    print(f"{len(specs)} reports × {args.repeat}; cpus: {os.cpu_count()}; "
          f"load average {os.getloadavg()}; fonts from {FONT_DIR}")  # fmt: skip
    print(f"charts written as SVG: {statistics.median(chart_seconds) * 1000:.1f} ms CPU per "
          f"report; with matplotlib (before): {statistics.median(mpl_seconds):.2f} s")  # fmt: skip
    for name in variants:
        print(f"{name:28s} CPU {statistics.median(cpu[name]):5.2f} s   "
              f"wall {statistics.median(wall[name]):5.2f} s  (median per report)")  # fmt: skip
    bare = statistics.median(cpu["bare"])
    print(f"project / bare (CPU, median of per-report ratios): {statistics.median(ratios):.3f}x "
          f"(goal ≤ 1.1x)")  # fmt: skip
    print(f"project / bare with the heap set aside too (CPU): {statistics.median(fair):.3f}x")
    print(f"project drawing the charts / bare (CPU): {statistics.median(with_charts):.3f}x")
    print(f"bare prepared per render / bare (CPU): "
          f"{statistics.median(cpu['bare, prepared per render']) / bare:.3f}x")  # fmt: skip
    before = statistics.median(cpu["project, matplotlib charts"])
    print(f"project drawing matplotlib charts (before) / bare (CPU): {before / bare:.3f}x")

    def per_page(name: str) -> float:
        return statistics.median(c / p for c, p in zip(cpu[name], pages[name], strict=True))

    print(f"pages: project {pages['project'][0]}, naive {pages['naive'][0]}; CPU per page: "
          f"project drawing the charts {per_page('project, drawing the charts') * 1000:.0f} ms, "
          f"before {per_page('project, matplotlib charts') * 1000:.0f} ms, naive "
          f"{per_page('naive') * 1000:.0f} ms")  # fmt: skip
    print(f"per page, project drawing the charts / naive: "
          f"{per_page('project, drawing the charts') / per_page('naive'):.3f}x (goal ≤ 0.5x); "
          f"before / naive: "
          f"{per_page('project, matplotlib charts') / per_page('naive'):.3f}x")  # fmt: skip
    walls = statistics.median(wall["project"]) / statistics.median(wall["bare"])
    print(f"project / bare (wall, medians): {walls:.3f}x")
    print(f"project (both) and bare PDFs byte for byte the same: {'yes' if same else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
