"""Answering the questionnaire in a real browser (acceptance of issue 4).

Chromium (Debian's, through Playwright) talks to the app served by Werkzeug in a thread, on
the test database. Covers: drafts saved by autosave and by 「保存する」, completing and
submitting, two colleagues editing the same answer, keyboard-only answering with visible focus
and labelled inputs, show-when questions with and without JavaScript.
Screenshots of the form go to docs/screenshots/form-*.png when DX_SCREENSHOTS=1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need Playwright for Python")

from playwright.sync_api import BrowserContext, Locator, Page, Route, expect
from sqlalchemy import select

from dx_assess.core.questionnaire import Question, Questionnaire
from dx_assess.core.questionnaire.model import AnswerValue
from dx_assess.extensions import db
from dx_assess.models import Municipality, Response, ResponseStatus, SurveyRound, User
from dx_assess.services.responses import current_answers
from dx_assess.services.rounds import round_questionnaire
from tests.support.answers import open_test_round, sample_value
from tests.support.pages import log_in

pytestmark = pytest.mark.browser
SUBMIT_TIMEOUT_MS = 60_000

NewContext = Callable[..., BrowserContext]
AUTOSAVED = "自動保存しました"
TOWN = "014630"  # 占冠村


@dataclass(frozen=True)
class Answering:
    """An open FY2025 round, 占冠村 in the support programme, two colleagues there."""

    round_id: int
    code: str
    colleagues: tuple[str, str]  # logins
    display_names: dict[str, str]

    def overview_path(self) -> str:
        return f"/rounds/{self.round_id}/responses/{self.code}"

    def section_path(self, section_id: str) -> str:
        return f"{self.overview_path()}/sections/{section_id}"

    def history_path(self, question_id: str | None = None) -> str:
        query = f"?question={question_id}" if question_id else ""
        return f"{self.overview_path()}/history{query}"


@pytest.fixture
def answering(registry: None, make_user: Callable[..., User]) -> Answering:
    town = db.session.scalar(select(Municipality).where(Municipality.code == TOWN))
    assert town is not None
    town.supported = True
    names = {"yamada": "山田 花子", "sato": "佐藤 一郎"}
    for login, display_name in names.items():
        make_user("municipal", TOWN, login=login).display_name = display_name
    pref = make_user("prefecture", login="pref")
    db.session.commit()
    round_id = open_test_round(2025, "2025.1", pref).id
    db.session.commit()  # nothing may stay uncommitted: the server reads through its own sessions
    return Answering(round_id, TOWN, ("yamada", "sato"), names)


# --- helpers ---------------------------------------------------------------------------------


def questionnaire_of(answering: Answering) -> Questionnaire:
    survey_round = db.session.get(SurveyRound, answering.round_id)
    assert survey_round is not None
    return round_questionnaire(survey_round)


def stored_response(answering: Answering) -> Response | None:
    """The response as the server committed it (the test's session is expired first)."""
    db.session.expire_all()
    return db.session.scalar(
        select(Response)
        .join(Municipality, Response.municipality_id == Municipality.id)
        .where(Response.round_id == answering.round_id, Municipality.code == answering.code)
    )


def stored_answers(answering: Answering) -> dict[str, AnswerValue]:
    response = stored_response(answering)
    assert response is not None, "nothing was saved"
    return current_answers(response, questionnaire_of(answering))


def fill_question(page: Page, question: Question, value: Any) -> None:
    """Answer one question with the mouse-free Playwright helpers (check/fill/select)."""
    name = f"q_{question.id}"
    if question.type in ("yes_no", "single_choice"):
        radio = page.locator(f"input[type=radio][name='{name}'][value='{value}']")
        if radio.count():
            radio.check()
        else:
            page.locator(f"select[name='{name}']").select_option(str(value))
    elif question.type == "multiple_choice":
        for choice in value:
            page.locator(f"input[type=checkbox][name='{name}'][value='{choice}']").check()
    elif question.type == "status_grid":
        for row_id, status in value.items():
            page.locator(f"select[name='{name}-{row_id}']").select_option(status)
    else:
        page.locator(f"[name='{name}']").fill(str(value))


def flash(page: Page) -> Locator:
    return page.locator(".flashes")


def focused(page: Page) -> dict[str, str]:
    """Tag, name, value, type and text of the focused element."""
    found: dict[str, str] = page.evaluate(
        """() => { const e = document.activeElement;
        return {tag: e.tagName.toLowerCase(), name: e.getAttribute('name') || '',
                value: e.value === undefined ? '' : String(e.value), type: e.type || '',
                text: (e.textContent || '').trim()}; }"""
    )
    return found


def focus_outline(page: Page) -> dict[str, str]:
    """The computed outline of the focused element."""
    style: dict[str, str] = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
        return {style: s.outlineStyle, width: s.outlineWidth, color: s.outlineColor}; }"""
    )
    return style


def press_until(page: Page, key: str, wanted: Callable[[dict[str, str]], bool]) -> int:
    """Press ``key`` until the focused element is the wanted one; the number of presses."""
    for presses in range(1, 80):
        page.keyboard.press(key)
        if wanted(focused(page)):
            return presses
    raise AssertionError(f"{key} never reached the wanted element (now at {focused(page)})")


def named(name: str, value: str | None = None) -> Callable[[dict[str, str]], bool]:
    return lambda f: f["name"] == name and (value is None or f["value"] == value)


def screenshot(page: Page, folder: Path, name: str, full_page: bool = True) -> None:
    page.screenshot(path=folder / name, full_page=full_page, animations="disabled")


@pytest.fixture
def yamada(answering: Answering, new_context: NewContext) -> Page:
    return log_in(new_context(), answering.colleagues[0])


# --- 1. drafts: autosave and 「保存する」 ---------------------------------------------------------


def test_part_of_a_section_is_saved_by_autosave_and_by_the_save_button(
    answering: Answering, yamada: Page
) -> None:
    page = yamada
    page.goto(answering.section_path("basic"))
    expect(page.get_by_role("heading", level=1)).to_have_text("基本情報")
    page.get_by_label("回答を取りまとめた課・係の名前").fill("総務課 情報政策係")
    page.get_by_label("住民基本台帳人口").fill("1,234")
    status = page.locator(".autosave-status")
    expect(status).to_have_text("未保存の変更があります")
    expect(status).to_contain_text(AUTOSAVED, timeout=10_000)
    assert stored_answers(answering) == {
        "basic_department": "総務課 情報政策係",
        "basic_population": 1234,
    }

    page.reload()
    expect(page.get_by_label("回答を取りまとめた課・係の名前")).to_have_value("総務課 情報政策係")
    expect(page.get_by_label("住民基本台帳人口")).to_have_value("1234")
    expect(page.locator(".progress-line")).to_contain_text("このページ: 2 / 5 問回答")

    # Now the button, straight away (submitting cancels the pending autosave).
    page.get_by_label("回答を取りまとめた課・係の名前").fill("企画課 DX推進係")
    page.get_by_label("職員数（正職員）").fill("45")
    page.get_by_role("button", name="保存する", exact=True).click()
    expect(flash(page)).to_contain_text("保存しました。")
    page.reload()
    expect(page.get_by_label("回答を取りまとめた課・係の名前")).to_have_value("企画課 DX推進係")
    expect(page.get_by_label("職員数（正職員）")).to_have_value("45")
    expect(page.get_by_label("住民基本台帳人口")).to_have_value("1234")
    assert stored_answers(answering) == {
        "basic_department": "企画課 DX推進係",
        "basic_population": 1234,
        "basic_staff": 45,
    }
    response = stored_response(answering)
    assert response is not None
    assert response.version == 2  # one autosave, one button save
    assert response.status is ResponseStatus.DRAFT


def test_the_save_button_waits_for_an_autosave_on_its_way(
    answering: Answering, yamada: Page
) -> None:
    page = yamada
    held: list[Route] = []  # autosave requests held back until the button was pressed
    page.route(
        f"**{answering.section_path('basic')}",
        lambda route: (
            held.append(route) if route.request.method == "POST" and not held else route.continue_()
        ),
    )
    page.goto(answering.section_path("basic"))
    page.get_by_label("住民基本台帳人口").fill("1500")
    for _ in range(200):  # the autosave goes out after 2.5 s without typing
        if held:
            break
        page.wait_for_timeout(50)  # lets Playwright deliver the held request to the handler
    assert len(held) == 1  # the autosave is on its way
    expect(page.locator(".autosave-status")).to_contain_text("保存しています")
    page.get_by_label("住民基本台帳人口").fill("1600")
    page.get_by_role("button", name="保存する", exact=True).click()
    held[0].continue_()  # the autosave arrives only now
    expect(flash(page)).to_contain_text("保存しました。")  # no conflict with its own autosave
    assert stored_answers(answering) == {"basic_population": 1600}
    response = stored_response(answering)
    assert response is not None
    assert response.version == 2  # the autosave, then the button's save based on it


# --- 2. complete every section and submit ----------------------------------------------------


def test_every_section_completed_then_submitted_and_no_longer_editable(
    answering: Answering, yamada: Page, screenshots: Path
) -> None:
    page = yamada
    questionnaire = questionnaire_of(answering)
    page.goto(answering.overview_path())
    expect(page.locator(".status")).to_have_text("未着手")
    page.get_by_role("link", name="回答する").click()
    sections = questionnaire.sections
    for index, section in enumerate(sections):
        expect(page.get_by_role("heading", level=1)).to_have_text(str(section.title))
        for question in section.questions:
            if question.derived:
                continue
            if not page.locator(f"#question-{question.id}").is_visible():
                assert question.show_when is not None, f"{question.id} hidden"
                continue
            fill_question(page, question, sample_value(question))
        if section.id == "gen_ai":
            expect(page.locator("#question-gen_ai_tasks")).to_be_visible()
            screenshot(page, screenshots, "form-section.png")
        last = index == len(sections) - 1
        button = "保存する" if last else "保存して次のページへ"
        page.get_by_role("button", name=button, exact=True).click()
        expect(flash(page)).to_contain_text("保存しました。")
        if index == 3:  # half way: the overview shows the progress
            page.goto(answering.overview_path())
            expect(page.locator(".status")).to_have_text("回答中")
            expect(page.locator("table.data")).to_contain_text("回答済み")
            expect(page.locator("table.data")).to_contain_text("未回答")
            screenshot(page, screenshots, "form-overview.png")
            page.goto(answering.section_path(sections[index + 1].id))

    page.goto(answering.overview_path())
    assert page.locator("progress").get_attribute("value") == page.locator(
        "progress"
    ).get_attribute("max")
    expect(page.locator(".facts")).to_contain_text("（100%）")
    page.get_by_role("link", name="提出する").click()  # asks first, on a page of its own
    expect(page.get_by_role("heading", name="提出の確認")).to_be_visible()
    # submitting renders the 提出控え (the first PDF of a process builds the renderer: a few
    # seconds on a busy machine)
    page.get_by_role("button", name="提出する").click(timeout=SUBMIT_TIMEOUT_MS)
    expect(flash(page)).to_contain_text("提出しました。")
    expect(page.locator(".status")).to_have_text("提出済み")
    expect(page.get_by_role("button", name="提出する")).to_have_count(0)

    response = stored_response(answering)
    assert response is not None
    assert response.status is ResponseStatus.SUBMITTED
    answers = current_answers(response, questionnaire)
    assert answers["basic_department"] == "テスト回答"
    assert answers["gen_ai_tasks"] == ("drafting",)

    for section_id in ("basic", "gen_ai"):
        page.goto(answering.section_path(section_id))
        expect(page.locator(".panel")).to_contain_text("提出済みのため編集できません")
        expect(page.locator("form.survey-form")).to_have_count(0)
        expect(
            page.locator("main input:not([type=hidden]), main select, main textarea")
        ).to_have_count(0)
        expect(page.get_by_role("button", name="保存する")).to_have_count(0)
    expect(page.locator(".answers-readonly")).to_contain_text("全庁で業務に使っている")


# --- 3. two colleagues edit the same answer --------------------------------------------------


def test_two_colleagues_change_the_same_answer_and_nothing_is_lost(
    answering: Answering, new_context: NewContext, screenshots: Path
) -> None:
    first_login, second_login = answering.colleagues
    first, second = log_in(new_context(), first_login), log_in(new_context(), second_login)
    for page in (first, second):
        page.goto(answering.section_path("basic"))
        expect(page.get_by_label("住民基本台帳人口")).to_have_value("")

    # Each clicks 「保存する」 straight after typing: the submit cancels the pending autosave.
    first.get_by_label("住民基本台帳人口").fill("1500")
    first.get_by_role("button", name="保存する", exact=True).click()
    expect(flash(first)).to_contain_text("保存しました。")
    assert stored_answers(answering) == {"basic_population": 1500}

    second.get_by_label("住民基本台帳人口").fill("1600")
    second.get_by_label("職員数（正職員）").fill("80")  # no conflict: must survive too
    second.get_by_role("button", name="保存する", exact=True).click()
    expect(second.get_by_role("heading", level=1)).to_have_text("同時に編集された回答があります")
    conflict = second.locator("#conflict-basic_population")
    mine = conflict.get_by_label(re.compile("^あなたの回答"))
    theirs = conflict.get_by_label(re.compile(answering.display_names[first_login] + "さんの回答"))
    expect(mine).to_have_count(1)
    expect(theirs).to_have_count(1)
    expect(conflict).to_contain_text("あなたの回答: 1,600人")
    expect(conflict).to_contain_text(f"{answering.display_names[first_login]}さんの回答（")
    expect(conflict).to_contain_text("保存）: 1,500人")
    screenshot(second, screenshots, "form-conflict.png")
    assert stored_answers(answering) == {"basic_population": 1500}  # nothing saved yet

    mine.check()
    second.get_by_role("button", name="選んだ内容で保存する").click()
    expect(flash(second)).to_contain_text("保存しました。")
    expect(second.get_by_label("住民基本台帳人口")).to_have_value("1600")
    expect(second.get_by_label("職員数（正職員）")).to_have_value("80")
    assert stored_answers(answering) == {"basic_population": 1600, "basic_staff": 80}

    # The first colleague's answer is kept in the audit trail.
    first.goto(answering.history_path("basic_population"))
    rows = first.locator("table.history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(answering.display_names[second_login])
    expect(rows.nth(0).locator("td").nth(3)).to_have_text("1,500人")  # 変更前
    expect(rows.nth(0).locator("td").nth(4)).to_have_text("1,600人")  # 変更後
    expect(rows.nth(1)).to_contain_text(answering.display_names[first_login])
    expect(rows.nth(1).locator("td").nth(4)).to_have_text("1,500人")


# --- 4. keyboard only, visible focus, accessible names ---------------------------------------


def test_a_section_answered_with_the_keyboard_alone(answering: Answering, yamada: Page) -> None:
    page = yamada
    page.goto(answering.section_path("gov"))
    expect(page.get_by_role("heading", level=1)).to_have_text("DX推進体制")

    # gov_cio: Tab into the radio group (focus lands on the first option), arrows choose.
    press_until(page, "Tab", named("q_gov_cio"))
    assert focused(page)["value"] == "mayor"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert focused(page)["value"] == "director"
    style = focus_outline(page)  # a radio: the keyboard focus is visible
    assert style["style"] != "none", style
    assert float(style["width"].removesuffix("px")) >= 2, style

    assert press_until(page, "Tab", named("q_gov_plan")) == 1
    page.keyboard.press("Space")  # standalone
    assert press_until(page, "Tab", named("q_gov_team")) == 1
    page.keyboard.press("ArrowDown")  # cross_team

    # Checkboxes: Tab moves between them, Space ticks; Shift+Tab goes back.
    assert press_until(page, "Tab", named("q_gov_digital_talent", "pref_support")) == 1
    page.keyboard.press("Space")
    assert press_until(page, "Tab", named("q_gov_digital_talent", "corporate_program")) == 2
    page.keyboard.press("Space")
    assert press_until(page, "Shift+Tab", named("q_gov_digital_talent", "hired_expert")) == 1
    page.keyboard.press("Space")
    page.keyboard.press("Space")  # and off again

    press_until(page, "Tab", named("q_gov_training_rate"))
    page.keyboard.type("35")
    style = focus_outline(page)  # a text input: the site's 3px focus ring
    assert style["style"] == "solid", style
    assert style["width"] == "3px", style
    assert press_until(page, "Tab", named("q_gov_security_policy")) == 1
    page.keyboard.press("Space")  # within_1y
    assert press_until(page, "Tab", named("q_gov_security_training")) == 1
    page.keyboard.press("ArrowRight")  # いいえ
    assert press_until(page, "Tab", named("q_gov_telework")) == 1
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")  # partly
    assert press_until(page, "Tab", named("q_gov_consult")) == 1
    page.keyboard.type("オープンデータの進め方を相談したいです。")

    # Back to a text input and Enter: the form is submitted with its first button (保存する).
    press_until(page, "Shift+Tab", named("q_gov_training_rate"))
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text("保存しました。")
    assert stored_answers(answering) == {
        "gov_cio": "director",
        "gov_plan": "standalone",
        "gov_team": "cross_team",
        "gov_digital_talent": ("pref_support", "corporate_program"),
        "gov_training_rate": 35,
        "gov_security_policy": "within_1y",
        "gov_security_training": False,
        "gov_telework": "partly",
        "gov_consult": "オープンデータの進め方を相談したいです。",
    }

    # The save button is reachable too, and Enter on it saves (nothing new this time).
    press_until(page, "Tab", lambda f: f["tag"] == "button" and f["text"] == "保存する")
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text("変更はありませんでした。")


def test_every_input_has_an_accessible_name(answering: Answering, yamada: Page) -> None:
    page = yamada
    questionnaire = questionnaire_of(answering)
    for section in questionnaire.sections:
        page.goto(answering.section_path(section.id))
        form = page.locator("form.survey-form")
        for question in section.questions:
            if question.derived or not page.locator(f"#question-{question.id}").is_visible():
                continue
            name = f"q_{question.id}"
            if question.type in ("yes_no", "single_choice", "multiple_choice"):
                group = form.get_by_role("group", name=question.text)
                options = [(c.value, c.label) for c in question.choices]
                if question.type == "yes_no":
                    options = [("yes", "はい"), ("no", "いいえ")]
                expect(group.locator(f"input[name='{name}']")).to_have_count(len(options))
                for value, label in options:
                    expect(group.get_by_label(label, exact=True)).to_have_attribute("value", value)
            elif question.type == "status_grid":
                group = form.get_by_role("group", name=question.text)
                for row in question.rows:
                    expect(group.get_by_label(row.label, exact=True)).to_have_attribute(
                        "name", f"{name}-{row.id}"
                    )
            else:
                expect(form.get_by_label(question.text)).to_have_attribute("name", name)
        # And nothing in the form is unnamed, by the accessibility tree itself.
        snapshot = form.aria_snapshot()
        controls = re.findall(
            r"^\s*- (textbox|radio|checkbox|combobox|spinbutton)\b(.*)$", snapshot, re.M
        )
        assert controls, snapshot
        unnamed = [f"{role}{rest}" for role, rest in controls if not rest.strip().startswith('"')]
        assert not unnamed, f"{section.id}: controls without a name: {unnamed}"
        visible_inputs = form.locator(
            "input:not([type=hidden]):visible, select:visible, textarea:visible"
        ).count()
        assert len(controls) == visible_inputs, (section.id, len(controls), visible_inputs)


# --- 5. show-when, with and without JavaScript -----------------------------------------------


def test_a_controlling_answer_reveals_the_dependent_question_without_reload(
    answering: Answering, yamada: Page
) -> None:
    page = yamada
    page.goto(answering.section_path("gen_ai"))
    rules, tasks = page.locator("#question-gen_ai_rules"), page.locator("#question-gen_ai_tasks")
    expect(rules).to_be_hidden()
    expect(tasks).to_be_hidden()
    page.evaluate("() => { window.__sameDocument = true; }")
    page.get_by_label("一部の部署で試している・使っている").check()
    expect(rules).to_be_visible()
    expect(tasks).to_be_visible()
    page.get_by_label("予定はない").check()
    expect(rules).to_be_hidden()
    page.get_by_label("全庁で業務に使っている").check()
    expect(rules).to_be_visible()
    rules.get_by_label("定めている", exact=True).check()
    assert page.evaluate("() => window.__sameDocument") is True  # no reload happened

    page.goto(answering.section_path("od"))  # another kind of condition: yes_no equals true
    dependants = page.locator("[data-show-when]")
    expect(dependants).to_have_count(5)
    for i in range(5):
        expect(dependants.nth(i)).to_be_hidden()
    page.locator("#question-od_published").get_by_label("はい", exact=True).check()
    for i in range(5):
        expect(dependants.nth(i)).to_be_visible()
    page.locator("#question-od_published").get_by_label("いいえ", exact=True).check()
    for i in range(5):
        expect(dependants.nth(i)).to_be_hidden()


def test_without_javascript_a_dependent_question_appears_after_saving(
    answering: Answering, new_context: NewContext
) -> None:
    page = log_in(new_context(java_script_enabled=False), answering.colleagues[0])
    page.goto(answering.section_path("gen_ai"))
    rules = page.locator("#question-gen_ai_rules")
    expect(rules).to_be_hidden()
    page.get_by_label("一部の部署で試している・使っている").check()
    expect(rules).to_be_hidden()  # no script: it appears once the answer is saved
    page.get_by_role("button", name="保存する", exact=True).click()
    expect(flash(page)).to_contain_text("保存しました。")
    expect(rules).to_be_visible()
    expect(page.locator("#question-gen_ai_tasks")).to_be_visible()
    rules.get_by_label("いま作っている").check()
    page.get_by_label("資料や会議録の要約").check()
    page.get_by_role("button", name="保存する", exact=True).click()
    expect(flash(page)).to_contain_text("保存しました。")
    assert stored_answers(answering) == {
        "gen_ai_use": "some_units",
        "gen_ai_rules": "drafting",
        "gen_ai_tasks": ("summary",),
    }


# --- 6. without JavaScript: fill, save, reload -----------------------------------------------


def test_without_javascript_a_section_is_filled_saved_and_shown_after_reload(
    answering: Answering, new_context: NewContext
) -> None:
    page = log_in(new_context(java_script_enabled=False), answering.colleagues[1])
    page.goto(answering.section_path("basic"))
    expect(page.locator(".autosave-status")).to_have_text("")
    page.get_by_label("回答を取りまとめた課・係の名前").fill("総務課 情報係")
    page.get_by_label("この調査票の回答の基準日").fill("2025-06-01")
    page.get_by_label("住民基本台帳人口").fill("１，１００")  # full-width digits are accepted
    page.get_by_label("情報システムやDXを担当する職員").fill("1.5")
    page.get_by_role("button", name="保存して次のページへ").click()
    expect(flash(page)).to_contain_text("保存しました。")
    expect(page.get_by_role("heading", level=1)).to_have_text("情報システムの標準化・共通化")

    page.goto(answering.section_path("basic"))
    expect(page.get_by_label("回答を取りまとめた課・係の名前")).to_have_value("総務課 情報係")
    expect(page.get_by_label("この調査票の回答の基準日")).to_have_value("2025-06-01")
    expect(page.get_by_label("住民基本台帳人口")).to_have_value("1100")
    expect(page.get_by_label("情報システムやDXを担当する職員")).to_have_value("1.5")
    expect(page.get_by_label("職員数（正職員）")).to_have_value("")
    answers = stored_answers(answering)
    assert answers["basic_population"] == 1100
    assert answers["basic_it_staff"] == 1.5
    assert str(answers["basic_answer_date"]) == "2025-06-01"


# --- regressions: bugs found by these tests, fixed since ----


def test_resolving_a_conflict_keeps_the_other_colleagues_other_changes(
    answering: Answering, new_context: NewContext
) -> None:
    first_login, second_login = answering.colleagues
    first, second = log_in(new_context(), first_login), log_in(new_context(), second_login)
    for page in (first, second):
        page.goto(answering.section_path("basic"))
    first.get_by_label("回答を取りまとめた課・係の名前").fill("総務課 情報政策係")
    first.get_by_label("住民基本台帳人口").fill("1500")
    first.get_by_role("button", name="保存する", exact=True).click()
    expect(flash(first)).to_contain_text("保存しました。")

    second.get_by_label("住民基本台帳人口").fill("1600")  # the department is left alone
    second.get_by_role("button", name="保存する", exact=True).click()
    expect(second.get_by_role("heading", level=1)).to_have_text("同時に編集された回答があります")
    expect(second.locator("fieldset.conflict")).to_have_count(1)  # only the population
    second.get_by_label(re.compile("^あなたの回答")).check()
    second.get_by_role("button", name="選んだ内容で保存する").click()
    expect(flash(second)).to_contain_text("保存しました。")

    assert stored_answers(answering) == {
        "basic_department": "総務課 情報政策係",
        "basic_population": 1600,
    }


CROSS_SECTION_QUESTION = """
      - id: gov_city_note
        type: long_text
        text: （人口1万人以上の団体のみ）DX専任の職員の配置について教えてください。
        show_when: {question: basic_population, gte: 10000}
"""


@pytest.fixture
def cross_section_round(
    registry: None, make_user: Callable[..., User], tmp_path: Path
) -> Answering:
    """Like ``answering``, but gov has a question shown by an answer in another section.

    The questionnaire format allows it (show_when may name any earlier question); the shipped
    FY2025 content just happens not to use it.
    """
    from dx_assess.core.vocabulary import today
    from dx_assess.services.rounds import open_round
    from dx_assess.services.versions import DEFAULT_ROOT

    root = tmp_path / "questionnaires"
    (root / "dx-maturity").mkdir(parents=True)
    for source in (DEFAULT_ROOT / "dx-maturity").glob("*.yaml"):
        text = source.read_text(encoding="utf-8")
        if source.name == "fy2025.yaml":
            text = text.replace("\nchecks:\n", CROSS_SECTION_QUESTION + "\nchecks:\n", 1)
        (root / "dx-maturity" / source.name).write_text(text, encoding="utf-8")
    town = db.session.scalar(select(Municipality).where(Municipality.code == TOWN))
    assert town is not None
    town.supported = True
    make_user("municipal", TOWN, login="yamada")
    survey_round = open_round(
        db.session,
        root,
        fiscal_year=2025,
        key="dx-maturity",
        version="2025.1",
        opens_on=today(),
        closes_on=today(),
        actor=None,
    )
    round_id = survey_round.id
    db.session.commit()
    return Answering(round_id, TOWN, ("yamada", "yamada"), {"yamada": "yamada さん"})


def test_a_condition_on_another_sections_answer_is_kept_by_the_script(
    cross_section_round: Answering, new_context: NewContext
) -> None:
    answering = cross_section_round
    plain = log_in(new_context(java_script_enabled=False), "yamada")
    plain.goto(answering.section_path("basic"))
    plain.get_by_label("住民基本台帳人口").fill("20000")
    plain.get_by_role("button", name="保存する", exact=True).click()
    expect(flash(plain)).to_contain_text("保存しました。")
    # The server shows the question (20,000 >= 10,000); without JavaScript it stays shown...
    plain.goto(answering.section_path("gov"))
    expect(plain.locator("#question-gov_city_note")).to_be_visible()
    # ...and the script, which knows the other pages' answers, keeps it shown.
    scripted = log_in(new_context(), "yamada")
    scripted.goto(answering.section_path("gov"), wait_until="load")  # deferred script has run
    assert scripted.locator("#question-gov_city_note").is_visible()


# --- issue 10: an autosave never writes back what the page merely showed ---------------------


def test_a_colleagues_saved_answer_survives_every_autosave_and_a_clash_is_shown(
    answering: Answering, new_context: NewContext
) -> None:
    """The issue's example: B saves 職員数 = 55 while A's page shows 40; A types in another
    field and autosave runs (twice): 55 stays, and A's page takes it. Then both change the
    population: A's autosave reports the clash and stores nothing of A's."""
    first_login, second_login = answering.colleagues
    a, b = log_in(new_context(), first_login), log_in(new_context(), second_login)
    a.goto(answering.section_path("basic"))
    a.get_by_label("職員数（正職員）").fill("40")
    a.get_by_label("住民基本台帳人口").fill("1000")
    a.get_by_role("button", name="保存する", exact=True).click()
    expect(flash(a)).to_contain_text("保存しました。")
    b.goto(answering.section_path("basic"))
    expect(a.get_by_label("職員数（正職員）")).to_have_value("40")  # A's page shows 40

    b.get_by_label("職員数（正職員）").fill("55")
    b.get_by_role("button", name="保存する", exact=True).click()
    expect(flash(b)).to_contain_text("保存しました。")
    assert stored_answers(answering)["basic_staff"] == 55

    status = a.locator(".autosave-status")
    with a.expect_request(lambda r: r.method == "POST") as autosave:
        a.get_by_label("回答を取りまとめた課・係の名前").fill("総務課")
    sent = autosave.value.post_data or ""
    assert 'name="q_basic_department"' in sent  # only the changed answer, with its shown value
    assert 'name="shown-q_basic_department"' in sent
    assert "q_basic_staff" not in sent
    expect(status).to_contain_text(AUTOSAVED, timeout=10_000)
    assert stored_answers(answering)["basic_staff"] == 55
    expect(a.get_by_label("職員数（正職員）")).to_have_value("55")  # the page took B's answer
    a.get_by_label("回答を取りまとめた課・係の名前").fill("総務課 情報係")
    expect(status).to_have_text("未保存の変更があります")
    expect(status).to_contain_text(AUTOSAVED, timeout=10_000)
    assert stored_answers(answering) == {
        "basic_staff": 55,
        "basic_population": 1000,
        "basic_department": "総務課 情報係",
    }

    b.get_by_label("住民基本台帳人口").fill("1300")
    b.get_by_role("button", name="保存する", exact=True).click()
    expect(flash(b)).to_contain_text("保存しました。")
    a.get_by_label("住民基本台帳人口").fill("1400")  # A's page still shows 1,000 there
    expect(status).to_contain_text("ほかの方が同じ回答を更新しました", timeout=10_000)
    assert stored_answers(answering)["basic_population"] == 1300
    a.get_by_role("button", name="保存する", exact=True).click()
    expect(a.get_by_role("heading", level=1)).to_have_text("同時に編集された回答があります")
    conflict = a.locator("#conflict-basic_population")
    expect(conflict).to_contain_text("あなたの回答: 1,400人")
    expect(conflict).to_contain_text("保存）: 1,300人")
    expect(a.locator("fieldset.conflict")).to_have_count(1)  # 職員数 is no clash
    assert stored_answers(answering) == {
        "basic_staff": 55,
        "basic_population": 1300,
        "basic_department": "総務課 情報係",
    }
