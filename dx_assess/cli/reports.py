"""``dx-assess reports …`` (a round's PDF reports as one batch, one report, pruning) and
``dx-assess worker`` (the process that renders reports from the queue)."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo, with_appcontext

from dx_assess import unit_of_work
from dx_assess.extensions import db
from dx_assess.models import ReportItemStatus, ReportJob, ReportJobStatus, SurveyRound
from dx_assess.services.reports import jobs
from dx_assess.services.reports.prune import prune as prune_storage
from dx_assess.services.reports.service import municipality_report, regional_report, settings
from dx_assess.services.reports.tasks import report_queue, run_processes
from dx_assess.services.results import round_results
from dx_assess.services.rounds import default_round


@click.group("reports", cls=AppGroup, help="PDFレポート（市町村別・地域別）の作成")
def reports_cli() -> None:
    from dx_assess.web.health import startup_problems

    for problem in startup_problems():  # e.g. no HarfBuzz subsetter: reports take 1.8x longer
        click.echo(f"注意: {problem}", err=True)


ROUND_HELP = "調査回のID（省略すると回答受付中の調査回、なければ回答のある最新の調査回）"


def _survey_round(round_id: int | None) -> SurveyRound:
    # without --round: the pages' rule (the open round, else the latest with responses)
    found = default_round(db.session) if round_id is None else db.session.get(SurveyRound, round_id)
    if found is None:
        raise click.ClickException("調査回が見つかりません。")
    return found


@reports_cli.command(
    "batch",
    help="調査回の全レポート（提出済みの支援対象市町村と地域別）を作成し、ZIPにまとめます。"
    "入力が変わっていないレポートは作り直しません。",
)
@click.option(
    "--round",
    "round_id",
    type=int,
    help="調査回のID（省略すると回答受付中の調査回、なければ回答のある最新の調査回）",
)
@click.option("--timeout", type=int, default=3600, show_default=True, help="待つ時間の上限（秒）")
def batch(round_id: int | None, timeout: int) -> None:
    survey_round = _survey_round(round_id)
    queue = report_queue(current_app)
    if not queue.embedded and not queue.live_workers():
        click.echo(
            "警告: 作業プロセス（dx-assess worker）が動いていません。起動するまで待機します。",
            err=True,
        )
    job, created = jobs.start_batch(db.session, survey_round, None, queue)
    job_id = job.id
    how = "このプロセスの中で作成" if queue.embedded else "作業プロセスが作成"
    state = "開始しました" if created else "実行中の一括作成の進み具合を表示します"
    click.echo(f"{survey_round.title}: 一括作成 #{job_id} を{state}（{how}）")
    deadline = time.monotonic() + timeout
    with click.progressbar(length=1, label="レポート", show_pos=True, width=30) as bar:
        shown = 0
        while True:
            db.session.expire_all()
            found = db.session.get(ReportJob, job_id)
            if found is None:
                raise click.ClickException(f"一括作成 #{job_id} が見つかりません。")
            job = found
            counts = jobs.progress(db.session, job)
            unit_of_work.release(db.session)  # the next poll reads afresh
            if counts.total:
                bar.length = counts.total
                bar.update(counts.done - shown)
                shown = counts.done
            if job.status not in jobs.ACTIVE or time.monotonic() > deadline:
                break
            time.sleep(0.3)
    if job.status in jobs.ACTIVE:
        raise click.ClickException(f"一括作成 #{job_id} は {timeout} 秒で終わりませんでした。")
    for item in job.items:
        if item.status is ReportItemStatus.FAILED:
            click.echo(f"失敗: {item.filename}: {item.error}", err=True)
    click.echo(
        f"作成 {counts.rendered}件・保存済みを使用 {counts.cached}件・失敗 {counts.failed}件"
    )
    if job.status is not ReportJobStatus.DONE:
        raise click.ClickException(f"一括作成 #{job_id} は失敗しました: {job.error}")
    click.echo(f"ZIP: {job.zip_path}")
    if counts.failed:
        raise SystemExit(1)


@reports_cli.command(
    "render", help="1つのレポートを作成します（CODE は団体コード、または regional）。"
)
@click.argument("code")
@click.option(
    "--round",
    "round_id",
    type=int,
    help="調査回のID（省略すると回答受付中の調査回、なければ回答のある最新の調査回）",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="保存先（省略すると保存場所のキーを表示）",
)
def render(code: str, round_id: int | None, output: Path | None) -> None:
    results = round_results(db.session, _survey_round(round_id))
    report = regional_report(results) if code == "regional" else municipality_report(results, code)
    if report is None:
        raise click.ClickException(f"{code} のレポートはありません（回答が提出されていません）。")
    state = "作成しました" if report.rendered else "保存済みのものを使います"
    if output is not None:
        output.write_bytes(report.data)
    click.echo(f"{report.spec.title}: {state}: {output or 'pdf/' + report.spec.digest}")


@reports_cli.command(
    "prune",
    help="今の入力から作られることのないPDFとZIP（古い回答や古い一括作成のもの）を削除します。"
    "直近1時間に作られたものは残します。",
)
@click.option("--dry-run", is_flag=True, help="削除せずに件数だけ表示します")
def prune(dry_run: bool) -> None:
    config = settings()
    result = prune_storage(db.session, config, dry_run=dry_run)
    verb = "削除できます" if dry_run else "削除しました"
    click.echo(
        f"保存先（{config.storage_kind}）: {result.removed}件"
        f"（{result.removed_bytes / 1_000_000:.1f} MB）を{verb}。残したもの {result.kept}件。"
    )


@click.command(
    "worker",
    help="レポート作成の作業プロセスを起動します"
    "（DX_BROKER_URL のRedisからメッセージを受け取ります）。",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    help="プロセスの数（省略すると DX_REPORT_WORKERS、既定 2）",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="1プロセスのスレッド数",
)
@with_appcontext
def worker_command(processes: int | None, threads: int) -> None:
    config = settings()
    if config.broker_url is None:
        raise click.ClickException(
            "DX_BROKER_URL が設定されていません（例: redis://127.0.0.1:6379/0）。"
            "設定しない場合、レポートはWebサーバーのプロセスの中で作成されます。"
        )
    count = processes or config.workers
    click.echo(
        f"レポート作成の作業プロセス: {count}（各 {threads} スレッド）、キュー {config.namespace}"
    )
    factory = click.get_current_context().ensure_object(ScriptInfo).create_app
    if factory is None and count > 1:
        raise click.ClickException(
            "作業プロセスを複数起動するには dx-assess コマンドから実行してください。"
        )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    run_processes(app, count, threads, factory or (lambda: app))
