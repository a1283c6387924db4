"""Hardening that holds whatever starts the app (issue 11, security): no debugger in
production, the embedded database file readable by its owner only, uploads parsed with
defusedxml."""

from __future__ import annotations

import io
import os
import socket
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from dx_assess import create_app
from dx_assess.config import ConfigError
from tests.support import Browser
from tests.support.paths import REPO

ROOT = REPO
PRODUCTION = {"DX_ENV": "production", "SECRET_KEY": "x" * 40}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "extra_env"),
    [(["run", "--debug"], {}), (["run"], {"FLASK_DEBUG": "1"}), (["run", "--debugger"], {})],
    ids=["--debug", "FLASK_DEBUG=1", "--debugger"],
)
def test_flask_run_refuses_debug_in_production(
    tmp_path: Path, args: list[str], extra_env: dict[str, str]
) -> None:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DX_"))},
        **PRODUCTION,
        **extra_env,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DX_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    command = [sys.executable, "-m", "flask", "--app", "dx_assess", *args]
    command += ["--port", str(port), "--no-reload"]
    process = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        _out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # it is serving: the debugger is on in production
        process.kill()
        process.communicate()
        pytest.fail("the development server started in debug mode with DX_ENV=production")
    assert process.returncode != 0
    assert "本番環境（DX_ENV=production）ではデバッグモードで起動できません" in err.decode()


def test_app_run_and_debug_flag_refuse_debug_in_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import werkzeug.serving

    served: list[dict[str, Any]] = []
    monkeypatch.setattr(
        werkzeug.serving, "run_simple", lambda *a, **kw: served.append(kw)
    )  # never really serve
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    with pytest.raises(ConfigError, match="デバッグモード"):
        app.run(debug=True)
    with pytest.raises(ConfigError, match="デバッグモード"):
        app.run(use_debugger=True)
    with pytest.raises(ConfigError, match="デバッグモード"):
        app.debug = True
    assert served == []
    assert app.debug is False
    app.run()  # without debugging it starts (here: the stub)
    assert served[0]["use_debugger"] is False

    development = create_app(
        {"DX_ENV": "development", "SECRET_KEY": "y" * 40, "DATABASE_URL": "sqlite://"}
    )
    development.run(debug=True)
    assert served[1]["use_debugger"] is True


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_embedded_database_and_instance_folder_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DX_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    old_umask = os.umask(0o022)  # the usual umask: files 0644, folders 0755 unless we say
    try:
        app = create_app({"DX_ENV": "testing"})
        from dx_assess.extensions import db

        with app.app_context():
            with db.engine.begin() as connection:  # SQLite creates the file on first use
                connection.exec_driver_sql("CREATE TABLE t (x TEXT)")
            db.engine.dispose()
    finally:
        os.umask(old_umask)
    database = tmp_path / "instance" / "dx_assess.sqlite3"
    assert database.exists()
    assert _mode(database) == 0o600
    assert _mode(tmp_path / "instance") == 0o700


def test_an_explicit_sqlite_file_is_created_private(tmp_path: Path) -> None:
    target = tmp_path / "data" / "service.sqlite3"
    old_umask = os.umask(0o022)
    try:
        app = create_app({"DX_ENV": "testing", "DATABASE_URL": f"sqlite:///{target}"})
        from dx_assess.extensions import db

        with app.app_context():
            with db.engine.begin() as connection:
                connection.exec_driver_sql("CREATE TABLE t (x TEXT)")
            db.engine.dispose()
    finally:
        os.umask(old_umask)
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700


# ---------------------------------------------------------------------------- uploads


def test_openpyxl_parses_with_defusedxml() -> None:
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


def _with_entity(data: bytes, dtd: bytes) -> bytes:
    """The package with its answer sheet re-encoded as UTF-16, a DTD added and the answer
    「総務課」 replaced by the entity ``&x;`` (UTF-16 hides the ``<!ENTITY`` bytes from a byte
    scan; an XML parser reads them)."""
    part = "xl/worksheets/sheet2.xml"  # 「回答」
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == part:
                text = body.decode("utf-8")
                marker = "<t>総務課</t>"
                assert marker in text
                head, _, tail = text.rpartition(marker)
                root = dtd.decode().replace("ROOT", "worksheet")
                declaration = '<?xml version="1.0" encoding="UTF-16"?>\n'
                text = declaration + root + head + "<t>&x;</t>" + tail
                body = text.encode("utf-16")
            dst.writestr(info.filename, body)
    return out.getvalue()


@pytest.mark.parametrize(
    "dtd",
    [
        b'<!DOCTYPE ROOT [<!ENTITY x "injected-by-entity">]>',
        b'<!DOCTYPE ROOT [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE ROOT [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY x "&c;&c;&c;&c;&c;&c;&c;&c;">]>',
    ],
    ids=["internal-entity", "external-entity", "entity-expansion"],
)
def test_xlsx_with_entities_is_refused_in_japanese_and_not_expanded(dtd: bytes) -> None:
    import datetime as dt

    from dx_assess.core.excel.workbook import (
        UploadError,
        WorkbookMeta,
        export_workbook,
        parse_workbook,
    )
    from dx_assess.core.questionnaire import load_questionnaire

    questionnaire = load_questionnaire(ROOT / "questionnaires" / "dx-maturity" / "fy2025.yaml")
    meta = WorkbookMeta(
        questionnaire_key=questionnaire.key,
        questionnaire_version=questionnaire.version,
        fiscal_year=questionnaire.fiscal_year,
        municipality_code="011002",
        municipality_name="札幌市",
        response_version=1,
    )
    now = dt.datetime(2025, 6, 2, tzinfo=dt.UTC)
    clean = export_workbook(questionnaire, meta, {"basic_department": "総務課"}, now=now)
    parsed = parse_workbook(clean, questionnaire, municipality_code="011002")
    assert parsed.posted["basic_department"] == "総務課"

    evil = _with_entity(clean, dtd)
    with pytest.raises(UploadError) as caught:
        parse_workbook(evil, questionnaire, municipality_code="011002")
    text = " ".join(str(p) for p in caught.value.problems)
    assert "読み込め" in text  # 読み込めません or 読み込めない部分があります
    assert "injected" not in text
    assert "root:" not in text


def test_upload_with_entities_answers_422_and_changes_nothing(
    browser: Browser, registry: None, make_user: Any
) -> None:
    """Through the page: a clear Japanese error, not a 500, and no answer changed."""
    from dx_assess.extensions import db
    from dx_assess.models import Answer, Municipality
    from tests.support.answers import open_test_round, respond

    town = db.session.query(Municipality).filter_by(code="014630").one()
    town.supported = True
    survey_round = open_test_round(2025, "2025.1")
    respond(survey_round, "014630", {"basic_department": "総務課"})
    db.session.commit()
    make_user("municipal", "014630", login="muni")
    browser.login("muni")
    base = f"/rounds/{survey_round.id}/responses/014630"
    clean = browser.get(base + "/export.xlsx").get_data()
    evil = _with_entity(clean, b'<!DOCTYPE ROOT [<!ENTITY x "injected-by-entity">]>')
    before = sorted((a.question_id, str(a.value)) for a in db.session.query(Answer))
    response = browser.post(
        base + "/import",
        {"file": (io.BytesIO(evil), "kaitou.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "読み込め" in response.get_data(as_text=True)
    db.session.expire_all()
    assert sorted((a.question_id, str(a.value)) for a in db.session.query(Answer)) == before
