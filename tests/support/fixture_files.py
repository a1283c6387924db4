"""Paths of files that only tests use (importable from any test folder; pure)."""

from __future__ import annotations

from pathlib import Path

#: Questionnaires that only tests use, e.g. for a question type no survey asks yet.
FIXTURE_QUESTIONNAIRES = Path(__file__).resolve().parents[1] / "fixtures" / "questionnaires"
POSTAL_TEST = FIXTURE_QUESTIONNAIRES / "postal-test" / "fy2025.yaml"
