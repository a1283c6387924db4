"""``dx-assess config show`` and ``dx-assess doctor``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from dx_assess.config import SOURCE_DEFAULT

_SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|(^|_)KEY($|_)")


def masked(name: str, value: Any) -> str:
    """``value`` as ``config show`` prints it: secrets hidden, URL passwords starred."""
    if _SECRET_NAME.search(name):
        return f"********（{len(str(value))}文字）" if value else "（未設定）"
    if name == "SQLALCHEMY_DATABASE_URI":
        from sqlalchemy.engine import make_url

        return make_url(str(value)).render_as_string(hide_password=True)
    return repr(value) if not isinstance(value, str) else value


def show_lines(config: Mapping[str, Any]) -> list[str]:
    sources: Mapping[str, str] = config.get("DX_CONFIG_SOURCES", {})
    width = max((len(n) for n in sources), default=0)
    lines = []
    for name in sorted(sources):
        source = sources.get(name, SOURCE_DEFAULT)
        lines.append(f"{name:<{width}}  {masked(name, config.get(name))}  （{source}）")
    return lines


@click.group("config", cls=AppGroup, help="設定の確認")
def config_cli() -> None:
    pass


@config_cli.command(
    "show", help="使われている設定と、それぞれがどこから来たか（秘密の値は伏せます）。"
)
def config_show() -> None:
    for line in show_lines(current_app.config):
        click.echo(line)


@click.command(
    "doctor",
    help="データベース・PDFの作成に必要なライブラリ・レポートの保存先などを確認します。",
)
@with_appcontext
def doctor() -> None:
    from dx_assess.web import health

    results = health.run_checks(current_app)
    for line in health.cli_lines(results):
        click.echo(line)
    if any(not r.ok and r.critical for r in results.values()):
        raise SystemExit(1)
