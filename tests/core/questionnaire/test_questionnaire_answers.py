"""Answer validation and normalisation per question type, derived values, checks, scores."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dx_assess.core.questionnaire import (
    AnswerError,
    Question,
    Questionnaire,
    check_answers,
    normalize_answer,
    question_score,
    with_derived,
)
from dx_assess.core.questionnaire.model import Choice, GridRow, ScoringRule


def q(type_: str, **kw: object) -> Question:
    return Question(id="q1", type=type_, text="設問", section="s", **kw)  # type: ignore[arg-type]


CHOICES = (Choice("a", "A", 1.0), Choice("b", "B", 0.0), Choice("none", "なし", exclusive=True))
ROWS = (GridRow("r1", "住民基本台帳"), GridRow("r2", "戸籍"))
STATUSES = (
    Choice("todo", "未着手", 0.0),
    Choice("done", "移行完了", 1.0),
    Choice("na", "対象外", not_applicable=True),
)


@pytest.mark.parametrize(
    ("question", "raw", "expected"),
    [
        (q("yes_no"), True, True),
        (q("yes_no"), "はい", True),
        (q("yes_no"), "no", False),
        (q("single_choice", choices=CHOICES), " a ", "a"),
        (q("multiple_choice", choices=CHOICES), ["b", "a", "a"], ("a", "b")),
        (q("multiple_choice", choices=CHOICES), "none", ("none",)),
        (q("integer", min=0), "1,234", 1234),
        (q("integer", unit="人"), "１２人", 12),
        (q("integer"), 5.0, 5),
        (q("decimal", unit="時間", decimals=1), "12.345", 12.3),
        (q("percentage", min=0.0, max=100.0, unit="%"), "45.5%", 45.5),
        (q("date"), "2025/03/31", dt.date(2025, 3, 31)),
        (q("date"), dt.date(2024, 4, 1), dt.date(2024, 4, 1)),
        (q("short_text"), "  総務課  ", "総務課"),
        (q("long_text"), "一行目\r\n二行目", "一行目\n二行目"),
        (
            q("status_grid", choices=STATUSES, rows=ROWS),
            {"r2": "done", "r1": "todo"},
            {"r1": "todo", "r2": "done"},
        ),
        (q("status_grid", choices=STATUSES, rows=ROWS), {"r1": "", "r2": "na"}, {"r2": "na"}),
        (q("yes_no"), None, None),
        (q("short_text"), "   ", None),
        (q("multiple_choice", choices=CHOICES), [], None),
        (q("status_grid", choices=STATUSES, rows=ROWS), {"r1": None}, None),
    ],
)
def test_good_values(question: Question, raw: object, expected: object) -> None:
    assert normalize_answer(question, raw) == expected


@pytest.mark.parametrize(
    ("question", "raw", "message"),
    [
        (q("yes_no"), "たぶん", "「はい」か「いいえ」を選んでください。"),
        (q("single_choice", choices=CHOICES), "c", "「c」は選択肢にありません。"),
        (q("multiple_choice", choices=CHOICES), ["a", "z"], "「z」は選択肢にありません。"),
        (
            q("multiple_choice", choices=CHOICES),
            ["a", "none"],
            "「なし」はほかの選択肢と一緒に選べません。",
        ),
        (q("multiple_choice", choices=CHOICES), 3, "一覧から選んでください。"),
        (q("integer"), "12.5", "整数を入力してください。"),
        (q("integer"), "十二", "数値を入力してください（入力: 十二）。"),
        (q("integer"), True, "数値を入力してください。"),
        (q("integer", min=1.0, unit="人"), 0, "1人以上の値を入力してください。"),
        (q("integer", max=26.0), 27, "26以下の値を入力してください。"),
        (
            q("integer", min=1.0, unit="人"),
            "99999999999999999999",
            "値が大きすぎます。1,000,000,000,000以下の値を入力してください。",
        ),
        (q("decimal"), -1e13, "値が大きすぎます。1,000,000,000,000以下の値を入力してください。"),
        (q("decimal", unit="時間"), float("nan"), "数値を入力してください。"),
        (q("percentage", min=0.0, max=100.0, unit="%"), 120, "100%以下の値を入力してください。"),
        (q("date"), "2025-02-30", "日付は 2025-03-31 の形で入力してください。"),
        (q("short_text"), "一行目\n二行目", "改行を入れずに 1 行で入力してください。"),
        (
            q("short_text", max_length=3),
            "総務課です",
            "3 文字以内で入力してください（いまは 5 文字）。",
        ),
        (q("long_text"), 12, "文字を入力してください。"),
        (q("status_grid", choices=STATUSES, rows=ROWS), {"r9": "done"}, "「r9」は表にない行です。"),
        (
            q("status_grid", choices=STATUSES, rows=ROWS),
            {"r1": "half"},
            "「住民基本台帳」の状況「half」は選択肢にありません。",
        ),
        (q("status_grid", choices=STATUSES, rows=ROWS), ["done"], "行ごとに状況を選んでください。"),
        (q("derived"), 50, "この設問はほかの回答から計算されるため、入力できません。"),
    ],
)
def test_bad_values(question: Question, raw: object, message: str) -> None:
    with pytest.raises(AnswerError) as info:
        normalize_answer(question, raw)
    assert info.value.message == message
    assert info.value.question_id == "q1"


def test_derived_values(fy2024: Questionnaire) -> None:
    values = with_derived(
        fy2024,
        {
            "basic_population": 3000,
            "mnc_cards_held": 2000,
            "onl_childcare_count": 10,
            "onl_care_count": 6,
        },
    )
    assert values["mnc_holding_rate"] == 66.7
    assert values["onl_26_total"] == 16
    assert (
        with_derived(fy2024, {"basic_population": 0, "mnc_cards_held": 5})["mnc_holding_rate"]
        is None
    )  # division by zero -> not computable
    assert with_derived(fy2024, {})["mnc_holding_rate"] is None


def test_check_answers_cross_field_and_required(fy2024: Questionnaire) -> None:
    values, issues = check_answers(
        fy2024,
        {
            "basic_population": "1,000",
            "mnc_cards_held": 1200,
            "basic_it_staff": 3,
            "basic_staff": 2,
            "onl_childcare_count": 20,
            "onl_care_count": 7,
            "mnc_outreach": False,
            "mnc_outreach_count": 4,
            "unknown_q": 1,
            "std_status": {"juki": "completed"},
        },
        require_complete=True,
    )
    checks = {i.check_id for i in issues if i.check_id}
    assert checks == {"cards_within_population", "online_within_26", "it_staff_within_staff"}
    assert "mnc_outreach_count" not in values  # hidden by show_when
    by_question = {i.question_id: i.message for i in issues if not i.check_id}
    assert by_question["unknown_q"] == "調査票にない設問です: unknown_q"
    assert by_question["basic_department"] == "この設問は回答が必要です。"
    assert by_question["std_status"].startswith("すべての行に状況を選んでください（未選択: 戸籍、")
    assert values["mnc_holding_rate"] == 120.0


def test_question_scores(fy2024: Questionnaire) -> None:
    assert question_score(fy2024.question("mnc_holding_rate"), 70.0) == pytest.approx(0.6)
    assert question_score(fy2024.question("mnc_holding_rate"), 20.0) == 0
    assert question_score(fy2024.question("mnc_holding_rate"), 99.0) == 1
    assert question_score(fy2024.question("std_plan"), True) == 1
    assert question_score(fy2024.question("mnc_kiosk"), False) == 0.2
    assert question_score(fy2024.question("gov_plan"), "drafting") == 0.4
    assert question_score(fy2024.question("mnc_uses"), ("library", "shelter")) == pytest.approx(
        2 / 3
    )
    assert question_score(fy2024.question("mnc_uses"), ("none",)) == 0
    grid = {"juki": "completed", "koseki": "in_progress", "seikatsu_hogo": "not_applicable"}
    assert question_score(fy2024.question("std_status"), grid) == pytest.approx(0.8)
    assert question_score(fy2024.question("std_status"), {"juki": "not_applicable"}) is None
    assert question_score(fy2024.question("std_issues"), "text") is None
    assert question_score(fy2024.question("std_plan"), None) is None
    summed = q(
        "multiple_choice",
        choices=(Choice("a", "A", 0.7), Choice("b", "B", 0.6)),
        scoring=ScoringRule("sum"),
    )
    assert question_score(summed, ("a", "b")) == 1.0


@given(
    xs=st.lists(st.integers(-1000, 1000), min_size=1, max_size=6, unique=True),
    data=st.data(),
)
def test_breakpoint_scores_stay_in_range(xs: list[int], data: st.DataObject) -> None:
    scores = data.draw(st.lists(st.floats(0, 1), min_size=len(xs), max_size=len(xs)))
    points = tuple(zip(sorted(float(x) for x in xs), scores, strict=True))
    question = q("decimal", unit="件", scoring=ScoringRule("breakpoints", breakpoints=points))
    value = data.draw(st.floats(-2000, 2000))
    score = question_score(question, value)
    assert score is not None
    assert min(scores) - 1e-9 <= score <= max(scores) + 1e-9


def test_unquoted_yes_no_keys_are_strings(base_yaml: str) -> None:
    from dx_assess.core.questionnaire import load_bytes

    quoted = '{method: yes_no, "yes": 1, "no": 0}'
    text = base_yaml.replace(quoted, "{method: yes_no, yes: 1, no: 0}")
    loaded = load_bytes(text.encode(), "unquoted.yaml")
    assert loaded.question("has_plan").scoring == ScoringRule("yes_no", yes=1.0, no=0.0)
