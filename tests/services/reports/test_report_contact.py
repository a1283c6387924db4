"""The covers' 問い合わせ先 is the configured prefecture contact (DX_DEPARTMENT,
DX_CONTACT_PHONE, DX_CONTACT_EMAIL); a changed contact is a changed report (another digest)."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from dx_assess.core.reports.assets import REPO_TEMPLATES
from dx_assess.core.reports.batch import municipality_spec, regional_spec
from dx_assess.core.vocabulary import DEFAULT_DEPARTMENT as CONTACT
from dx_assess.services.reports.service import settings
from tests.support.rounds import fixed_round

DAY = date(2025, 7, 1)


def test_the_covers_name_the_configured_contact(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings(app).contact == CONTACT  # nothing configured: the department alone
    monkeypatch.setitem(app.config, "DX_CONTACT_PHONE", "011-204-5000")
    monkeypatch.setitem(app.config, "DX_CONTACT_EMAIL", "dx@pref.example.jp")
    contact = settings(app).contact
    assert contact == f"{CONTACT}　電話: 011-204-5000　メール: dx@pref.example.jp"

    results = fixed_round()
    plain = municipality_spec(results, "900001", DAY, REPO_TEMPLATES, department=CONTACT)
    named = municipality_spec(
        results, "900001", DAY, REPO_TEMPLATES, department=CONTACT, contact=contact
    )
    assert plain is not None
    assert named is not None
    assert named.context["contact"] == contact
    assert named.digest != plain.digest
    regional = regional_spec(results, DAY, REPO_TEMPLATES, department=CONTACT, contact=contact)
    assert regional.context["contact"] == contact
