"""The answering pages, driven like a browser without JavaScript."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import select

from dx_assess.core.questionnaire import Questionnaire
from dx_assess.extensions import db
from dx_assess.models import AnswerChange, Channel, Response, ResponseStatus, SurveyRound, User
from dx_assess.web.answering.forms import FIELD_PREFIX
from tests.support import Browser
from tests.support.answering import form_data, stored, two_colleagues, url
from tests.support.answers import complete_answers
from tests.support.paths import REPO
from tests.support.uploads import hidden_fields
from tests.web.answering.survey_fixtures import TOWN

DATA = REPO / "dx_assess" / "data" / "statistics"


def test_save_a_section_and_see_it_after_reload(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    response = browser.post(
        page,
        {
            "base_version": "0",
            **form_data({"basic_department": "総務課 情報係", "basic_population": "1,234"}),
        },
    )
    assert response.status_code == 302
    html = browser.get(page).get_data(as_text=True)
    assert 'value="総務課 情報係"' in html
    assert 'value="1234"' in html
    assert stored(questionnaire) == {"basic_department": "総務課 情報係", "basic_population": 1234}


def test_every_section_renders_editable_and_read_only(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    browser.login("yamada")
    for section in questionnaire.sections:
        html = browser.get(url(survey_round, f"/sections/{section.id}")).get_data(as_text=True)
        for q in section.questions:
            if q.type != "derived":
                assert f'name="{FIELD_PREFIX}{q.id}' in html, q.id
            # every visible input has its label (question text)
            assert q.text.split("（")[0][:15] in html, q.id
    browser.post("/logout", form_page="/")
    browser.login("pref")
    for section in questionnaire.sections:
        html = browser.get(url(survey_round, f"/sections/{section.id}")).get_data(as_text=True)
        assert f'name="{FIELD_PREFIX}' not in html


def test_bad_input_is_shown_beside_the_field_and_nothing_is_saved(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    response = browser.post(
        page,
        {
            "base_version": "0",
            **form_data({"basic_department": "総務課", "basic_population": "たくさん"}),
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="q_basic_population-error"' in html
    assert "数値を入力してください（入力: たくさん）。" in html
    assert 'value="たくさん"' in html  # what was typed is still there
    assert "入力内容を確認してください（保存されていません）" in html
    assert stored(questionnaire) == {}


def test_two_colleagues_conflict_and_choose_per_question(
    app: object,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    yamada, sato = two_colleagues(app)
    page = url(survey_round, "/sections/basic")
    yamada_form = yamada.get(page).get_data(as_text=True)
    sato_form = sato.get(page).get_data(as_text=True)
    assert 'name="base_version" type="hidden" value="0"' in yamada_form
    assert 'name="base_version" type="hidden" value="0"' in sato_form

    assert (
        yamada.post(
            page, {"base_version": "0", **form_data({"basic_population": "1100"})}
        ).status_code
        == 302
    )
    response = sato.post(
        page, {"base_version": "0", **form_data({"basic_population": "1200", "basic_staff": "40"})}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "同時に編集された回答があります" in html
    assert "1,100人" in html  # theirs
    assert "1,200人" in html  # mine
    assert people["yamada"].display_name in html
    assert 'value="40"' in html  # sato's other input is kept in the page
    assert stored(questionnaire) == {"basic_population": 1100}

    # choosing nothing saves nothing
    assert 'name="base_version" value="0"' in html  # the version sato's page first showed
    assert 'name="conflict_version" value="1"' in html  # the version the conflict page shows
    conflict_form = {
        "base_version": "0",
        "conflict_version": "1",
        "conflicts": "basic_population",
        **form_data({"basic_population": "1200", "basic_staff": "40"}),
    }
    response = sato.post(page, conflict_form)
    assert response.status_code == 409
    assert "どちらの回答を残すか選んでください。" in response.get_data(as_text=True)
    assert stored(questionnaire) == {"basic_population": 1100}

    response = sato.post(page, {**conflict_form, "resolve-basic_population": "mine"})
    assert response.status_code == 302
    assert stored(questionnaire) == {"basic_population": 1200, "basic_staff": 40}
    history = sato.get(url(survey_round, "/history?question=basic_population"))
    text = history.get_data(as_text=True)
    assert "1,100人" in text
    assert "1,200人" in text


def test_conflict_resolved_in_favour_of_the_other_answer(
    app: object,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    yamada, sato = two_colleagues(app)
    page = url(survey_round, "/sections/basic")
    yamada.post(page, {"base_version": "0", **form_data({"basic_population": "1100"})})
    response = sato.post(
        page,
        {
            "base_version": "0",
            "conflict_version": "1",
            "conflicts": "basic_population",
            "resolve-basic_population": "theirs",
            **form_data({"basic_population": "1200", "basic_staff": "40"}),
        },
    )
    assert response.status_code == 302
    assert stored(questionnaire) == {"basic_population": 1100, "basic_staff": 40}


def test_autosave_answers_json(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    response = browser.post(
        page,
        {"base_version": "0", **form_data({"basic_staff": "x"})},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"q_basic_staff": "数値を入力してください（入力: x）。"}
    response = browser.post(
        page,
        {"base_version": "0", **form_data({"basic_staff": "12"})},
        headers={"X-Requested-With": "fetch"},
    )
    reply = response.get_json()
    assert reply["answers"]["basic_staff"] == {"shown": "12", "fields": {"q_basic_staff": ["12"]}}
    del reply["answers"]
    assert reply == {
        "status": "saved",
        "version": 1,
        "errors": {},
        "conflicts": [],
        "warnings": [],
    }


def test_submit_from_the_overview(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    browser.login("yamada")
    overview = url(survey_round)
    response = browser.post(url(survey_round, "/submit"), form_page=overview)
    assert response.status_code == 422
    assert "まだ提出できません" in response.get_data(as_text=True)
    answers = complete_answers(questionnaire)
    for section in questionnaire.sections:
        own = {q.id: answers[q.id] for q in section.questions if q.id in answers}
        page = url(survey_round, f"/sections/{section.id}")
        token_page = browser.get(page).get_data(as_text=True)
        version = token_page.split('name="base_version" type="hidden" value="')[1].split('"')[0]
        assert browser.post(page, {"base_version": version, **form_data(own)}).status_code == 302
    response = browser.post(url(survey_round, "/submit"), form_page=overview)
    assert response.status_code == 302
    html = browser.get(overview).get_data(as_text=True)
    assert "提出済み" in html
    db.session.expire_all()
    assert db.session.scalar(select(Response.status)) is ResponseStatus.SUBMITTED
    # read only now
    html = browser.get(url(survey_round, "/sections/basic")).get_data(as_text=True)
    assert 'name="q_basic_population"' not in html
    # submitting or carrying over again is refused with the reason, and changes nothing
    version = db.session.scalar(select(Response.version))
    for action in ("/submit", "/prefill"):
        response = browser.post(url(survey_round, action), form_page=overview)
        assert response.status_code == 302
        html = browser.get(overview).get_data(as_text=True)
        assert '<p class="flash flash-error" role="alert">提出済みのため編集できません' in html
        db.session.expire_all()
        assert db.session.scalar(select(Response.version)) == version


def test_excel_round_trip_through_the_pages(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    browser.login("yamada")
    page = url(survey_round, "/sections/basic")
    browser.post(page, {"base_version": "0", **form_data({"basic_population": "1000"})})
    download = browser.get(url(survey_round, "/export.xlsx"))
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert f'filename="dx_2025_{TOWN}.xlsx"' in disposition  # ASCII fallback
    assert f"filename*=UTF-8''dx_2025_{TOWN}_" in disposition  # with the town's name
    book = openpyxl.load_workbook(io.BytesIO(download.data))
    sheet = book["回答"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "basic_population":
            assert row[4].value in (1000, "1000")
            row[4].value = 1500
        if row[0].value == "basic_staff":
            row[4].value = 25
    out = io.BytesIO()
    book.save(out)

    import_page = url(survey_round, "/import")
    preview = browser.post(
        import_page,
        {"file": (io.BytesIO(out.getvalue()), "filled.xlsx")},
        content_type="multipart/form-data",
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "1,000人" in html
    assert "1,500人" in html
    assert stored(questionnaire) == {"basic_population": 1000}  # preview changes nothing

    response = browser.post(
        url(survey_round, "/import/apply"),
        {**hidden_fields(html, url(survey_round, "/import/apply")), "confirm": "y"},
        form_page=import_page,
    )
    assert response.status_code == 302
    assert stored(questionnaire) == {"basic_population": 1500, "basic_staff": 25}
    rows = db.session.scalars(select(AnswerChange).where(AnswerChange.channel == Channel.EXCEL))
    assert {r.question_id for r in rows} == {"basic_population", "basic_staff"}


def test_a_broken_excel_upload_changes_nothing(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    browser.login("yamada")
    response = browser.post(
        url(survey_round, "/import"),
        {"file": (io.BytesIO(b"not,an,excel\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "何も反映していません" in response.get_data(as_text=True)
    assert stored(questionnaire) == {}


def test_statistics_import_preview_and_apply(
    browser: Browser,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    people: dict[str, User],
) -> None:
    from dx_assess.models import Municipality

    for code in (TOWN, "016942"):
        town = db.session.scalar(select(Municipality).where(Municipality.code == code))
        assert town is not None
        town.supported = True
    db.session.commit()
    browser.login("pref")
    data = (DATA / "mynumbercard_all_localgovs_20221231.csv").read_bytes()
    page = f"/rounds/{survey_round.id}/statistics"
    preview = browser.post(
        page, {"file": (io.BytesIO(data), "all_localgovs.csv")}, content_type="multipart/form-data"
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html[:2000]
    assert "占冠村" in html
    assert "羅臼町" in html
    assert "函館市" not in html  # not in this round
    apply_page = f"/rounds/{survey_round.id}/statistics/apply"
    response = browser.post(
        apply_page, {**hidden_fields(html, apply_page), "confirm": "y"}, form_page=page
    )
    assert response.status_code == 302
    rows = db.session.scalars(
        select(AnswerChange).where(AnswerChange.channel == Channel.STATISTICS)
    )
    changes = {(r.question_id, r.new_value) for r in rows}
    # 占冠村: population 1,229 (2022-01-01), cards issued 2022-12-31 from the 総務省 file
    assert ("basic_population", 1229) in changes
    assert len(changes) == 4
    assert all("2022-01-01" in (r.reason or "") for r in db.session.scalars(select(AnswerChange)))
