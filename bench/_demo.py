"""What the benchmarks share: the demo data in a migrated database."""

from __future__ import annotations

import sys
from typing import Any


def demo_round(app: Any, fiscal_year: int) -> Any | None:
    """Load the demo data (`dx-assess demo setup`) into ``app``'s migrated database and return
    its round of ``fiscal_year``; None (said on stderr) when either fails. Needs an app
    context."""
    from dx_assess.extensions import db
    from dx_assess.models import SurveyRound

    setup = app.test_cli_runner().invoke(args=["demo", "setup"])
    if setup.exit_code != 0:
        print(setup.output, file=sys.stderr)
        return None
    survey_round = db.session.scalar(
        db.select(SurveyRound).where(SurveyRound.fiscal_year == fiscal_year)
    )
    if survey_round is None:
        print(f"no demo round for FY{fiscal_year}", file=sys.stderr)
    return survey_round
