"""The department on pages and PDF covers is the DX_DEPARTMENT setting (issue #14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from dx_assess.config import build_config
from dx_assess.core.vocabulary import DEFAULT_DEPARTMENT
from dx_assess.services.reports.service import settings
from tests.support import Browser

OTHER = "北海道テスト部 テスト局 テスト課"


@pytest.fixture
def other_department(app: Flask) -> Iterator[None]:
    before = app.config["DX_DEPARTMENT"]
    app.config["DX_DEPARTMENT"] = OTHER
    yield
    app.config["DX_DEPARTMENT"] = before


def test_the_default_department_is_the_seed_of_r7_7() -> None:
    assert DEFAULT_DEPARTMENT == "北海道経済部 AI・DX推進局 DX推進課"


def test_report_settings_carry_the_department(app: Flask, other_department: None) -> None:
    assert settings(app).department == OTHER


def test_pages_name_the_configured_department(browser: Browser, other_department: None) -> None:
    html = browser.get("/login").get_data(as_text=True)
    assert f"<strong>問い合わせ先</strong>: {OTHER}" in html  # the footer, on every page
    assert DEFAULT_DEPARTMENT not in html


def test_the_environment_variable_sets_it(tmp_path: Path) -> None:
    default = build_config(tmp_path, {}, {"DX_ENV": "testing"}, None)
    assert default["DX_DEPARTMENT"] == DEFAULT_DEPARTMENT
    env = {"DX_ENV": "testing", "DX_DEPARTMENT": OTHER}
    assert build_config(tmp_path, {}, env, None)["DX_DEPARTMENT"] == OTHER
