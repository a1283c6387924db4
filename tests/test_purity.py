"""The questionnaire model and the scoring engine import neither Flask nor SQLAlchemy."""

from __future__ import annotations

import pytest

from tests.support.purity import forbidden_loaded


@pytest.mark.parametrize(
    "module",
    [
        "dx_assess.core.vocabulary",
        "dx_assess.core.questionnaire",
        "dx_assess.core.questionnaire.qtypes",
        # the Excel round trip (the web layer only wires it up)
        "dx_assess.core.excel.workbook",
        "dx_assess.core.scoring",
        "dx_assess.core.statistics.reading",
        "dx_assess.core.results",
        "dx_assess.core.dashboards.kpis",
        "dx_assess.core.dashboards.geo",
        "dx_assess.core.dashboards.choropleth",
        "dx_assess.core.dashboards.charts",
        "dx_assess.core.dashboards.regional",
        "dx_assess.core.dashboards.status",
        "dx_assess.core.dashboards.adviser",
        "dx_assess.core.dashboards.exports",
        # the PDF reports: everything but the views, jobs and CLI (workers get plain data)
        "dx_assess.core.reports.data",
        "dx_assess.core.reports.regional_data",
        "dx_assess.core.reports.batch",
        "dx_assess.core.reports.render",
    ],
)
def test_pure_package_imports_without_flask_or_sqlalchemy(module: str) -> None:
    assert forbidden_loaded(f"import {module}") == []
