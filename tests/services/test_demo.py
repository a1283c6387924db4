"""The demo: registry, a demo selection of 53 municipalities, one account per role."""

from __future__ import annotations

import datetime as dt
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
    assert set(rounds) == {2024, 2025, 2026}
    assert all(r.is_demo for r in rounds.values())  # still labelled as demo data
    assert round_state(rounds[2024]).code == "closed"
    assert round_state(rounds[2025]).code == "closed"
    assert round_state(rounds[2026]).code == "open"
    assert rounds[2026].questionnaire_version.version == "2026.1"
    assert rounds[2026].population == "all"
    assert [rounds[fy].population for fy in (2024, 2025)] == ["programme", "programme"]
    # a closed round's dates lie in its own fiscal year
    assert (rounds[2025].opens_on, rounds[2025].closes_on) == (
        dt.date(2025, 6, 2),
        dt.date(2025, 9, 30),
    )
    statuses = {
        fy: [
            r.status for r in db.session.scalars(select(Response).where(Response.round_id == r.id))
        ]
        for fy, r in rounds.items()
    }
    for fy in (2024, 2025):
        assert len(statuses[fy]) == 53
        assert statuses[fy].count(ResponseStatus.SUBMITTED) >= 45
    assert 53 < len(statuses[2026]) < 179  # every municipality answers; some not started
    assert 0 < statuses[2026].count(ResponseStatus.SUBMITTED) < len(statuses[2026])
    town = db.session.scalar(select(Municipality).where(Municipality.code == DEMO_TOWN))
    assert town is not None
    mine = {
        r.round.fiscal_year: r.status
        for r in db.session.scalars(select(Response).where(Response.municipality_id == town.id))
    }
    # the demo account's town has last year's answers to carry over, and this year's to do
    assert mine == {2024: ResponseStatus.SUBMITTED, 2025: ResponseStatus.SUBMITTED}
    assert "デモ用の調査回 2024年度: 提出" in demo
    assert "デモ用の調査回 2026年度: 提出" in demo


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
    for name, year in (("fy2024", 2024), ("fy2025", 2025), ("fy2026", 2026)):
        questionnaire = load_questionnaire(DEFAULT_ROOT / "dx-maturity" / f"{name}.yaml")
        for town in towns:
            answers = synthetic_answers(questionnaire, town, year)
            assert answers == synthetic_answers(questionnaire, town, year)  # deterministic
            _values, issues = check_answers(questionnaire, answers, require_complete=True)
            assert issues == [], (town.code, year, issues)


def check_town_accounts(app: Flask) -> None:
    """Every municipality that answers (令和8年度: all 179) has a staff account; the documented
    demo logins keep working."""
    from dx_assess.core.vocabulary import Role
    from dx_assess.models import User
    from dx_assess.services.demo.seed import TOWN_PASSWORD

    towns_with_account = set(
        db.session.scalars(select(User.municipality_id).where(User.role == Role.MUNICIPAL))
    )
    assert len(towns_with_account) == 179
    hakodate = Browser(app)
    assert hakodate.login("m012025", TOWN_PASSWORD).status_code == 302
    assert "函館市のページ" in hakodate.get("/").get_data(as_text=True)
    check_home(Browser(app), "municipal", "demo-municipal-2026")


def test_demo_setup_builds_the_whole_demo(demo: str, app: Flask) -> None:
    """One demo, several checks: it takes a few seconds to build."""
    check_registry_and_selection(demo)
    check_accounts_printed(demo)
    check_demo_town(demo)
    check_rounds(demo)
    check_town_accounts(app)


def test_the_seeds_facts_open_data_in_174_of_179_and_online_everywhere() -> None:
    from dx_assess.core.registry.files import read_registry
    from dx_assess.models import Municipality as M
    from dx_assess.services.demo.seed import facts

    _, rows = read_registry()
    towns = [M(code=r.code, name=r.name, population=r.population) for r in rows]
    fixed = facts(towns, 2026)
    assert len(fixed) == 179
    assert sum(f["od_published"] == "yes" for f in fixed.values()) == 174
    assert all(f["onl_pittari"] == "yes" for f in fixed.values())
    assert facts(towns, 2025) == {}
