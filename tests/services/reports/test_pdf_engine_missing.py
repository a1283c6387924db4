"""Without Pango a report download is a clear Japanese 503 page, not a generic 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from dx_assess.core.reports import engine, render
from dx_assess.extensions import db
from dx_assess.models import SurveyRound
from tests.support import Browser


def test_report_download_without_pango_is_a_japanese_503(
    app: Flask, demo_data: None, reports_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PDF_LIBRARIES", {"libpango-1.0-0": ("libdx-missing.so.0",)})
    monkeypatch.setattr(render, "_renderers", {})  # a fresh process: no renderer built yet
    with app.app_context():
        first = db.session.scalar(select(SurveyRound).order_by(SurveyRound.fiscal_year))
        assert first is not None
        round_id = first.id
    browser = Browser(app)
    browser.login("prefecture", "demo-pref-2026")
    answer = browser.get(f"/rounds/{round_id}/reports/014630.pdf")
    assert answer.status_code == 503
    page = answer.get_data(as_text=True)
    assert "いまはPDFレポートを作れません" in page
    assert "dx-assess doctor" in page
