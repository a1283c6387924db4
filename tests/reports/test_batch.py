"""Batches: every report of a round rendered by parallel worker processes, cached by input
hash (a second batch renders nothing, a changed answer renders one report), zipped; the web
page starts the batch in a background process and shows its progress.

A small round of its own: five supported municipalities, all submitted (six reports with the
regional one), so that the module stays quick.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import empty_database
from flask import Flask
from sqlalchemy import select
from support import TEST_PASSWORD, Browser

from dx_assess.accounts.services import UserData, create_user
from dx_assess.demo.synthetic import DemoTown, synthetic_answers
from dx_assess.extensions import db
from dx_assess.models import (
    Channel,
    Municipality,
    ReportJob,
    ReportJobStatus,
    Response,
    Role,
    SurveyRound,
)
from dx_assess.models.base import utcnow
from dx_assess.registry.services import load_registry
from dx_assess.reports import jobs
from dx_assess.reports.batch import RENDERED, Outcome
from dx_assess.reports.service import settings
from dx_assess.survey.responses import get_or_create_response, save_answers, submit
from dx_assess.survey.rounds import round_questionnaire

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
    from survey_helpers import open_test_round

    with app.app_context():
        load_registry(db.session)
        for town in db.session.scalars(select(Municipality).where(Municipality.code.in_(TOWNS))):
            town.supported = True
        create_user(db.session, UserData("pref", "道庁", Role.PREFECTURE, None), TEST_PASSWORD)
        db.session.commit()
        survey_round = open_test_round(2025, "2025.1")
        questionnaire = round_questionnaire(survey_round)
        for code in TOWNS:
            town = db.session.scalar(select(Municipality).where(Municipality.code == code))
            assert town is not None
            response = get_or_create_response(db.session, survey_round, town)
            answers = synthetic_answers(
                questionnaire, DemoTown(code, town.name, town.population or 1000), 2025
            )
            save_answers(
                db.session,
                response,
                questionnaire,
                answers,
                base_version=response.version,
                user=None,
                channel=Channel.DEMO,
            )
            assert submit(db.session, response, questionnaire, None) == []
        db.session.commit()
        yield World(survey_round.id)
        empty_database()


def _cache_files(reports_dir: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (reports_dir / "pdf").rglob("*.pdf")}


def test_batch_renders_in_parallel_then_only_what_changed(
    app: Flask, world: World, reports_dir: Path
) -> None:
    # 1. the first batch renders all six reports in two warm worker processes
    outcomes: list[Outcome] = []
    with app.app_context():
        survey_round = db.session.get(SurveyRound, world.round_id)
        assert survey_round is not None
        job = jobs.create_job(db.session, survey_round, None)
        db.session.commit()
        config = settings()
        assert config.workers == 2
        jobs.run_job(db.session, job, config, on_progress=lambda o, _j: outcomes.append(o))
        assert (job.status, job.total, job.done, job.rendered) == (ReportJobStatus.DONE, 6, 6, 6)
        first_zip = reports_dir / str(job.zip_path)
    assert {o.status for o in outcomes} == {RENDERED}
    assert all(o.warnings == () for o in outcomes)
    pids = {o.pid for o in outcomes}
    assert len(pids) == 2
    assert os.getpid() not in pids
    with zipfile.ZipFile(first_zip) as archive:
        names = sorted(archive.namelist())
        assert len(names) == 7
        assert "一覧.csv" in names
        assert "2025_地域別レポート.pdf" in names
        assert "2025_014630_占冠村.pdf" in names
        assert all(archive.read(n).startswith(b"%PDF-") for n in names if n.endswith(".pdf"))
    before = _cache_files(reports_dir)
    assert len(before) == 6

    # 2. nothing changed: the command line batch renders nothing and reuses the ZIP
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "batch", "--round", str(world.round_id)])
    assert result.exit_code == 0, result.output
    assert "作成 0件・保存済みを使用 6件・失敗 0件" in result.output
    assert f"ZIP: {first_zip}" in result.output
    assert _cache_files(reports_dir) == before

    # 3. an unscored free-text answer changes one report only (peer statistics are the same)
    with app.app_context():
        survey_round = db.session.get(SurveyRound, world.round_id)
        assert survey_round is not None
        _answer(survey_round, TOWNS[1], {"basic_department": "企画課"})
    result = runner.invoke(args=["reports", "batch", "--round", str(world.round_id)])
    assert result.exit_code == 0, result.output
    assert "作成 1件・保存済みを使用 5件・失敗 0件" in result.output
    after = _cache_files(reports_dir)
    assert len(after) == 7
    assert {k: v for k, v in after.items() if k in before} == before  # untouched


def _job(app: Flask, job_id: int) -> ReportJob:
    with app.app_context():
        job = db.session.get(ReportJob, job_id)
        assert job is not None
        db.session.expunge(job)
        return job


def test_web_batch_runs_in_the_background(app: Flask, world: World, reports_dir: Path) -> None:
    browser = Browser(app)
    assert browser.login("pref").status_code == 302
    page = f"/rounds/{world.round_id}/reports/batch"

    # a job in progress: the page refreshes itself and a second start is refused
    with app.app_context():
        survey_round = db.session.get(SurveyRound, world.round_id)
        assert survey_round is not None
        queued = jobs.create_job(db.session, survey_round, None)
        queued.total, queued.done = 6, 2
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

    # the request only starts the job; a separate process renders and zips
    started = time.monotonic()
    response = browser.post(page, {"round_id": str(world.round_id)})
    assert response.status_code == 303
    assert time.monotonic() - started < 5
    job_id = int(response.headers["Location"].rsplit("job=", 1)[1])
    assert job_id != queued_id
    deadline = time.monotonic() + 120
    while (job := _job(app, job_id)).status in (ReportJobStatus.QUEUED, ReportJobStatus.RUNNING):
        assert time.monotonic() < deadline, jobs.log_path(settings(app), job_id).read_text()
        time.sleep(0.3)
    jobs.wait_for_children(timeout=30)
    log = jobs.log_path(settings(app), job_id).read_text()
    assert job.status is ReportJobStatus.DONE, log
    assert (job.total, job.done, job.failed) == (6, 6, 0)

    html = browser.get(f"{page}?job={job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html
    zip_url = f"/rounds/{world.round_id}/reports/batch/{job_id}.zip"
    assert zip_url in html
    response = browser.get(zip_url)
    try:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
            assert len(archive.namelist()) == 7
    finally:
        response.close()
    # a job of another round, or a job id that does not exist: 404
    for path in (
        f"{world.round_id + 1}/reports/batch/{job_id}",
        f"{world.round_id}/reports/batch/{job_id + 99}",
    ):
        assert browser.get(f"/rounds/{path}.zip").status_code == 404
