"""The questionnaire model and the scoring engine import neither Flask nor SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "dx_assess.core.vocabulary",
        "dx_assess.core.questionnaire",
        "dx_assess.core.questionnaire.qtypes",
        # the Excel round trip (the web layer only wires it up)
        "dx_assess.core.excel.workbook",
        "dx_assess.core.scoring",
        "dx_assess.core.statistics.model",
        "dx_assess.core.statistics.layout",
        "dx_assess.core.statistics.matching",
        "dx_assess.core.statistics.reading",
        "dx_assess.core.statistics.proposals",
        "dx_assess.core.results",
        "dx_assess.core.dashboards.kpis",
        "dx_assess.core.dashboards.geo",
        "dx_assess.core.dashboards.choropleth",
        "dx_assess.core.dashboards.charts",
        "dx_assess.core.dashboards.regional",
        "dx_assess.core.dashboards.status",
        "dx_assess.core.dashboards.adviser",
        "dx_assess.core.dashboards.export_columns",
        "dx_assess.core.dashboards.export_frames",
        "dx_assess.core.dashboards.export_wide",
        "dx_assess.core.dashboards.exports",
        # the PDF reports: everything but the views, jobs and CLI (workers get plain data)
        "dx_assess.core.reports.data",
        "dx_assess.core.reports.regional_data",
        "dx_assess.core.reports.batch",
        "dx_assess.core.reports.render",
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
