"""The demo: registry, a demo selection of 53 municipalities, one account per role."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from dx_assess.cli.main import DEMO_ACCOUNTS, DEMO_TOWN
from dx_assess.extensions import db
from dx_assess.models import Municipality, SupportedListChange
from tests.support import Browser


@pytest.fixture
def demo(app: Flask, db_session: object) -> str:
    result = app.test_cli_runner().invoke(args=["demo", "setup"])
    assert result.exit_code == 0, result.output
    return result.output


def check_registry_and_selection(demo: str) -> None:
    assert db.session.scalar(select(func.count(Municipality.id))) == 179
    supported = db.session.scalars(select(Municipality).where(Municipality.supported)).all()
    assert len(supported) == 53
    # spread over all 14 振興局
    assert len({m.subprefecture_id for m in supported}) == 14
    change = db.session.scalar(select(SupportedListChange))
    assert change is not None
    assert change.is_demo


def check_accounts_printed(demo: str) -> None:
    for login, _name, role, password in DEMO_ACCOUNTS:
        assert re.search(rf"{login}\s+{re.escape(password)}\s+{role.value}", demo)


def test_demo_setup_can_run_twice(app: Flask, demo: str) -> None:
    again = app.test_cli_runner().invoke(args=["demo", "setup"])
    assert again.exit_code == 0, again.output
    assert "変更はありません" in again.output
    assert (
        db.session.scalar(select(func.count(Municipality.id)).where(Municipality.supported)) == 53
    )


EXPECTED_HOME = {
    "admin": ["システム管理", "アカウントを管理する", "振興局別の市町村数"],
    "prefecture": ["道庁 DX推進課のページ", "支援対象市町村を設定する", ">53<"],
    "adviser": ["担当市町村", "あなたが担当する", "占冠村"],
    "municipal": ["占冠村のページ", "いまの調査", "しむかっぷむら"],
}


def test_each_demo_role_sees_a_japanese_home_page_for_its_role(demo: str, app: Flask) -> None:
    for login, _name, _role, password in DEMO_ACCOUNTS:
        check_home(Browser(app), login, password)


def check_home(browser: Browser, login: str, password: str) -> None:
    assert browser.login(login, password).status_code == 302
    html = browser.get("/").get_data(as_text=True)
    assert '<html lang="ja">' in html
    for text in EXPECTED_HOME[login]:
        assert text in html, (login, text)
    # the programme list is marked as a demo selection
    assert "デモ用の選定" in html


def check_demo_town(demo: str) -> None:
    town = db.session.scalar(select(Municipality).where(Municipality.code == DEMO_TOWN))
    assert town is not None
    assert town.supported


def test_demo_setup_is_refused_in_production(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dx_assess import create_app

    app = create_app(
        {"DX_ENV": "production", "SECRET_KEY": "p" * 40, "DATABASE_URL": "sqlite:///:memory:"}
    )
    result = app.test_cli_runner().invoke(args=["demo", "setup"])
    assert result.exit_code == 1
    assert "本番環境" in result.output


def check_rounds(demo: str) -> None:
    from dx_assess.models import Response, ResponseStatus, SurveyRound
    from dx_assess.services.rounds import round_state

    rounds = {r.fiscal_year: r for r in db.session.scalars(select(SurveyRound))}
    assert set(rounds) == {2024, 2025}
    assert all(r.is_demo for r in rounds.values())
    assert round_state(rounds[2024]).code == "closed"
    assert round_state(rounds[2025]).code == "open"
    statuses = {
        fy: [
            r.status for r in db.session.scalars(select(Response).where(Response.round_id == r.id))
        ]
        for fy, r in rounds.items()
    }
    assert len(statuses[2024]) == 53
    assert statuses[2024].count(ResponseStatus.SUBMITTED) >= 45
    assert 0 < statuses[2025].count(ResponseStatus.SUBMITTED) < 53
    town = db.session.scalar(select(Municipality).where(Municipality.code == DEMO_TOWN))
    assert town is not None
    mine = {
        r.round.fiscal_year: r.status
        for r in db.session.scalars(select(Response).where(Response.municipality_id == town.id))
    }
    # the demo account's town has last year's answers to carry over, and this year's to do
    assert mine == {2024: ResponseStatus.SUBMITTED}
    assert "デモ用の調査回 2024年度: 提出" in demo


def test_synthetic_answers_are_complete_and_consistent_for_every_town() -> None:
    import csv
    from importlib import resources

    from dx_assess.core.questionnaire import check_answers, load_questionnaire
    from dx_assess.services.demo.synthetic import DemoTown, synthetic_answers
    from dx_assess.services.versions import DEFAULT_ROOT

    folder = resources.files("dx_assess") / "data" / "registry"
    population = {
        r["lg_code"]: int(r["population"])
        for r in csv.DictReader(
            (folder / "hokkaido_mynumbercard_20221231.csv").read_text("utf-8").splitlines()
        )
    }
    towns = [DemoTown(code, code, pop) for code, pop in population.items()]
    for name, year in (("fy2024", 2024), ("fy2025", 2025)):
        questionnaire = load_questionnaire(DEFAULT_ROOT / "dx-maturity" / f"{name}.yaml")
        for town in towns:
            answers = synthetic_answers(questionnaire, town, year)
            assert answers == synthetic_answers(questionnaire, town, year)  # deterministic
            _values, issues = check_answers(questionnaire, answers, require_complete=True)
            assert issues == [], (town.code, year, issues)


def test_demo_setup_builds_the_whole_demo(demo: str) -> None:
    """One demo, several checks: it takes a few seconds to build."""
    check_registry_and_selection(demo)
    check_accounts_printed(demo)
    check_demo_town(demo)
    check_rounds(demo)
