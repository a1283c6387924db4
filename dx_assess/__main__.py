"""The ``dx-assess`` command (also ``python -m dx_assess …``): the Flask command line with this
application's commands (registered by ``dx_assess.cli``)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from dx_assess import create_app
from dx_assess.config import ConfigError
from dx_assess.web import health


def _create_app() -> Flask:
    try:
        return create_app()
    except ConfigError as exc:  # a setting is missing: say which, without a traceback
        raise click.UsageError(str(exc)) from None


def main() -> None:
    """The ``dx-assess`` command."""
    health.LOG_AT_START = False  # `doctor` and the report commands print them in Japanese
    cli = FlaskGroup(create_app=_create_app, help="dx_assess の管理コマンド")
    cli.main(prog_name="dx-assess")


if __name__ == "__main__":
    main()
