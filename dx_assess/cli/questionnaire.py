"""``dx-assess questionnaire …``: check, list, diff and publish questionnaire versions."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from dx_assess import unit_of_work
from dx_assess.core.questionnaire import (
    QuestionnaireError,
    check_root,
    diff_versions,
    discover,
    format_diff,
    resolve,
)
from dx_assess.extensions import db
from dx_assess.services.versions import (
    PublishError,
    publish,
    published_changes,
    questionnaire_root,
    statuses,
)


@click.group("questionnaire", cls=AppGroup, help="調査票ファイルの検査・一覧・比較・公開")
def questionnaire_cli() -> None:
    pass


@questionnaire_cli.command(
    "check", help="すべての調査票ファイルを検査します（公開済みの版の変更も検出）。"
)
def check() -> None:
    """Works without a database: the files are checked first; the comparison with published
    versions is added when the database is ready, and its absence is said in Japanese."""
    root = questionnaire_root()
    click.echo(f"調査票のフォルダ: {root}")
    messages = [str(p) for p in check_root(root)]
    note = None
    try:
        messages += published_changes(db.session, root)
    except SQLAlchemyError as exc:
        unit_of_work.abandon()
        reason = type(getattr(exc, "orig", None) or exc).__name__
        note = (
            "データベースに接続できないか、まだ準備されていない（dx-assess db upgrade の前の）"
            f"ため、公開済みの版との比較はしていません（{reason}）。"
        )
    if note:
        click.echo(note, err=True)
    if messages:
        for message in messages:
            click.echo(message, err=True)
        click.echo(f"問題が {len(messages)} 件あります。", err=True)
        raise SystemExit(1)
    click.echo(f"問題はありません（{len(discover(root))} ファイル）。")


@questionnaire_cli.command("list", help="調査票の版の一覧と公開状況")
def list_versions() -> None:
    for s in statuses(db.session, questionnaire_root()):
        if s.published_at is None:
            state = "未公開"
        elif s.changed_since_published:
            state = f"公開済み {s.published_at}（公開後にファイルが変更されています!）"
        else:
            state = f"公開済み {s.published_at}"
        click.echo(
            f"{s.key}:{s.version}\t{s.fiscal_year}年度\t{s.question_count}問\t{s.title}\t{state}"
        )


@questionnaire_cli.command(
    "diff", help="2つの版の違い（A B は KEY:VERSION、VERSION、またはファイル）"
)
@click.argument("a")
@click.argument("b")
def diff(a: str, b: str) -> None:
    root = questionnaire_root()
    try:
        old, new = resolve(root, a), resolve(root, b)
    except (LookupError, QuestionnaireError) as exc:
        raise click.ClickException(str(exc)) from exc
    for line in format_diff(diff_versions(old, new)):
        click.echo(line)


@questionnaire_cli.command("publish", help="版を公開（登録）します。公開後は変更できません。")
@click.argument("key")
@click.argument("version")
def publish_version(key: str, version: str) -> None:
    from dx_assess.cli.common import actor

    try:
        row, created = publish(db.session, questionnaire_root(), key, version, actor=actor())
    except PublishError as exc:
        for message in exc.messages:
            click.echo(message, err=True)
        raise SystemExit(1) from exc
    if created:
        click.echo(f"{key}:{version} を公開しました（sha256 {row.content_hash[:12]}…）。")
    else:
        click.echo(f"{key}:{version} は公開済みで、内容も同じです。変更はありません。")
