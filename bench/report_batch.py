"""Benchmark: a round's PDF reports with 1 and with 2 worker processes, and a cached re-run.

    .venv/bin/python bench/report_batch.py [--fiscal-year 2024] [--workers 1 2]

Builds a temporary instance with the demo data (`dx-assess demo setup`: FY2024 with 50
submitted responses, FY2025 with 34), computes every report's plain data once (the parent's
share of a batch), then renders all reports of the chosen round (one per submitted
municipality, plus the regional report) into an empty cache with each worker count, and
prints reports per minute and the ratio. Last, it repeats the batch with the cache full (what
`dx-assess reports batch` does when nothing changed): data, hashes, cache look-ups and the ZIP.
Synthetic demo data only; touches nothing outside its temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fiscal-year", type=int, default=2024)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dx_bench_reports-"))
    os.environ["DX_INSTANCE_PATH"] = str(work / "instance")
    import flask_migrate

    from dx_assess import create_app
    from dx_assess.extensions import db
    from dx_assess.models import SurveyRound
    from dx_assess.reports.batch import ReportCache, build_zip, round_specs, run_batch
    from dx_assess.reports.service import settings, today
    from dx_assess.results.service import clear_cache, round_results

    app = create_app(
        {"DX_ENV": "development", "DATABASE_URL": f"sqlite:///{work / 'demo.sqlite3'}"}
    )
    with app.app_context():
        flask_migrate.upgrade()
        setup = app.test_cli_runner().invoke(args=["demo", "setup"])
        if setup.exit_code != 0:
            print(setup.output, file=sys.stderr)
            return 1
        survey_round = db.session.scalar(
            db.select(SurveyRound).where(SurveyRound.fiscal_year == args.fiscal_year)
        )
        if survey_round is None:
            print(f"no demo round for FY{args.fiscal_year}", file=sys.stderr)
            return 1
        root = settings().template_root
        started = time.perf_counter()
        results = round_results(db.session, survey_round)
        specs = round_specs(results, today(), root)
        prepare = time.perf_counter() - started

    print(f"{survey_round.title}: {len(specs)} reports; data and hashes {prepare:.2f} s")
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}")
    rates: dict[int, float] = {}
    last_cache = ReportCache(work / "cache-none")
    for workers in args.workers:
        cache = ReportCache(work / f"cache-{workers}")
        started = time.perf_counter()
        outcomes = run_batch(specs, cache, root, workers=workers)
        seconds = time.perf_counter() - started
        failed = [o for o in outcomes if o.status == "failed"]
        pages = sum(o.pages for o in outcomes)
        rates[workers] = len(specs) / seconds * 60
        print(
            f"{workers} worker(s): {seconds:6.1f} s, {rates[workers]:5.1f} reports/min, "
            f"{pages / seconds:4.1f} pages/s, {len(failed)} failed, "
            f"{len({o.pid for o in outcomes})} process(es)"
        )
        last_cache = cache
    if 1 in rates and len(rates) > 1:
        best = max(rates)
        print(f"ratio {best} workers / 1 worker: {rates[best] / rates[1]:.2f}x")

    with app.app_context():
        clear_cache()  # as a fresh `dx-assess reports batch` process would start
        started = time.perf_counter()
        results = round_results(db.session, db.session.get(SurveyRound, survey_round.id))
        specs = round_specs(results, today(), root)
        outcomes = run_batch(specs, last_cache, root, workers=max(args.workers))
        build_zip(results, outcomes, last_cache)
        seconds = time.perf_counter() - started
    rendered = sum(1 for o in outcomes if o.status == "rendered")
    print(f"cached re-run: {seconds:.2f} s ({rendered} rendered, ZIP included)")
    print(f"(files in {work})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
