"""``carry: reference`` (issue 10, item 5): a question whose figure changes every year is not
filled in from last round; last round's answer is shown beside the field instead."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from dx_assess.core.questionnaire import read_questionnaire
from dx_assess.core.vocabulary import today
from dx_assess.extensions import db
from dx_assess.models import Municipality, Response, SurveyRound, User
from dx_assess.services.rounds import open_round
from dx_assess.services.versions import DEFAULT_ROOT
from tests.support import Browser
from tests.support.answers import respond
from tests.web.answering.survey_fixtures import TOWN

POPULATION = """      - id: basic_population
        type: integer
"""


def with_reference(text: str) -> str:
    assert POPULATION in text
    return text.replace(POPULATION, POPULATION + "        carry: reference\n", 1)


def test_carry_is_read_and_checked() -> None:
    source = (DEFAULT_ROOT / "dx-maturity" / "fy2025.yaml").read_text(encoding="utf-8")
    plain, problems = read_questionnaire(source.encode(), "fy2025.yaml")
    assert plain is not None
    assert problems == []
    assert plain.question("basic_population").carry == "value"  # the default
    marked, problems = read_questionnaire(with_reference(source).encode(), "fy2025.yaml")
    assert marked is not None
    assert problems == []
    assert marked.question("basic_population").carries_as_reference
    wrong = source.replace(POPULATION, POPULATION + "        carry: sometimes\n", 1)
    broken, problems = read_questionnaire(wrong.encode(), "fy2025.yaml")
    assert broken is None
    assert [p.message for p in problems] == [
        "carry は value（値を引き継ぐ）か reference（前回の回答を参考に表示）です（sometimes）"
    ]


@pytest.fixture
def reference_round(registry: None, make_user: Callable[..., User], tmp_path: Path) -> SurveyRound:
    """FY2024 answered by the town; FY2025 from a copy whose population is reference-only."""
    root = tmp_path / "questionnaires"
    (root / "dx-maturity").mkdir(parents=True)
    for source in (DEFAULT_ROOT / "dx-maturity").glob("*.yaml"):
        text = source.read_text(encoding="utf-8")
        if source.name == "fy2025.yaml":
            text = with_reference(text)
        (root / "dx-maturity" / source.name).write_text(text, encoding="utf-8")
    town = db.session.scalar(select(Municipality).where(Municipality.code == TOWN))
    assert town is not None
    town.supported = True
    make_user("municipal", TOWN, login="yamada")
    rounds = {}
    for year, version in ((2024, "2024.1"), (2025, "2025.1")):
        rounds[year] = open_round(
            db.session,
            root,
            fiscal_year=year,
            key="dx-maturity",
            version=version,
            opens_on=today(),
            closes_on=today(),
            actor=None,
        )
    db.session.commit()
    respond(rounds[2024], TOWN, {"basic_population": "1200", "basic_department": "総務課"})
    return rounds[2025]


def test_a_reference_question_is_shown_beside_the_field_not_filled_in(
    app: object, reference_round: SurveyRound
) -> None:
    browser = Browser(app)  # type: ignore[arg-type]
    browser.login("yamada")
    base = f"/rounds/{reference_round.id}/responses/{TOWN}"
    assert browser.post(base + "/prefill", form_page=base).status_code == 302
    db.session.expire_all()
    response = db.session.scalar(select(Response).where(Response.round_id == reference_round.id))
    assert response is not None
    assert {a.question_id: a.value for a in response.answers} == {"basic_department": "総務課"}
    html = browser.get(base + "/sections/basic").get_data(as_text=True)
    assert 'id="q_basic_population-reference"' in html
    assert "前回の回答（参考）: 令和6年度" in html
    assert "1,200人" in html
    assert 'aria-describedby="q_basic_population-hint q_basic_population-reference"' in html
    assert 'name="q_basic_population" type="text" value=""' in html
