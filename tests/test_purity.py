"""The questionnaire model and the scoring engine import neither Flask nor SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "dx_assess.vocabulary",
        "dx_assess.questionnaire",
        "dx_assess.questionnaire.qtypes",
        # the Excel round trip (the web layer only wires it up)
        "dx_assess.survey.excel",
        "dx_assess.scoring",
        "dx_assess.survey.statistics",
        "dx_assess.results.model",
        "dx_assess.dashboards.kpis",
        "dx_assess.dashboards.geo",
        "dx_assess.dashboards.choropleth",
        "dx_assess.dashboards.charts",
        "dx_assess.dashboards.regional",
        "dx_assess.dashboards.status",
        "dx_assess.dashboards.adviser",
        "dx_assess.dashboards.exports",
        # the PDF reports: everything but the views, jobs and CLI (workers get plain data)
        "dx_assess.reports.data",
        "dx_assess.reports.regional_data",
        "dx_assess.reports.batch",
        "dx_assess.reports.render",
    ],
)
def test_pure_package_imports_without_flask_or_sqlalchemy(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug', 'wtforms'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
