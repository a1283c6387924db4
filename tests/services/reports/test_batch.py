"""Batches on the task queue (the embedded queue: Dramatiq's stub broker and a worker thread,
the same actors as with Redis): one message per report, progress counted from the per-report
rows, stored by input hash (a second batch renders nothing, a changed answer renders one
report), zipped into storage; one active batch per round; a report failing three times is
recorded and the batch finishes; a dead renderer's claim is taken over; pruning.

A small round of its own: five supported municipalities, all submitted (six reports with the
regional one), so that the module stays quick. The distributed test (separate web and worker
processes on PostgreSQL and Redis) is tests/reports/test_distributed.py.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from dx_assess.core.reports.batch import municipality_spec
from dx_assess.core.vocabulary import today
from dx_assess.extensions import db
from dx_assess.models import (
    Channel,
    Municipality,
    ReportItem,
    ReportItemStatus,
    ReportJob,
    ReportJobStatus,
    ReportRender,
    Response,
    SurveyRound,
)
from dx_assess.models.base import utcnow
from dx_assess.services.reports import jobs, prune
from dx_assess.services.reports.produce import produce, render_count
from dx_assess.services.reports.service import settings, storage
from dx_assess.services.reports.storage import DatabaseStorage, FolderStorage, pdf_key, zip_key
from dx_assess.services.reports.tasks import report_queue
from dx_assess.services.rounds import round_questionnaire
from dx_assess.services.saving import save_answers
from tests.services.reports.conftest import empty_database
from tests.support import Browser

TOWNS = ("014630", "014621", "014648", "015113", "016101")  # 占冠 南富良野 幌加内 猿払 日高


@dataclass(frozen=True)
class World:
    round_id: int


def _answer(survey_round: SurveyRound, code: str, posted: dict[str, object]) -> None:
    response = db.session.scalar(
        select(Response)
        .join(Municipality)
        .where(Response.round_id == survey_round.id, Municipality.code == code)
    )
    assert response is not None
    result = save_answers(
        db.session,
        response,
        round_questionnaire(survey_round),
        posted,
        base_version=response.version,
        user=None,
        channel=Channel.FORM,
        check_editable=False,
    )
    assert result.status == "saved", result.errors
    db.session.commit()


@pytest.fixture(scope="module")
def world(app: Flask, reports_dir: Path) -> Iterator[World]:
    from tests.support.answers import submitted_round

    with app.app_context():
        yield World(submitted_round(TOWNS).id)
        empty_database()


def _stored(app: Flask) -> dict[str, int]:
    """Stored PDFs and ZIPs: key → size."""
    with app.app_context():
        return {key: size for key, size, _written in storage().entries()}


def _pdfs(stored: dict[str, int]) -> set[str]:
    return {k for k in stored if k.startswith("pdf/") and "healthprobe" not in k}


def _batch(app: Flask, round_id: int) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["reports", "batch", "--round", str(round_id)])
    assert result.exit_code == 0, result.output
    return result.exit_code, result.output


def test_batch_renders_each_report_once_then_only_what_changed(
    app: Flask, world: World, reports_dir: Path
) -> None:
    # 1. the first batch: one message per report, all six rendered, zipped into storage
    _code, output = _batch(app, world.round_id)
    assert "作成 6件・保存済みを使用 0件・失敗 0件" in output
    with app.app_context():
        job = db.session.scalars(select(ReportJob).order_by(ReportJob.id.desc())).first()
        assert job is not None
        assert (job.status, job.total) == (ReportJobStatus.DONE, 6)
        assert [i.status for i in job.items] == [ReportItemStatus.RENDERED] * 6
        assert all(i.attempts == 1 and i.error is None for i in job.items)
        assert render_count(db.engine) == 6
        first_zip = job.zip_path
        assert first_zip is not None
        assert first_zip.startswith("zip/round")
        data = storage().get(first_zip)
    assert f"ZIP: {first_zip}" in output
    assert data is not None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        assert len(names) == 7
        assert "一覧.csv" in names
        assert "dx_2025_地域別レポート.pdf" in names
        assert "dx_2025_014630_占冠村.pdf" in names
        assert all(archive.read(n).startswith(b"%PDF-") for n in names if n.endswith(".pdf"))
    before = _stored(app)
    assert len(_pdfs(before)) == 6

    # 2. nothing changed: nothing rendered, the same ZIP
    _code, output = _batch(app, world.round_id)
    assert "作成 0件・保存済みを使用 6件・失敗 0件" in output
    assert f"ZIP: {first_zip}" in output
    assert _stored(app) == before

    # 3. an unscored free-text answer changes one report only (peer statistics are the same)
    with app.app_context():
        survey_round = db.session.get(SurveyRound, world.round_id)
        assert survey_round is not None
        _answer(survey_round, TOWNS[1], {"basic_department": "企画課"})
    _code, output = _batch(app, world.round_id)
    assert "作成 1件・保存済みを使用 5件・失敗 0件" in output
    after = _stored(app)
    assert len(_pdfs(after)) == 7
    assert {k: v for k, v in after.items() if k in before} == before  # untouched
    with app.app_context():
        assert render_count(db.engine) == 7

    # 4. pruning removes what no current input refers to: the old PDF and the old ZIPs
    with app.app_context():
        config = settings()
        dry = prune.prune(db.session, config, dry_run=True, min_age=timedelta(0))
        assert _stored(app) == after
        result = prune.prune(db.session, config, min_age=timedelta(0))
        assert (dry.removed, dry.kept) == (result.removed, result.kept)
        assert prune.prune(db.session, config).removed == 0  # the default keeps the last hour
    pruned = _stored(app)
    assert len(_pdfs(pruned)) == 6
    assert [k for k in pruned if k.startswith("zip/")] == [_latest_zip(app, world.round_id)]
    assert result.removed == len(after) - len(pruned)
    # the command says what it did
    cli = app.test_cli_runner().invoke(args=["reports", "prune", "--dry-run"])
    assert cli.exit_code == 0, cli.output
    assert "0件（0.0 MB）を削除できます" in cli.output


def _latest_zip(app: Flask, round_id: int) -> str:
    with app.app_context():
        key = db.session.scalar(
            select(ReportJob.zip_path)
            .where(ReportJob.round_id == round_id)
            .order_by(ReportJob.id.desc())
        )
        assert key is not None
        return key


def _contexts(app: Flask, round_id: int) -> dict[str, Any]:
    """What each report of the round shows (its plain context, the printed date aside)."""
    from dx_assess.core.reports.batch import round_specs
    from dx_assess.services.results import round_results

    with app.app_context():
        survey_round = db.session.get(SurveyRound, round_id)
        assert survey_round is not None
        config = settings()
        specs = round_specs(
            round_results(db.session, survey_round),
            today(),
            config.template_root,
            department=config.department,
            contact=config.contact,
        )
        return {s.key: s.context for s in specs}


def test_a_scored_answer_re_renders_exactly_the_reports_whose_shown_values_changed(
    app: Flask, world: World, reports_dir: Path
) -> None:
    """A scored answer of one town moves its pillar score and with it the peer statistics the
    other towns' reports print (five towns: the box plots show min, q1, median, q3 and max,
    i.e. every one of the five scores) and the regional report's distributions: every report
    is rendered again, and none whose shown values stayed the same."""
    _batch(app, world.round_id)  # whatever earlier tests changed is rendered now
    before = _contexts(app, world.round_id)
    with app.app_context():
        survey_round = db.session.get(SurveyRound, world.round_id)
        assert survey_round is not None
        rows = [r.id for r in round_questionnaire(survey_round).question("std_status").rows]
        _answer(survey_round, TOWNS[2], {"std_status": dict.fromkeys(rows, "completed")})
    after = _contexts(app, world.round_id)
    changed = {key for key in after if after[key] != before.get(key)}
    assert TOWNS[2] in changed
    _code, output = _batch(app, world.round_id)
    with app.app_context():
        job = db.session.scalars(select(ReportJob).order_by(ReportJob.id.desc())).first()
        assert job is not None
        rendered = {i.key for i in job.items if i.status is ReportItemStatus.RENDERED}
    assert rendered == changed  # exactly the reports whose shown values changed …
    assert rendered == set(TOWNS) | {"regional"}  # … which here, by the rule above, is all
    assert "作成 6件・保存済みを使用 0件・失敗 0件" in output


def test_one_active_batch_per_round_is_enforced_by_the_database(app: Flask, world: World) -> None:
    with app.app_context():
        db.session.add(ReportJob(round_id=world.round_id, status=ReportJobStatus.RUNNING))
        db.session.commit()
        db.session.add(ReportJob(round_id=world.round_id, status=ReportJobStatus.QUEUED))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
        # finished ones do not count
        db.session.add(ReportJob(round_id=world.round_id, status=ReportJobStatus.DONE))
        db.session.add(ReportJob(round_id=world.round_id, status=ReportJobStatus.FAILED))
        db.session.commit()
        active = jobs.active_job(db.session, world.round_id)
        assert active is not None

        # starting a batch while one is active gives that one, and sends nothing
        class Refuse:
            def send_plan(self, job_id: int) -> None:
                raise AssertionError("no second job may be planned")

            send_render = send_finish = send_plan

        survey_round = db.session.get(SurveyRound, world.round_id)
        assert survey_round is not None
        job, created = jobs.start_batch(db.session, survey_round, None, Refuse())
        assert (job.id, created) == (active.id, False)
        db.session.execute(sa.delete(ReportJob).where(ReportJob.round_id == world.round_id))
        db.session.commit()


def test_the_plan_sends_each_render_at_once_and_the_zip_waits_for_the_plan(
    app: Flask, world: World, tmp_path: Path
) -> None:
    """Other workers render while the plan goes on: each report's message is sent as soon as
    its item is there, not after every report was computed; a render that finishes early and
    asks for the ZIP meanwhile gets none (the batch is not complete)."""
    import dataclasses

    from sqlalchemy.orm import Session

    config = dataclasses.replace(settings(app), reports_dir=tmp_path, storage_kind="folder")
    planned_when_sent: list[int] = []
    finishes: list[int] = []

    class Recorder:
        def send_plan(self, job_id: int) -> None:
            pass

        def send_render(self, item_id: int) -> None:
            with Session(db.engine) as other:  # another worker, as it would see the rows
                item = other.get(ReportItem, item_id)
                assert item is not None
                planned_when_sent.append(
                    len(
                        other.scalars(
                            select(ReportItem).where(ReportItem.job_id == item.job_id)
                        ).all()
                    )
                )
                if len(planned_when_sent) == 1:  # it renders the first report at once …
                    item.status, item.finished_at = ReportItemStatus.RENDERED, utcnow()
                    other.commit()
                    jobs.finish_job(other, item.job_id, config)  # … and asks for the ZIP
                    job = other.get(ReportJob, item.job_id)
                    assert job is not None
                    assert (job.status, job.total, job.zip_path) == (
                        ReportJobStatus.RUNNING, 6, None
                    )  # fmt: skip

        def send_finish(self, job_id: int) -> None:
            finishes.append(job_id)

    with app.app_context():
        survey_round = db.session.get(SurveyRound, world.round_id)
        assert survey_round is not None
        job, created = jobs.start_batch(db.session, survey_round, None, Recorder())
        assert created
        jobs.plan_job(db.session, job.id, Recorder(), config)
        assert planned_when_sent == [1, 2, 3, 4, 5, 6]
        assert finishes == []  # five reports are still pending
        db.session.expire_all()
        job = db.session.get(ReportJob, job.id)
        assert job is not None
        assert (job.status, job.total, len(job.items)) == (ReportJobStatus.RUNNING, 6, 6)
        db.session.execute(sa.delete(ReportJob).where(ReportJob.id == job.id))
        db.session.commit()


def _job(app: Flask, job_id: int) -> ReportJob:
    with app.app_context():
        job = db.session.get(ReportJob, job_id)
        assert job is not None
        db.session.expunge(job)
        return job


def _wait(app: Flask, job_id: int, timeout: float = 600) -> ReportJob:
    with app.app_context():
        job = jobs.wait_for_job(db.session, job_id, timeout)
        db.session.refresh(job)
        db.session.expunge(job)
        return job


def test_web_batch_runs_on_the_queue(app: Flask, world: World, reports_dir: Path) -> None:
    browser = Browser(app)
    assert browser.login("pref").status_code == 302
    page = f"/rounds/{world.round_id}/reports/batch"

    # a job in progress: the page refreshes itself and a second start is refused
    with app.app_context():
        queued = ReportJob(round_id=world.round_id, status=ReportJobStatus.RUNNING, total=6)
        db.session.add(queued)
        db.session.flush()
        states = [ReportItemStatus.RENDERED] * 2 + [ReportItemStatus.PENDING] * 4
        for n, status in enumerate(states):
            queued.items.append(
                ReportItem(kind="municipality", key=str(n), filename=f"{n}.pdf", digest="0" * 64,
                           status=status)
            )  # fmt: skip
        db.session.commit()
        queued_id = queued.id
    html = browser.get(page).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in html
    assert '<progress max="6" value="2">' in html
    response = browser.post(page, {"round_id": str(world.round_id)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"job={queued_id}")

    # a job without progress for long is taken as dead: a new one may start
    with app.app_context():
        stale = db.session.get(ReportJob, queued_id)
        assert stale is not None
        stale.created_at = stale.heartbeat_at = utcnow() - timedelta(minutes=11)
        db.session.commit()
    html = browser.get(page).get_data(as_text=True)
    assert "停止（応答なし）" in html
    assert 'http-equiv="refresh"' not in html

    # the request only sends the plan message; the queue's worker renders and zips
    started = time.monotonic()
    response = browser.post(page, {"round_id": str(world.round_id)})
    assert response.status_code == 303
    assert time.monotonic() - started < 5
    job_id = int(response.headers["Location"].rsplit("job=", 1)[1])
    assert job_id != queued_id
    assert _job(app, queued_id).status is ReportJobStatus.FAILED
    job = _wait(app, job_id)
    assert job.status is ReportJobStatus.DONE, job.error
    with app.app_context():
        counts = jobs.progress(db.session, db.session.get(ReportJob, job_id))  # type: ignore[arg-type]
    assert (counts.total, counts.done, counts.failed) == (6, 6, 0)

    html = browser.get(f"{page}?job={job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html
    assert "作業プロセスが動いていません" not in html
    zip_url = f"/rounds/{world.round_id}/reports/batch/{job_id}.zip"
    assert zip_url in html
    response = browser.get(zip_url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert len(archive.namelist()) == 7
    # a job of another round, or a job id that does not exist: 404
    for path in (
        f"{world.round_id + 1}/reports/batch/{job_id}",
        f"{world.round_id}/reports/batch/{job_id + 99}",
    ):
        assert browser.get(f"/rounds/{path}.zip").status_code == 404


def test_a_report_failing_three_times_is_recorded_and_the_batch_finishes(
    app: Flask, world: World, reports_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dx_assess.core.reports import render

    broken = TOWNS[2]
    real = render.Renderer.render
    calls: list[str] = []

    def fails_for_one_town(self: render.Renderer, kind: str, context: dict[str, Any],
                           *args: object) -> render.RenderResult:  # fmt: skip
        code = str(context.get("municipality", {}).get("code", kind))
        calls.append(code)
        if code == broken:
            raise RuntimeError("レンダリングに失敗（試験）")
        return real(self, kind, context, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(render.Renderer, "render", fails_for_one_town)
    with app.app_context():
        survey_round = db.session.get(SurveyRound, world.round_id)
        assert survey_round is not None
        # the broken town's report changes (a free-text answer); the others are stored already
        _answer(survey_round, broken, {"basic_department": "情報政策課"})
        job, created = jobs.start_batch(db.session, survey_round, None, report_queue(app))
        assert created
        job_id = job.id
    job = _wait(app, job_id)
    assert job.status is ReportJobStatus.DONE
    with app.app_context():
        items = {i.key: i for i in db.session.get(ReportJob, job_id).items}  # type: ignore[union-attr]
        assert items[broken].status is ReportItemStatus.FAILED
        assert items[broken].attempts == 3
        assert "RuntimeError: レンダリングに失敗（試験）" in (items[broken].error or "")
        assert sum(i.status is ReportItemStatus.CACHED for i in items.values()) == 5
        data = storage().get(str(job.zip_path))
        assert job.failed == 1
        assert "レンダリングに失敗" in (job.error or "")
    assert calls.count(broken) == 3
    assert data is not None
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert len(archive.namelist()) == 6  # five PDFs and the list
        listing = archive.read("一覧.csv").decode("utf-8-sig")
    assert f"{broken}," in listing
    assert "作成に失敗しました" in listing


def test_a_claim_is_rendered_once_and_a_dead_claim_is_taken_over(
    app: Flask, world: World, reports_dir: Path
) -> None:
    with app.app_context():
        survey_round = db.session.get(SurveyRound, world.round_id)
        assert survey_round is not None
        from dx_assess.services.results import round_results

        config = settings()
        spec = municipality_spec(
            round_results(db.session, survey_round),
            TOWNS[3],
            today(),
            config.template_root,
            department=config.department,
        )
        assert spec is not None
        store = storage()
        store.delete(pdf_key(spec.digest))
        db.session.commit()

        # a live claim of another process: wait for its file, render nothing
        db.session.add(ReportRender(digest=spec.digest, owner="other:1", pages=0, seconds=0.0))
        db.session.commit()
        got: list[object] = []
        engine, root = db.engine, settings().template_root
        waiter = threading.Thread(target=lambda: got.append(produce(engine, store, spec, root)))
        renders = render_count(db.engine, spec.digest)
        waiter.start()
        time.sleep(1.0)
        assert not got  # still waiting
        store.put(pdf_key(spec.digest), b"%PDF-from the other process")
        db.session.execute(
            sa.update(ReportRender)
            .where(ReportRender.digest == spec.digest, ReportRender.finished_at.is_(None))
            .values(finished_at=utcnow())
        )
        db.session.commit()
        waiter.join(60)
        assert got
        assert got[0].rendered is False
        assert got[0].data == b"%PDF-from the other process"  # type: ignore[attr-defined]

        # a claim whose holder stopped renewing it (its machine died): taken over and rendered
        store.delete(pdf_key(spec.digest))
        old = utcnow() - timedelta(seconds=30)
        db.session.add(
            ReportRender(digest=spec.digest, owner="dead:1", started_at=old, heartbeat_at=old,
                         pages=0, seconds=0.0)
        )  # fmt: skip
        db.session.commit()
        produced = produce(db.engine, store, spec, settings().template_root)
        assert produced.rendered
        assert produced.data.startswith(b"%PDF-")
        dead = db.session.scalar(select(ReportRender).where(ReportRender.owner == "dead:1"))
        assert dead is not None
        assert dead.finished_at is not None
        assert "claim expired" in (dead.error or "")
        assert render_count(db.engine, spec.digest) == renders + 2  # the other's, and this one


@pytest.mark.parametrize("kind", ["folder", "database"])
def test_both_storages_keep_files_by_key(app: Flask, tmp_path: Path, kind: str) -> None:
    with app.app_context():
        store = FolderStorage(tmp_path) if kind == "folder" else DatabaseStorage(db.engine)
        key, other = pdf_key("ab" + "0" * 62), zip_key("round1_2025_x.zip")
        assert store.get(key) is None
        assert not store.has(key)
        store.put(key, b"%PDF-1")
        store.put(key, b"%PDF-2")  # a key's content never changes: the second write is ignored
        store.put(other, b"PK")
        assert store.get(key) == b"%PDF-1"
        assert store.has(key)
        assert {(k, size) for k, size, _w in store.entries()} >= {(key, 6), (other, 2)}
        store.delete(key)
        store.delete(other)
        assert store.get(key) is None
        assert store.get(other) is None
    if kind == "folder":
        with pytest.raises(ValueError, match="not a report storage key"):
            FolderStorage(tmp_path).get("zip/../../etc/passwd")


def test_health_checks_of_the_report_machinery(app: Flask, reports_dir: Path) -> None:
    from dx_assess.services.reports.health import check_report_storage, check_report_worker

    with app.app_context():
        assert check_report_storage(app) == (True, settings().storage_kind)
        ok, detail = check_report_worker(app)
        assert ok  # the embedded queue runs in this process
        assert "embedded" in detail


def test_a_batch_of_an_unchanged_round_is_done_at_once_with_the_last_zip(
    app: Flask, world: World
) -> None:
    """Nothing changed since the last finished batch: the new batch sends no message and is
    done at once, counted as every report taken from storage, with the same ZIP; a changed
    setting printed on the reports or a ZIP gone from storage plans again."""
    _batch(app, world.round_id)  # the last finished batch has the current inputs

    class Refuse:
        def send_plan(self, job_id: int) -> None:
            raise AssertionError("an unchanged round is not planned again")

        send_render = send_finish = send_plan

    with app.app_context():
        survey_round = db.session.get(SurveyRound, world.round_id)
        assert survey_round is not None
        last = jobs.latest_jobs(db.session, world.round_id, 1)[0]
        assert last.status is ReportJobStatus.DONE
        assert last.inputs_fingerprint
        job, created = jobs.start_batch(db.session, survey_round, None, Refuse())
        assert created
        assert job.id != last.id
        assert (job.status, job.zip_path, job.zip_hash) == (
            ReportJobStatus.DONE,
            last.zip_path,
            last.zip_hash,
        )
        assert jobs.progress(db.session, job) == jobs.Progress(6, 6, 0, 6, 0)
        view = jobs.job_view(db.session, job)
        assert (view["status"], view["has_zip"], view["percent"]) == ("done", True, 100)
        config = settings()
        fp = jobs.batch_fingerprint(db.session, survey_round, config)
        assert fp == job.inputs_fingerprint
        from dataclasses import replace

        other = replace(config, department="総合政策部DX推進課")
        assert jobs.batch_fingerprint(db.session, survey_round, other) != fp
        assert jobs._unchanged_batch(db.session, survey_round, None, other) is None
        assert job.zip_path is not None
        data = storage().get(job.zip_path)
        assert data is not None
        storage().delete(job.zip_path)
        try:
            assert jobs._unchanged_batch(db.session, survey_round, None, config) is None
        finally:
            storage().put(job.zip_path, data)
    # the command line says what the batch did
    _code, output = _batch(app, world.round_id)
    assert "作成 0件・保存済みを使用 6件・失敗 0件" in output
