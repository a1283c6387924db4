"""A broken questionnaire file never breaks the 「調査回」 page or ``questionnaire check``; a
missing folder is an error; ``check`` works before the database is migrated."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from dx_assess.services.versions import DEFAULT_ROOT
from tests.support import Browser


@pytest.fixture
def root(tmp_path: Path, app: Flask, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped questionnaires plus two broken files."""
    copy = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_ROOT, copy, ignore=shutil.ignore_patterns("*.md"))
    good = (copy / "dx-maturity" / "fy2025.yaml").read_text(encoding="utf-8")
    tab = good.replace('version: "2025.1"', 'version: "2026.1"').replace("住民", "住\x0b民", 1)
    (copy / "dx-maturity" / "fy2026.yaml").write_text(tab, encoding="utf-8")
    deep = "key: dx-maturity\ndescription: " + "[" * 2000 + "]" * 2000 + "\n"
    (copy / "dx-maturity" / "deep.yaml").write_text(deep, encoding="utf-8")
    monkeypatch.setitem(app.config, "DX_QUESTIONNAIRES_DIR", str(copy))
    return copy


def test_the_rounds_page_lists_good_versions_and_names_broken_files(
    root: Path, browser: Browser, make_user: Callable[..., object], registry: None
) -> None:
    make_user("prefecture", login="pref")
    browser.login("pref")
    response = browser.get("/rounds")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="dx-maturity:2025.1"' in html
    assert 'value="dx-maturity:2024.1"' in html
    assert "dx-maturity:2026.1" not in html
    assert "<code>dx-maturity/fy2026.yaml</code>" in html
    assert "使えない制御文字（U+000B）" in html
    assert "<code>dx-maturity/deep.yaml</code>" in html
    assert "入れ子が深すぎます" in html


def test_check_names_every_broken_file(app: Flask, root: Path, db_session: object) -> None:
    result = app.test_cli_runner().invoke(args=["questionnaire", "check"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "dx-maturity/fy2026.yaml:" in result.output
    assert "dx-maturity/deep.yaml:2 " in result.output


def test_check_refuses_a_folder_that_does_not_exist(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_session: object
) -> None:
    missing = tmp_path / "no-such-folder"
    monkeypatch.setitem(app.config, "DX_QUESTIONNAIRES_DIR", str(missing))
    result = app.test_cli_runner().invoke(args=["questionnaire", "check"])
    assert result.exit_code == 1
    assert f"{missing} 調査票のフォルダがありません" in result.output
    assert "問題はありません" not in result.output


def test_check_works_before_the_database_is_migrated(tmp_path: Path) -> None:
    from dx_assess import create_app

    fresh = create_app(
        {
            "DX_ENV": "testing",
            "DATABASE_URL": "sqlite:///" + str(tmp_path / "empty.sqlite3"),
            "DX_QUESTIONNAIRES_DIR": str(DEFAULT_ROOT),
        }
    )
    result = fresh.test_cli_runner().invoke(args=["questionnaire", "check"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "まだ準備されていない（dx-assess db upgrade の前の）ため" in result.output
    shipped = len(list(DEFAULT_ROOT.glob("*/*.yaml")))  # fy2024, fy2025, fy2026
    assert f"問題はありません（{shipped} ファイル）" in result.output


def test_the_questionnaire_folder_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dx_assess import create_app

    monkeypatch.setenv("DX_QUESTIONNAIRES_DIR", str(tmp_path / "elsewhere"))
    fresh = create_app({"DX_ENV": "testing", "DATABASE_URL": "sqlite://"})
    assert fresh.config["DX_QUESTIONNAIRES_DIR"] == str(tmp_path / "elsewhere")
