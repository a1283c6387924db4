"""Shared fixtures: an app on a migrated database (SQLite by default, PostgreSQL when
TEST_DATABASE_URL says so), a client with a log-in helper, the registry, user factories."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import flask_migrate
import pytest
from flask import Flask
from hypothesis import HealthCheck, settings

from tests.support import TEST_PASSWORD, Browser, empty_database
from tests.support.workers import create_postgresql_database, worker_database_url, worker_name

# Property tests judge the code, not the machine: on a loaded two-core machine generating the
# examples can be slow, which is no failure of the property (the examples and their number
# stay the same).
settings.register_profile("dx_assess", suppress_health_check=[HealthCheck.too_slow], deadline=None)
settings.load_profile("dx_assess")


def pytest_configure(config: pytest.Config) -> None:
    instance = os.environ.get("DX_INSTANCE_PATH") or str(
        config.rootpath / ".pytest_cache" / "instance"
    )
    worker = worker_name()  # the workers inherit the folder set here: one each
    os.environ["DX_INSTANCE_PATH"] = f"{instance}-{worker}" if worker else instance


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: without xdist (-p no:xdist)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadfile`` (scripts/test): each file's tests run in one worker, one after the
    other, so a module-scoped fixture is set up once; and all of tests/browser/ in one worker
    (one Chromium and one served app, at the pace their timeouts were set for)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FilesAndBrowser(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return BROWSER if nodeid.startswith(BROWSER) else super()._split_scope(nodeid)

    return FilesAndBrowser(config, log)  # type: ignore[arg-type]


BROWSER = "tests/browser/"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SQLite in a temporary folder (one per worker), or TEST_DATABASE_URL; in an xdist worker
    that URL's database + ``_gw0``…, created on PostgreSQL when missing."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    worker = worker_name()
    if worker is None:
        return url
    own = worker_database_url(url, worker)
    if url.startswith("postgresql"):
        create_postgresql_database(own, connect_to=url)
    return own


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    from dx_assess import create_app

    application = create_app(
        {
            "DX_ENV": "testing",
            "DATABASE_URL": database_url,
            # scrypt costs ~0.1 s a hash; the suite creates hundreds of users.
            "DX_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with application.app_context():
        flask_migrate.downgrade(revision="base")  # a clean start even after an aborted run
        flask_migrate.upgrade()
    yield application
    with application.app_context():
        from dx_assess.extensions import db

        db.session.remove()
        flask_migrate.downgrade(revision="base")
        db.engine.dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[object]:
    """An app context whose database is emptied after the test (and no failed log-in counted:
    the log-in limits stay on, each test starts afresh)."""
    from dx_assess.extensions import db
    from dx_assess.web.auth.throttle import limiter_of

    limiter_of(app).reset()

    with app.app_context():
        yield db.session
        empty_database()


@pytest.fixture
def registry(db_session: object) -> None:
    """The 179 municipalities and 14 振興局, loaded through the real service."""
    from dx_assess.extensions import db
    from dx_assess.services.registry import load_registry

    load_registry(db.session)
    db.session.commit()


@pytest.fixture
def make_user(db_session: object) -> Callable[..., object]:
    from dx_assess.extensions import db
    from dx_assess.models import Role
    from dx_assess.services.accounts import UserData, create_user

    counter = iter(range(1, 10_000))

    def factory(
        role: str,
        municipality_code: str | None = None,
        login: str | None = None,
        password: str = TEST_PASSWORD,
        active: bool = True,
    ) -> object:
        role_enum = Role(role)
        name = login or f"{role}{next(counter)}"
        user = create_user(
            db.session,
            UserData(name, f"{name} さん", role_enum, municipality_code, active=active),
            password,
        )
        db.session.commit()
        return user

    return factory


@pytest.fixture
def assign(db_session: object) -> Callable[[object, list[str]], None]:
    from dx_assess.extensions import db
    from dx_assess.services.accounts import set_assignments

    def do(adviser: object, codes: list[str]) -> None:
        set_assignments(db.session, adviser, codes)  # type: ignore[arg-type]
        db.session.commit()

    return do


@pytest.fixture
def browser(app: Flask, db_session: object) -> Browser:
    return Browser(app)


@pytest.fixture
def smtp_server() -> Iterator[object]:
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1, stopped after the test."""
    from tests.support.smtp import SmtpServer

    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(app: Flask, smtp_server: object, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The app sending mail through ``smtp_server`` (links under http://dx.example.jp)."""
    for name, value in {
        "DX_MAIL_BACKEND": "smtp",
        "DX_SMTP_HOST": "127.0.0.1",
        "DX_SMTP_PORT": smtp_server.port,  # type: ignore[attr-defined]
        "DX_SMTP_TIMEOUT": 5,
        "DX_MAIL_FROM": "dx-assess@pref.example.jp",
        "DX_BASE_URL": "http://dx.example.jp",
        "DX_CONTACT_PHONE": "011-204-5000",
        "DX_CONTACT_EMAIL": "dx-suishin@pref.example.jp",
    }.items():
        monkeypatch.setitem(app.config, name, value)
    return app
