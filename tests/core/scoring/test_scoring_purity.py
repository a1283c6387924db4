"""The scoring engine imports neither Flask nor SQLAlchemy (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import REPO
from tests.support.purity import forbidden_loaded

ROOT = REPO


def test_engine_imports_without_flask_and_sqlalchemy() -> None:
    code = (
        "import dx_assess.core.scoring\n"
        "from dx_assess.core.scoring import score_response, compare_peers, trend_table\n"
        "assert 'pandas' in sys.modules"
    )
    assert forbidden_loaded(code) == []


def test_engine_works_when_flask_and_sqlalchemy_cannot_be_imported() -> None:
    code = (
        "import sys\n"
        "for name in ('flask', 'sqlalchemy', 'flask_sqlalchemy'):\n"
        "    sys.modules[name] = None  # any import of them now raises ImportError\n"
        "from dx_assess.core.questionnaire import load_questionnaire\n"
        "from dx_assess.core.scoring import score_response\n"
        "q = load_questionnaire('questionnaires/dx-maturity/fy2025.yaml')\n"
        "print(score_response(q, {'od_published': True}).pillar('opendata').score)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "100.0"
