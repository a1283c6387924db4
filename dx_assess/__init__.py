"""dx_assess: Hokkaido's municipal DX maturity assessment service."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the pure packages (questionnaire, scoring) must import without Flask
    from flask import Flask

__version__ = "0.1.0"


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    Settings come from built-in defaults, then ``instance/config.py``, then environment
    variables (SECRET_KEY, DATABASE_URL, DX_ENV, …), then ``config``.
    """
    from dx_assess.config import build_config, environment, log_start_warnings, read_instance_file
    from dx_assess.web import security

    instance_path = os.environ.get("DX_INSTANCE_PATH")
    app = security.DxFlask(
        __name__,
        template_folder="web/templates",
        static_folder="web/static",
        instance_path=instance_path,
        instance_relative_config=True,
    )
    instance_file = Path(app.instance_path) / "config.py"
    instance_values = read_instance_file(instance_file) if instance_file.exists() else {}
    app.config.update(build_config(Path(app.instance_path), instance_values, environment(), config))
    from dx_assess import observability

    observability.init_app(app)
    log_start_warnings(app.config)
    security.refuse_debug_in_production(app)
    security.protect_sqlite_file(app)
    _init_extensions(app)
    security.init_app(app)
    _register_blueprints(app)
    from dx_assess.web import health
    from dx_assess.web.auth import throttle

    health.init_app(app)
    throttle.init_app(app)
    from dx_assess.web.labels import japanese_date, japanese_time, label, translated

    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["message"] = translated  # a core.messages.Message
    app.jinja_env.filters["wareki"] = japanese_date
    app.jinja_env.filters["wareki_time"] = japanese_time

    from dx_assess.cli.main import register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from sqlalchemy import event

    from dx_assess.extensions import babel, csrf, db, login_manager, migrate
    from dx_assess.web import auth, i18n

    db.init_app(app)
    from dx_assess.core.shipped import content_dir

    migrate.init_app(app, db, directory=str(content_dir("migrations")))
    csrf.init_app(app)
    login_manager.init_app(app)
    auth.configure_login(login_manager)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    from dx_assess.web import access, contact, menu

    access.init_app(app)
    menu.init_app(app)
    contact.init_app(app)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":

            @event.listens_for(db.engine, "connect")
            def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.close()


def _register_blueprints(app: Flask) -> None:
    from dx_assess.web import errors
    from dx_assess.web.admin.views import bp as admin_bp
    from dx_assess.web.answering import bp as survey_bp
    from dx_assess.web.auth.views import bp as auth_bp
    from dx_assess.web.dashboards.views import bp as dashboards_bp
    from dx_assess.web.excel.views import bp as excel_bp
    from dx_assess.web.home.views import bp as main_bp
    from dx_assess.web.outbox.views import bp as outbox_bp
    from dx_assess.web.registry.views import bp as registry_bp
    from dx_assess.web.reports.views import bp as reports_bp
    from dx_assess.web.results.views import bp as results_bp
    from dx_assess.web.rounds.views import bp as rounds_bp
    from dx_assess.web.statistics.views import bp as statistics_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(statistics_bp)
    app.register_blueprint(survey_bp)
    app.register_blueprint(excel_bp)
    app.register_blueprint(results_bp)
    app.register_blueprint(dashboards_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(outbox_bp)
    from dx_assess.web import outbox

    outbox.init_app(app)
    errors.register(app)
    from dx_assess.web import request_guard

    request_guard.init_app(app)
