"""Benchmark: a round's PDF reports on the task queue with 1 and 2 workers, against the old
process pool, and the queue's per-report overhead.

    .venv/bin/python bench/report_batch.py --database-url postgresql://postgres@127.0.0.1/dx_bench \
        [--redis-url redis://127.0.0.1:6379/6] [--fiscal-year 2024]

The database named is emptied and migrated (give it one of its own); the Redis keys are under a
namespace of their own, deleted afterwards. It loads the demo data (`dx-assess demo setup`:
FY2024 with 50 submitted responses, FY2025 with 34), then builds every report of the round,
each time from an empty report storage (the database storage) and a fresh results cache:

1. the old process pool, as `dx_assess/core/reports/batch.py` had it before the queue (commit
   2149d47): the parent computes every report's data and hash, a `ProcessPoolExecutor` of 2
   warm processes (forkserver) renders them into a folder, then the ZIP. It is kept here, in
   the bench only, as the baseline;
2. the queue with 1 worker process (`dx-assess worker --processes 1`, started and warm
   beforehand, as long-lived workers are): from the start request to the job being done
   (plan, one message per report, the ZIP into storage);
3. the same with 2 worker processes.

It prints the times, reports per minute, the ratios, and the queue's overhead per report: the
1-worker batch time less the render time of its reports, divided by their number (messages,
database rows, the claim, the storage write), and a storage write of one PDF alone.
Synthetic demo data only; touches nothing but the database and the Redis namespace named.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux ``/proc``): what the reports
    cost, less sensitive than the wall clock to other work on a shared machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


# --- the old process pool (baseline) -----------------------------------------------------


def _old_warm(template_root: str, probe: str, profile_at: int) -> None:
    import _render_probe

    from dx_assess.core.reports.render import renderer

    _render_probe.install(probe, profile_at)

    renderer(Path(template_root)).stylesheets  # noqa: B018


def _old_render_to_folder(kind: str, context: Any, digest: str, root: str, templates: str) -> int:
    from dx_assess.core.reports.render import renderer
    from dx_assess.services.reports.storage import FolderStorage, pdf_key

    result = renderer(Path(templates)).render(kind, context)
    FolderStorage(Path(root)).put(pdf_key(digest), result.pdf)
    return int(result.pages)


def old_pool(
    app: Any, round_id: int, folder: Path, probe: Path, profile_at: int, workers: int = 2
) -> tuple[float, float]:
    import multiprocessing

    from dx_assess.core.reports.batch import RENDERED, Outcome, build_zip, round_specs
    from dx_assess.core.vocabulary import DEFAULT_DEPARTMENT, today
    from dx_assess.extensions import db
    from dx_assess.models import SurveyRound
    from dx_assess.services.reports.service import settings
    from dx_assess.services.reports.storage import FolderStorage, pdf_key
    from dx_assess.services.results import clear_cache, round_results

    context = multiprocessing.get_context("forkserver")
    root = settings(app).template_root
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_old_warm,
                             initargs=(str(root), str(probe), profile_at)) as pool:  # fmt: skip
        list(pool.map(abs, range(workers)))  # the pool exists before the clock starts
        pids = [os.getpid(), *pool._processes]
        with app.app_context():
            clear_cache()
            cpu = cpu_seconds(pids)
            started = time.perf_counter()
            results = round_results(db.session, db.session.get(SurveyRound, round_id))
            specs = round_specs(results, today(), root, department=DEFAULT_DEPARTMENT)
            futures = {
                pool.submit(_old_render_to_folder, s.kind, s.context, s.digest, str(folder),
                            str(root)): s
                for s in specs
            }  # fmt: skip
            outcomes = []
            for future in as_completed(futures):
                spec = futures[future]
                outcomes.append(Outcome(spec.key, spec.filename, spec.digest, RENDERED,
                                        future.result()))  # fmt: skip
            store = FolderStorage(folder)
            name, _digest, data = build_zip(
                results, outcomes, lambda d: store.get(pdf_key(d)) or b""
            )
            store.put(f"zip/{name}", data)
            return time.perf_counter() - started, cpu_seconds(pids) - cpu


# --- the queue ---------------------------------------------------------------------------


def _empty_storage(app: Any) -> None:
    from sqlalchemy import delete

    from dx_assess.extensions import db
    from dx_assess.models import ReportFile, ReportItem, ReportJob, ReportRender
    from dx_assess.services.results import clear_cache

    with app.app_context():
        for model in (ReportItem, ReportJob, ReportRender, ReportFile):
            db.session.execute(delete(model))
        db.session.commit()
        clear_cache()


def queued(
    app: Any,
    round_id: int,
    env: dict[str, str],
    workers: int,
    logs: Path,
    probe: Path,
    profile_at: int,
) -> dict[str, Any]:
    import redis

    from dx_assess.extensions import db
    from dx_assess.models import ReportJob, SurveyRound
    from dx_assess.services.reports import jobs
    from dx_assess.services.reports.produce import render_count
    from dx_assess.services.reports.tasks import report_queue

    procs = []
    for i in range(workers):
        log = (logs / f"worker-{workers}-{i}.log").open("wb")
        procs.append(subprocess.Popen(  # noqa: S603  # this interpreter, the bench's own files
            [sys.executable, str(Path(__file__).with_name("_render_probe.py")), str(probe),
             str(profile_at), "worker", "--processes", "1"],
            env={**env, "DX_INSTANCE_PATH": str(logs / f"w{workers}{i}")},
            stdout=log, stderr=subprocess.STDOUT,
        ))  # fmt: skip
    client = redis.Redis.from_url(env["DX_BROKER_URL"])
    pattern = f"{env['DX_BROKER_NAMESPACE']}:dx:worker:*"
    try:
        deadline = time.monotonic() + 180
        while len(list(client.scan_iter(pattern))) < workers:
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not start")
            time.sleep(0.2)
        pids = [p.pid for p in procs]
        with app.app_context():
            survey_round = db.session.get(SurveyRound, round_id)
            cpu = cpu_seconds(pids)
            started = time.perf_counter()
            job, _created = jobs.start_batch(db.session, survey_round, None, report_queue(app))
            job = jobs.wait_for_job(db.session, job.id, 3600)
            seconds = time.perf_counter() - started
            cpu = cpu_seconds(pids) - cpu
            job = db.session.get(ReportJob, job.id)
            items = list(job.items)
            last = max((i.finished_at for i in items if i.finished_at), default=job.started_at)
            return {
                "seconds": seconds,
                "cpu": cpu,
                "status": job.status.value,
                "reports": len(items) or job.total,  # an unchanged round's batch: no items
                "rendered": sum(1 for i in items if i.status.value == "rendered"),
                "render_seconds": sum(i.seconds for i in items),
                "planned_to_last": (last - job.started_at).total_seconds(),
                "workers_used": len({i.worker for i in items}),
                "attempts": sum(i.attempts for i in items),
                "renders": render_count(db.engine),
                "by_worker": {
                    w: (
                        sum(1 for i in items if i.worker == w),
                        sum(i.seconds for i in items if i.worker == w),
                    )
                    for w in sorted({str(i.worker) for i in items})
                },
                "first_done": (
                    min((i.finished_at for i in items if i.finished_at), default=job.started_at)
                    - job.started_at
                ).total_seconds(),
                "reused": not items and job.zip_path is not None,
            }
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(60)


def storage_write_ms(app: Any, pdf: bytes, n: int = 20) -> float:
    from dx_assess.services.reports.service import storage

    with app.app_context():
        store = storage()
        started = time.perf_counter()
        for i in range(n):
            store.put(f"pdf/bench{i:04d}{uuid.uuid4().hex}", pdf)
        return (time.perf_counter() - started) / n * 1000


def limit_submitted(session: Any, round_id: int, limit: int) -> None:
    from sqlalchemy import select, update

    from dx_assess.models import Response, ResponseStatus

    submitted = session.scalars(
        select(Response.id)
        .where(Response.round_id == round_id, Response.status == ResponseStatus.SUBMITTED)
        .order_by(Response.id)
    ).all()
    session.execute(
        update(Response)
        .where(Response.id.in_(submitted[limit:]))
        .values(status=ResponseStatus.DRAFT, version=Response.version + 1)
    )
    session.commit()


def probe_summary(label: str, probe: Path, cpu: float, reports: int) -> None:
    """Per render inside the processes that rendered (bench/_render_probe.py): the rendering
    thread's CPU, full collections, the heap after the last render; the call count of the
    profiled render; and the work outside the renders per report."""
    import statistics

    import _render_probe

    records = _render_probe.read(probe)
    if not records:
        print(f"  {label}: no render probed")
        return
    thread = [r["thread_cpu"] for r in records]
    last: dict[int, dict[str, Any]] = {}
    for r in records:
        last[r["pid"]] = r
    calls = [r["calls"] for r in records if "calls" in r]
    outside = (cpu - sum(r["process_cpu"] for r in records)) / reports
    print(
        f"  {label}: render thread CPU median {statistics.median(thread):.2f} s, mean "
        f"{statistics.mean(thread):.2f} s; full collections per render "
        f"{statistics.mean(r['full_collections'] for r in records):.1f} "
        f"({statistics.mean(r['full_collection_cpu'] for r in records) * 1000:.0f} ms); after "
        "the last render: "
        + ", ".join(f"{r['gc_objects']:,} objects {r['rss_mb']} MB" for r in last.values())
        + (f"; calls in render {records[0]['n'] and calls[0]:,}" if calls else "")
        + f"; CPU outside the renders {outside * 1000:.0f} ms/report"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--fiscal-year", type=int, default=2024)
    parser.add_argument(
        "--limit",
        type=int,
        default=0,
        help="keep only the first N submitted responses submitted (the others go back to "
        "draft): N + 1 reports, for a quicker run",
    )
    parser.add_argument(
        "--profile-at",
        type=int,
        default=3,
        help="profile the Nth render of every rendering process with cProfile (0: none); "
        "its call count is printed, the profile kept beside the probe file",
    )
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith("postgres"):
        print("give --database-url postgresql://… (a database this bench may empty)")
        return 2

    work = Path(tempfile.mkdtemp(prefix="dx_bench_queue-"))
    namespace = f"dx_bench_{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DX_ENV": "development",
        "SECRET_KEY": "bench-" + "x" * 40,
        "DATABASE_URL": args.database_url,
        "DX_BROKER_URL": args.redis_url,
        "DX_BROKER_NAMESPACE": namespace,
        "DX_REPORT_STORAGE": "database",
    }
    os.environ.update({k: env[k] for k in ("DX_BROKER_URL", "DX_BROKER_NAMESPACE")})
    os.environ["DX_INSTANCE_PATH"] = str(work / "instance")
    import flask_migrate
    import redis
    from _demo import demo_round

    from dx_assess import create_app
    from dx_assess.extensions import db

    app = create_app({"DX_ENV": "development", "DATABASE_URL": args.database_url,
                      "DX_REPORT_STORAGE": "database"})  # fmt: skip
    try:
        with app.app_context():
            flask_migrate.downgrade(revision="base")
            flask_migrate.upgrade()
            survey_round = demo_round(app, args.fiscal_year)
            if survey_round is None:
                return 1
            round_id, title = survey_round.id, survey_round.title
            if args.limit:
                limit_submitted(db.session, round_id, args.limit)
        print(f"{title}; cpus: {os.cpu_count()}, python {sys.version.split()[0]}")
        print(f"load average before: {os.getloadavg()}")

        probe = work / "probe-pool.jsonl"
        pool_s, pool_cpu = old_pool(app, round_id, work / "old-pool", probe, args.profile_at)
        n = len(list((work / "old-pool" / "pdf").glob("*/*.pdf")))
        print(f"old process pool (2): {pool_s:6.1f} s, {n / pool_s * 60:5.1f} reports/min ({n}), "
              f"CPU {pool_cpu / n:.2f} s/report")  # fmt: skip
        probe_summary("old pool", probe, pool_cpu, n)
        runs = {}
        for workers in (1, 2):
            _empty_storage(app)
            probe = work / f"probe-queue-{workers}.jsonl"
            run = queued(app, round_id, env, workers, work, probe, args.profile_at)
            runs[workers] = run
            print(
                f"queue, {workers} worker(s): {run['seconds']:6.1f} s, "
                f"{run['reports'] / run['seconds'] * 60:5.1f} reports/min "
                f"({run['rendered']}/{run['reports']} rendered, {run['status']}, "
                f"{run['workers_used']} worker(s) used), CPU {run['cpu'] / run['reports']:.2f} "
                f"s/report"
            )
            print(
                f"  renders {run['renders']}, attempts {run['attempts']}, first report done "
                f"{run['first_done']:.1f} s after the plan began; per worker (reports, render "
                "s): " + ", ".join(f"{n} {s:.0f}" for n, s in run["by_worker"].values())
            )
            probe_summary(f"{workers} worker(s)", probe, run["cpu"], run["reports"])
        # nothing changed since: the same batch again on 2 workers, storage kept; first as
        # before the batch fingerprint (the last job's fingerprint forgotten: planned again,
        # every report found in storage), then as now (the last ZIP taken at once)
        from sqlalchemy import update

        from dx_assess.models import ReportJob

        with app.app_context():
            db.session.execute(update(ReportJob).values(inputs_fingerprint=None))
            db.session.commit()
        planned = queued(app, round_id, env, 2, work, work / "probe-planned.jsonl", 0)
        print(
            f"unchanged rebuild planned again (as before), 2 workers: {planned['seconds']:.3f} s "
            f"({planned['rendered']} rendered of {planned['reports']}), CPU "
            f"{planned['cpu']:.2f} s: {planned['seconds'] / runs[2]['seconds'] * 100:.1f} % of "
            f"the cold batch's time, {planned['cpu'] / runs[2]['cpu'] * 100:.1f} % of its CPU"
        )
        rebuild = queued(app, round_id, env, 2, work, work / "probe-rebuild.jsonl", 0)
        print(
            f"unchanged rebuild, 2 workers: {rebuild['seconds']:.3f} s "
            f"({rebuild['rendered']} rendered of {rebuild['reports']}"
            f"{', the last ZIP taken at once' if rebuild['reused'] else ''}), CPU "
            f"{rebuild['cpu']:.2f} s: {rebuild['seconds'] / runs[2]['seconds'] * 100:.1f} % of "
            f"the cold batch's time, {rebuild['cpu'] / runs[2]['cpu'] * 100:.1f} % of its CPU "
            f"({rebuild['seconds'] / runs[1]['seconds'] * 100:.1f} % of 1 worker's time)"
        )
        # once more in this process, its fingerprints of templates, font and code now warm (as
        # in a web process after its first batch): no worker is needed for a reused batch
        from dx_assess.models import SurveyRound
        from dx_assess.services.reports import jobs
        from dx_assess.services.reports.tasks import report_queue

        with app.app_context():
            survey_round = db.session.get(SurveyRound, round_id)
            wall, cpu = time.perf_counter(), time.process_time()
            job, _created = jobs.start_batch(db.session, survey_round, None, report_queue(app))
            job = jobs.wait_for_job(db.session, job.id, 60)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(
                f"unchanged rebuild, warm process: {wall * 1000:.1f} ms ({job.status.value}), "
                f"CPU {cpu * 1000:.1f} ms: {wall / runs[2]['seconds'] * 100:.2f} % of the cold "
                f"batch's time (2 workers), {wall / runs[1]['seconds'] * 100:.2f} % of 1 worker's"
            )
        one, two = runs[1], runs[2]
        print(f"2 workers / 1 worker: {one['seconds'] / two['seconds']:.2f}x")
        print(f"2 workers / old pool: {pool_s / two['seconds']:.2f}x")
        per_report = two["cpu"] / two["reports"]
        print(f"CPU per report, old pool / 2 workers: {pool_cpu / n / per_report:.2f}x")
        overhead = (one["planned_to_last"] - one["render_seconds"]) / one["reports"] * 1000
        print(f"queue overhead per report (1 worker, besides rendering): {overhead:.0f} ms")
        pdf = next((work / "old-pool" / "pdf").glob("*/*.pdf")).read_bytes()
        print(f"storage write of one PDF ({len(pdf) // 1000} KB, database): "
              f"{storage_write_ms(app, pdf):.1f} ms")  # fmt: skip
        print(f"load average after: {os.getloadavg()}")
    finally:
        client = redis.Redis.from_url(args.redis_url)
        for key in client.scan_iter(f"{namespace}*"):
            client.delete(key)
        with app.app_context():
            db.session.remove()
            flask_migrate.downgrade(revision="base")
    print(f"(files in {work})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
