"""Diff and version mapping between FY2024 and FY2025, and map validation."""

from __future__ import annotations

import pytest

from dx_assess.core.questionnaire import (
    Questionnaire,
    QuestionnaireError,
    build_mapping,
    carry_forward,
    check_mapping,
    diff_versions,
    format_diff,
    load_bytes,
)
from dx_assess.core.questionnaire.mapping import COMPUTED, CONVERT, DIRECT, NEW


def test_diff_lists_exactly_the_designed_changes(
    fy2024: Questionnaire, fy2025: Questionnaire
) -> None:
    d = diff_versions(fy2024, fy2025)
    assert (d.old_version, d.new_version) == ("2024.1", "2025.1")
    assert set(d.added) == {
        "std_post_review",
        "gen_ai_use",
        "gen_ai_rules",
        "gen_ai_training",
        "gen_ai_tasks",
    }
    assert set(d.removed) == {"std_plan", "mnc_health_insurance"}
    assert d.renamed == (("gov_external_talent", "gov_digital_talent"),)
    assert d.split == (("ai_chatbot", ("ai_chatbot_residents", "ai_chatbot_staff")),)
    assert d.merged == ()
    assert {c.new_id: set(c.fields) for c in d.changed} == {
        "std_status": {"help", "choices", "scoring"},
        "std_special_reason": {"show_when"},
        "mnc_holding_rate": {"scoring"},
        "mnc_uses": {"choices"},
        "gov_digital_talent": {"text"},
    }
    assert {s.question for s in d.scoring_changed} == {"std_status", "mnc_holding_rate"}
    rate = next(s for s in d.scoring_changed if s.question == "mnc_holding_rate")
    assert "40→0" in rate.before
    assert "60→0" in rate.after
    assert d.pillars_changed == ("ai_rpa",)
    assert d.pillars_added == d.pillars_removed == ()
    assert not d.levels_changed
    assert set(d.recommendations_added) == {
        "rec_std_delayed",
        "rec_gen_ai_start",
        "rec_gen_ai_rules",
    }
    assert d.recommendations_removed == ("rec_std_plan",)
    assert set(d.recommendations_changed) == {"rec_std_special", "rec_mnc_rate", "rec_chatbot"}
    assert d.cases_added == d.cases_removed == d.checks_changed == ()


def test_format_diff_is_plain_japanese(fy2024: Questionnaire, fy2025: Questionnaire) -> None:
    lines = format_diff(diff_versions(fy2024, fy2025))
    assert lines[0] == "調査票 dx-maturity: 版 2024.1 → 2025.1 の違い"
    text = "\n".join(lines)
    assert "追加された設問（5 件）: std_post_review、gen_ai_use" in text
    assert "設問 id の変更: gov_external_talent → gov_digital_talent" in text
    assert "設問の分割: ai_chatbot → ai_chatbot_residents、ai_chatbot_staff" in text
    assert "  std_status: 説明、選択肢、採点" in text
    assert "採点が変わった設問（2 件）:" in text


def test_diff_with_itself_is_empty(fy2024: Questionnaire) -> None:
    d = diff_versions(fy2024, fy2024)
    assert d.is_empty
    assert format_diff(d)[-1] == "違いはありません。"


def test_mapping_carries_answers_forward(fy2024: Questionnaire, fy2025: Questionnaire) -> None:
    m = build_mapping(fy2024, fy2025)
    assert set(m.retired) == {"std_plan", "mnc_health_insurance"}
    assert m.carry("basic_population").mode == DIRECT
    assert m.carry("std_status").mode == CONVERT
    assert dict(m.carry("std_status").value_map) == {
        "planned": "on_schedule",
        "in_progress": "on_schedule",
        "special_support": "special_extended",
    }
    assert m.sources_of("gov_digital_talent") == ("gov_external_talent",)
    assert m.carry("gov_digital_talent").mode == DIRECT
    assert m.carry("ai_chatbot_staff").mode == CONVERT
    assert m.sources_of("ai_chatbot_residents") == ("ai_chatbot",)
    assert m.carry("mnc_holding_rate").mode == COMPUTED
    assert m.carry("gen_ai_use").mode == NEW
    assert m.sources_of("gen_ai_use") == ()
    assert [c.question for c in m.carries] == [q.id for q in fy2025.questions]

    old_answers = {
        "basic_population": 4200,
        "mnc_cards_held": 3100,
        "std_status": {
            "juki": "planned",
            "koseki": "in_progress",
            "inkan": "completed",
            "kokuho": "special_support",
            "seikatsu_hogo": "not_applicable",
            "shugaku": "not_started",
        },
        "std_plan": True,
        "mnc_health_insurance": "active",
        "ai_chatbot": True,
        "gov_external_talent": ("pref_support", "vendor_advice"),
        "mnc_holding_rate": 73.8,
    }
    carried = carry_forward(m, fy2025, old_answers)
    assert carried == {
        "basic_population": 4200,
        "mnc_cards_held": 3100,
        "std_status": {
            "juki": "on_schedule",
            "koseki": "on_schedule",
            "inkan": "completed",
            "kokuho": "special_extended",
            "seikatsu_hogo": "not_applicable",
            "shugaku": "not_started",
        },
        "ai_chatbot_residents": True,
        "ai_chatbot_staff": True,
        "gov_digital_talent": ("pref_support", "vendor_advice"),
    }


def _with_previous(base_yaml: str, previous: str, version: str = "2025.1") -> Questionnaire:
    text = base_yaml.replace('version: "2024.1"', f'version: "{version}"')
    text = text.replace("levels:\n", previous + "levels:\n", 1)
    return load_bytes(text.encode(), "new.yaml")


def test_map_naming_unknown_old_ids_is_an_error(base: Questionnaire, base_yaml: str) -> None:
    new = _with_previous(
        base_yaml,
        """\
previous:
  version: "2024.1"
  map:
    - {question: has_plan, from: [had_plan]}
  retired: [ghost]
""",
    )
    problems = check_mapping(base, new)
    messages = {(p.question_id, p.message) for p in problems}
    assert ("has_plan", "前の版 2024.1 に設問「had_plan」はありません") in messages
    assert ("ghost", "前の版 2024.1 に設問「ghost」はありません") in messages
    assert all(p.file == "new.yaml" and p.line is not None for p in problems)
    with pytest.raises(QuestionnaireError):
        build_mapping(base, new)


def test_map_must_account_for_every_old_question(base: Questionnaire, base_yaml: str) -> None:
    text = base_yaml.replace("- id: has_plan", "- id: has_dx_plan").replace(
        "question: has_plan", "question: has_dx_plan"
    )
    new = _with_previous(text, 'previous:\n  version: "2024.1"\n')
    problems = check_mapping(base, new)
    assert [p.question_id for p in problems] == ["has_plan"]
    assert "行き先がありません" in problems[0].message

    renamed = _with_previous(
        text,
        """\
previous:
  version: "2024.1"
  map:
    - {question: has_dx_plan, from: has_plan}
""",
    )
    m = build_mapping(base, renamed)
    assert m.carry("has_dx_plan").mode == DIRECT
    assert carry_forward(m, renamed, {"has_plan": False}) == {"has_dx_plan": False}


def test_changed_options_need_a_value_map(base: Questionnaire, base_yaml: str) -> None:
    text = base_yaml.replace("{value: b, label: B, score: 0}", "{value: c, label: C, score: 0}")
    new = _with_previous(text, 'previous:\n  version: "2024.1"\n')
    problems = check_mapping(base, new)
    assert len(problems) == 1
    assert problems[0].question_id == "plan_kind"
    assert "value_map" in problems[0].message

    fixed = _with_previous(
        text,
        """\
previous:
  version: "2024.1"
  map:
    - {question: plan_kind, from: plan_kind, value_map: {b: c}}
""",
    )
    m = build_mapping(base, fixed)
    assert carry_forward(m, fixed, {"plan_kind": "b"}) == {"plan_kind": "c"}


def test_value_map_target_must_exist(base_yaml: str) -> None:
    with pytest.raises(QuestionnaireError) as info:
        _with_previous(
            base_yaml,
            """\
previous:
  version: "2023.1"
  map:
    - {question: plan_kind, from: plan_kind, value_map: {a: zzz}}
""",
        )
    (problem,) = info.value.problems
    assert problem.path == "previous.map[0].value_map.a"
    assert problem.question_id == "plan_kind"


def test_merge_with_combine(base: Questionnaire, base_yaml: str) -> None:
    text = base_yaml.replace(
        "      - id: rate\n",
        "      - id: total\n        type: integer\n        text: 合計\n      - id: rate\n",
    )
    new = _with_previous(
        text,
        """\
previous:
  version: "2024.1"
  map:
    - {question: total, from: [population, cards], combine: sum}
""",
    )
    m = build_mapping(base, new)
    assert m.carry("total").mode == CONVERT
    assert diff_versions(base, new).merged == ((("population", "cards"), "total"),)
    carried = carry_forward(m, new, {"population": 100, "cards": 40})
    assert carried["total"] == 140


def test_wrong_previous_version_is_reported(base: Questionnaire, base_yaml: str) -> None:
    new = _with_previous(base_yaml, 'previous:\n  version: "2023.9"\n')
    problems = check_mapping(base, new)
    assert problems[0].path == "previous.version"
    assert "2023.9" in problems[0].message
