"""The adviser's home (issue 15): each town's 「相談したいこと」 (the question bound to
``consultation``), and the change since last round without a ※ on every row.

Two rounds: 令和7年度 (2025.1, closed) and 令和8年度 (2026.1, open); 占冠村 submitted both,
東川町 only a draft this year with its consultation written. Between 2025.1 and 2026.1 the
pillars changed enough that every change is a reference value (参考値).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from dx_assess.extensions import db
from dx_assess.models import Municipality
from dx_assess.services.demo.seed import fill_town
from dx_assess.services.results import round_results
from dx_assess.services.rounds import close_round
from tests.support import Browser
from tests.support.answers import open_test_round, respond, support

SHIMUKAPPU, HIGASHIKAWA = "014630", "014583"
WRITTEN = "RPAの導入について相談したいです。\n予算の取り方も教えてください。"


def town(code: str) -> Municipality:
    found = db.session.scalar(select(Municipality).where(Municipality.code == code))
    assert found is not None
    return found


def test_consultation_text_and_one_note_for_reference_changes(
    browser: Browser,
    registry: None,
    make_user: Callable[..., object],
    assign: Callable[[object, list[str]], None],
) -> None:
    support([SHIMUKAPPU, HIGASHIKAWA])
    db.session.commit()
    adviser = make_user("adviser", login="adv")
    assign(adviser, [SHIMUKAPPU, HIGASHIKAWA])
    last_year = open_test_round(2025, "2025.1")
    for code in (SHIMUKAPPU, HIGASHIKAWA):
        assert fill_town(db.session, last_year, town(code), None) == "submitted"
    close_round(db.session, last_year)
    db.session.commit()
    this_year = open_test_round(2026, "2026.1")
    assert fill_town(db.session, this_year, town(SHIMUKAPPU), None) == "submitted"
    respond(this_year, HIGASHIKAWA, {"basic_department": "総務課", "gov_consult": WRITTEN})
    db.session.commit()

    results = round_results(db.session, this_year)
    shimukappu = results.municipality(SHIMUKAPPU)
    assert shimukappu is not None
    assert shimukappu.overall_trend is not None
    assert shimukappu.overall_trend.comparable is False  # the premise: a reference value
    synthetic = results.answers[SHIMUKAPPU].get("gov_consult")

    browser.login("adv")
    html = browser.get("/").get_data(as_text=True)
    table = html[html.index('<table class="data adviser-table">') : html.index("</table>")]
    assert '<th scope="col">相談したいこと</th>' in table
    assert "RPAの導入について相談したいです。\n予算の取り方も教えてください。" in table
    if synthetic:
        assert str(synthetic).strip() in table
    else:
        assert "記入なし" in table
    # no ※ on the rows: one sentence under the table says every change is a reference value
    assert "※" not in table
    assert "「前回から」の総合点の変化はすべて参考値です。" in html
    assert "※ 前回から" not in html


def test_the_consultation_question_is_bound_in_both_versions(
    registry: None,
) -> None:
    from dx_assess.core.questionnaire.bindings import CONSULTATION
    from dx_assess.services.versions import published_bindings

    round_2025 = open_test_round(2025, "2025.1")
    round_2026 = open_test_round(2026, "2026.1", days=0, population="all")
    new = published_bindings(db.session, round_2026.questionnaire_version)
    old = published_bindings(db.session, round_2025.questionnaire_version)
    assert new.question(CONSULTATION) == "gov_consult"
    assert old.question(CONSULTATION) == "gov_consult"  # traced back through 2026.1's map
    assert old.traced[CONSULTATION] == "2026.1"
