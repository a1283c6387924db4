"""Command line: ``dx-assess <group> <command>`` (also ``flask --app dx_assess …``)."""

from __future__ import annotations

import secrets
from importlib import resources
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from dx_assess import unit_of_work
from dx_assess.cli.common import actor
from dx_assess.cli.questionnaire import questionnaire_cli
from dx_assess.core.accounts_import import plan_accounts
from dx_assess.core.registry.files import RegistryFileError
from dx_assess.core.registry.supported_list import SupportedListError
from dx_assess.extensions import db
from dx_assess.models import Municipality, Role, Subprefecture, User
from dx_assess.services.account_imports import passwords_csv
from dx_assess.services.accounts import (
    ROLE_NAMES as ROLE_WORDS,
)
from dx_assess.services.accounts import (
    AccountError,
    BulkAccountError,
    UserData,
    create_accounts,
    create_user,
    ensure_account,
    set_assignments,
    set_password,
)
from dx_assess.services.registry import load_registry, registry_entries, set_supported_list


@click.group(
    "registry", cls=AppGroup, help="市町村台帳（179市町村・14振興局）と支援対象市町村の一覧"
)
def registry_cli() -> None:
    pass


@registry_cli.command(
    "load", help="同梱のCSVから振興局と市町村を読み込みます（何度実行しても同じ結果）。"
)
def registry_load() -> None:
    try:
        report = load_registry(db.session)
    except RegistryFileError as exc:
        for problem in exc.problems:
            click.echo(f"エラー: {problem}", err=True)
        raise SystemExit(1) from exc
    for line in report.lines():
        click.echo(line)


@registry_cli.command(
    "set-supported", help="CSV（団体コードまたは市町村名）で支援対象市町村を置き換えます。"
)
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--demo", is_flag=True, help="デモ用の選定として記録します（画面に表示されます）。")
def registry_set_supported(csv_file: Path, demo: bool) -> None:
    _set_supported(csv_file.read_bytes(), csv_file.name, demo)


def _set_supported(data: bytes, source_name: str, demo: bool) -> None:
    try:
        result = set_supported_list(
            db.session, data, source_name=source_name, actor=actor(), is_demo=demo
        )
    except SupportedListError as exc:
        click.echo(f"エラー: {source_name} に問題があるため、何も変更していません。", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1) from exc
    for line in result.lines():
        click.echo(line)


@click.group("users", cls=AppGroup, help="アカウントと担当の管理")
def users_cli() -> None:
    pass


ROLE_NAMES = [r.value for r in Role]


@users_cli.command("create", help="アカウントを作成します。")
@click.argument("login")
@click.option("--name", "display_name", required=True, help="表示名")
@click.option("--role", type=click.Choice(ROLE_NAMES), required=True)
@click.option("--municipality", "municipality_code", help="市町村職員の団体コード（6桁）")
@click.option("--password", help="省略すると入力を求めます（--generate で自動生成）")
@click.option("--generate", is_flag=True, help="ランダムなパスワードを生成して表示します")
def users_create(
    login: str,
    display_name: str,
    role: str,
    municipality_code: str | None,
    password: str | None,
    generate: bool,
) -> None:
    if generate:
        password = secrets.token_urlsafe(12) + "7a"
    elif password is None:
        password = click.prompt("パスワード", hide_input=True, confirmation_prompt=True)
    data = UserData(login, display_name, Role(role), municipality_code)
    try:
        user = create_user(db.session, data, password or "")
    except AccountError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"作成しました: {user.login}（{role}）")
    if generate:
        click.echo(f"パスワード: {password}")


@users_cli.command("assign", help="アドバイザーに担当市町村を割り当てます。")
@click.argument("adviser_login")
@click.argument("codes", nargs=-1, required=True)
@click.option("--replace", is_flag=True, help="今の担当を指定の市町村だけに置き換えます")
def users_assign(adviser_login: str, codes: tuple[str, ...], replace: bool) -> None:
    adviser = db.session.scalar(select(User).where(User.login == adviser_login))
    if adviser is None:
        raise click.ClickException(f"ログインID {adviser_login} のアカウントはありません。")
    wanted = list(codes)
    if not replace:
        wanted += [a.municipality.code for a in adviser.assignments]
    try:
        added, removed = set_assignments(db.session, adviser, wanted)
    except AccountError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"追加 {len(added)}、解除 {len(removed)}: 担当は {len(adviser.assignments)} 市町村です。"
    )


@users_cli.command(
    "set-password", help="パスワードを変更します（そのユーザーの他のログインは終了します）。"
)
@click.argument("login")
def users_set_password(login: str) -> None:
    user = db.session.scalar(select(User).where(User.login == login))
    if user is None:
        raise click.ClickException(f"ログインID {login} のアカウントはありません。")
    password = click.prompt("新しいパスワード", hide_input=True, confirmation_prompt=True)
    try:
        set_password(db.session, user, password)
    except AccountError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo("変更しました。")


@users_cli.command(
    "import",
    help="CSV・Excel（.xlsx）の一覧からアカウントをまとめて作成します（画面の「まとめて追加」と"
    "同じ確認。1行でも問題があれば何も作成しません）。",
)
@click.argument("table", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--passwords",
    "passwords_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="初期パスワードを書き出すCSVファイル（既にあるファイルには書きません）",
)
@click.option("--dry-run", is_flag=True, help="確認だけして、作成しません")
def users_import(table: Path, passwords_out: Path | None, dry_run: bool) -> None:
    logins = db.session.scalars(select(User.login)).all()
    plan = plan_accounts(table.read_bytes(), table.name, registry_entries(db.session), logins)
    if plan.problems:
        click.echo(f"エラー: {table.name} に問題があるため、何も作成していません。", err=True)
        for problem in plan.problems:
            click.echo(f"  {problem}", err=True)
        raise SystemExit(1)
    for a in plan.accounts:
        where = f"（{a.municipality_name}）" if a.municipality_name else ""
        click.echo(f"{a.line}行目\t{a.login}\t{a.display_name}\t{ROLE_WORDS[a.role]}{where}")
    if dry_run:
        click.echo(f"{len(plan.accounts)}件を作成できます（--dry-run: 作成していません）。")
        return
    if passwords_out is None or passwords_out.exists():
        raise click.ClickException(
            "初期パスワードを書き出す新しいファイルを --passwords で指定してください。"
        )
    try:
        created = create_accounts(db.session, plan, actor_id=None)
    except BulkAccountError as exc:
        raise click.ClickException("\n".join(exc.messages)) from exc
    unit_of_work.release(db.session)  # the accounts exist before their passwords are written
    passwords_out.touch(mode=0o600)
    passwords_out.write_bytes(passwords_csv(created))
    click.echo(f"{len(created)}件のアカウントを作成しました。初期パスワード: {passwords_out}")


@users_cli.command("list", help="アカウントの一覧")
def users_list() -> None:
    for user in db.session.scalars(select(User).order_by(User.role, User.login)):
        extra = user.municipality.name if user.municipality else ""
        if user.role is Role.ADVISER:
            extra = f"{len(user.assignments)}市町村を担当"
        state = "" if user.active else "（無効）"
        click.echo(f"{user.login}\t{user.role.value}\t{user.display_name}\t{extra}{state}")


@click.group("demo", cls=AppGroup, help="デモ環境")
def demo_cli() -> None:
    pass


DEMO_SUPPORTED_FILE = "supported_municipalities_demo.csv"
# (login, display name, role, password); the municipal account belongs to DEMO_TOWN.
DEMO_ACCOUNTS = (
    ("admin", "システム管理者（デモ）", Role.ADMIN, "demo-admin-2026"),
    ("prefecture", "道庁 DX推進課（デモ）", Role.PREFECTURE, "demo-pref-2026"),
    ("adviser", "アドバイザー 北野（デモ）", Role.ADVISER, "demo-adviser-2026"),
    ("municipal", "占冠村 総務課（デモ）", Role.MUNICIPAL, "demo-municipal-2026"),
)
DEMO_TOWN = "014630"  # 占冠村 (上川), in the demo selection
DEMO_ADVISER_SUBPREFECTURES = ("上川", "留萌", "宗谷")


@demo_cli.command(
    "setup", help="台帳・デモ用の支援対象53市町村・役割ごとのデモアカウントを用意します。"
)
def demo_setup() -> None:
    if current_app.config["DX_ENV"] == "production":
        raise click.ClickException(
            "本番環境（DX_ENV=production）ではデモ環境を作れません。"
            "DX_ENV=development で実行してください。"
        )
    report = load_registry(db.session)
    for line in report.lines():
        click.echo(line)
    data = (resources.files("dx_assess") / "data" / "demo" / DEMO_SUPPORTED_FILE).read_bytes()
    _set_supported(data, DEMO_SUPPORTED_FILE, demo=True)

    users: dict[str, User] = {}
    for login, name, role, password in DEMO_ACCOUNTS:
        code = DEMO_TOWN if role is Role.MUNICIPAL else None
        users[login] = ensure_account(db.session, UserData(login, name, role, code), password)
    codes = db.session.scalars(
        select(Municipality.code)
        .join(Municipality.subprefecture)
        .where(Municipality.supported, Subprefecture.short_name.in_(DEMO_ADVISER_SUBPREFECTURES))
    ).all()
    set_assignments(db.session, users["adviser"], list(codes))
    from dx_assess.services.demo.seed import TOWN_PASSWORD, ensure_town_accounts, seed_rounds

    for seeded in seed_rounds(db.session, users["prefecture"], keep_untouched=DEMO_TOWN):
        click.echo(
            f"デモ用の調査回 {seeded.fiscal_year}年度: 提出 {seeded.submitted}、"
            f"回答中 {seeded.drafts}、未着手 {seeded.untouched}（合成データ）"
        )
    created = ensure_town_accounts(db.session)
    if created:
        click.echo(f"回答する市町村の職員用デモアカウントを{created}件作りました。")

    click.echo("")
    click.echo("デモ用アカウント（ログインID / パスワード / 役割）:")
    for login, _name, role, password in DEMO_ACCOUNTS:
        click.echo(f"  {login:<11} {password:<22} {role.value}")
    click.echo(
        f"  m+団体コード（例: m012025 函館市） {TOWN_PASSWORD:<10} municipal（ほかの市町村）"
    )
    click.echo(
        f"アドバイザーの担当: {len(codes)}市町村（{'・'.join(DEMO_ADVISER_SUBPREFECTURES)}）"
    )


def register_cli(app: Flask) -> None:
    """Add the commands, each run as one unit of work (:func:`unit_of_work.wrap_cli`)."""
    app.cli.add_command(registry_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(questionnaire_cli)
    from dx_assess.cli.reports import reports_cli, worker_command

    app.cli.add_command(reports_cli)
    from dx_assess.cli.config import config_cli, doctor

    app.cli.add_command(config_cli)
    from dx_assess.cli.mail import mail_cli

    app.cli.add_command(mail_cli)
    app.cli.add_command(doctor)
    app.cli.add_command(worker_command)
    for name, command in app.cli.commands.items():
        if name != "db":  # Flask-Migrate's: Alembic runs its own transactions
            unit_of_work.wrap_cli(command)
