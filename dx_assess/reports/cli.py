"""``dx-assess reports …``: build a round's PDF reports in parallel, or one report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import ReportJob, ReportJobStatus, SurveyRound
from dx_assess.reports import jobs
from dx_assess.reports.batch import FAILED, Outcome
from dx_assess.reports.service import (
    ReportSettings,
    municipality_report,
    regional_report,
    settings,
)
from dx_assess.results.service import round_results


@click.group("reports", cls=AppGroup, help="PDFレポート（市町村別・地域別）の作成")
def reports_cli() -> None:
    from dx_assess.health import startup_problems

    for problem in startup_problems():  # e.g. no HarfBuzz subsetter: reports take 1.8x longer
        click.echo(f"注意: {problem}", err=True)


def _survey_round(round_id: int | None) -> SurveyRound:
    if round_id is None:
        found = db.session.scalar(select(SurveyRound).order_by(SurveyRound.fiscal_year.desc()))
    else:
        found = db.session.get(SurveyRound, round_id)
    if found is None:
        raise click.ClickException("調査回が見つかりません。")
    return found


@reports_cli.command(
    "batch",
    help="調査回の全レポート（提出済みの支援対象市町村と地域別）を並行して作成し、ZIPにまとめます。"
    "入力が変わっていないレポートは作り直しません。",
)
@click.option("--round", "round_id", type=int, help="調査回のID（省略すると最新の調査回）")
@click.option("--job", "job_id", type=int, help="画面から開始した一括作成のID（内部用）")
@click.option("--workers", type=click.IntRange(1, 16), help="並行して作成するプロセスの数")
def batch(round_id: int | None, job_id: int | None, workers: int | None) -> None:
    survey_round = _survey_round(round_id)
    config = settings()
    if workers is not None:
        config = ReportSettings(config.reports_dir, config.template_root, workers)
    if job_id is not None:
        job = db.session.get(ReportJob, job_id)
        if job is None or job.round_id != survey_round.id:
            raise click.ClickException(f"一括作成 #{job_id} はこの調査回のものではありません。")
        if job.status is not ReportJobStatus.QUEUED:
            raise click.ClickException(f"一括作成 #{job_id} はすでに開始されています。")
    else:
        job = jobs.create_job(db.session, survey_round, None)
        db.session.commit()
    click.echo(f"{survey_round.title}: 一括作成 #{job.id}（作業プロセス {config.workers}）")

    bar: list[Any] = []  # click's progress bar, opened once the number of reports is known

    def start(total: int) -> None:
        progress = click.progressbar(length=total, label="レポート", show_pos=True, width=30)
        progress.__enter__()
        bar.append(progress)

    def step(outcome: Outcome, _job: ReportJob) -> None:
        if bar:
            bar[0].update(1)
        if outcome.status == FAILED:
            click.echo(f"\n失敗: {outcome.filename}: {outcome.error}", err=True)
        for warning in outcome.warnings:
            click.echo(f"\n警告: {outcome.filename}: {warning}", err=True)

    try:
        jobs.run_job(db.session, job, config, on_progress=step, on_start=start)
    finally:
        if bar:
            bar[0].__exit__(None, None, None)
    click.echo(
        f"作成 {job.rendered}件・保存済みを使用 {job.done - job.rendered - job.failed}件・"
        f"失敗 {job.failed}件"
    )
    click.echo(f"ZIP: {config.reports_dir / (job.zip_path or '')}")
    if job.failed:
        raise SystemExit(1)


@reports_cli.command(
    "render", help="1つのレポートを作成します（CODE は団体コード、または regional）。"
)
@click.argument("code")
@click.option("--round", "round_id", type=int, help="調査回のID（省略すると最新の調査回）")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="保存先（省略すると保存場所のパスを表示）",
)
def render(code: str, round_id: int | None, output: Path | None) -> None:
    results = round_results(db.session, _survey_round(round_id))
    report = regional_report(results) if code == "regional" else municipality_report(results, code)
    if report is None:
        raise click.ClickException(f"{code} のレポートはありません（回答が提出されていません）。")
    state = "作成しました" if report.rendered else "保存済みのものを使います"
    if output is not None:
        output.write_bytes(report.path.read_bytes())
    click.echo(f"{report.spec.title}: {state}: {output or report.path}")
