"""Each kind of mistake in a questionnaire file is reported with file, location, line and
question id, and a file with any mistake loads nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from dx_assess.core.questionnaire import (
    Problem,
    QuestionnaireError,
    load_bytes,
    load_questionnaire,
    read_questionnaire,
)


@dataclass(frozen=True)
class Broken:
    name: str
    old: str  # text in the valid base file ...
    new: str  # ... replaced by this
    path: str  # expected location of the problem
    marker: str  # the expected line is the first line containing this text
    question_id: str | None
    message: str  # fragment of the Japanese message


CASES = [
    Broken(
        "unknown_type",
        "type: yes_no",
        "type: yesno",
        "sections[0].questions[3].type",
        "type: yesno",
        "has_plan",
        "不明な設問の種類「yesno」",
    ),
    Broken(
        "duplicate_question_id",
        "- id: cards\n",
        "- id: population\n",
        "sections[0].questions[1].id",
        "- id: population\n        type: integer\n        text: 枚数",
        "population",
        "設問の id「population」が重複",
    ),
    Broken(
        "duplicate_pillar_id",
        "{id: p2, title: 柱2",
        "{id: p1, title: 柱2",
        "pillars[1].id",
        "{id: p1, title: 柱2",
        None,
        "柱の id「p1」が重複",
    ),
    Broken(
        "condition_missing_question",
        "{question: has_plan, equals: true}",
        "{question: has_plann, equals: true}",
        "sections[0].questions[4].show_when.question",
        "has_plann",
        "plan_kind",
        "存在しない設問「has_plann」",
    ),
    Broken(
        "condition_later_question",
        "text: 計画\n",
        "text: 計画\n        show_when: {question: plan_kind, equals: a}\n",
        "sections[0].questions[3].show_when.question",
        "{question: plan_kind",
        "has_plan",
        "後にある設問「plan_kind」",
    ),
    Broken(
        "condition_self",
        "text: 計画\n",
        "text: 計画\n        show_when: {question: has_plan, answered: true}\n",
        "sections[0].questions[3].show_when.question",
        "answered: true",
        "has_plan",
        "自分自身",
    ),
    Broken(
        "condition_unknown_choice",
        "when: {question: has_plan, equals: false}",
        "when: {question: systems, row: r1, equals: finished}",
        "recommendations[0].when.equals",
        "equals: finished",
        None,
        "設問「systems」に選択肢「finished」はありません",
    ),
    Broken(
        "recommendation_missing_question",
        "when: {question: has_plan, equals: false}",
        "when: {question: nope, equals: false}",
        "recommendations[0].when.question",
        "question: nope",
        None,
        "存在しない設問「nope」",
    ),
    Broken(
        "recommendation_missing_pillar",
        "when: {question: has_plan, equals: false}",
        "when: {pillar_score: {pillar: p9, lt: 40}}",
        "recommendations[0].when.pillar_score",
        "pillar: p9",
        None,
        "存在しない柱「p9」",
    ),
    Broken(
        "recommendation_missing_case",
        "cases: [case_a]",
        "cases: [case_z]",
        "recommendations[0].cases[0]",
        "cases: [case_z]",
        None,
        "事例「case_z」",
    ),
    Broken(
        "pillar_weight_zero",
        "title: 柱2, weight: 2}",
        "title: 柱2, weight: 0}",
        "pillars[1].weight",
        "weight: 0}",
        None,
        "weight は 0 より大きく",
    ),
    Broken(
        "question_weight_negative",
        "text: 計画\n",
        "text: 計画\n        weight: -1\n",
        "sections[0].questions[3].weight",
        "weight: -1",
        "has_plan",
        "weight は 0 より大きく",
    ),
    Broken(
        "thresholds_not_increasing",
        "{level: 3, min: 40",
        "{level: 3, min: 15",
        "levels[2].min",
        "{level: 3, min: 15",
        None,
        "しきい値",
    ),
    Broken(
        "choice_without_score",
        "{value: b, label: B, score: 0}",
        "{value: b, label: B}",
        "sections[0].questions[4].choices[1]",
        "{value: b, label: B}",
        "plan_kind",
        "選択肢「B」に score がありません",
    ),
    Broken(
        "breakpoints_not_increasing",
        "[[0, 0], [100, 1]]",
        "[[50, 0], [10, 1]]",
        "sections[0].questions[2].scoring.breakpoints[1]",
        "[[50, 0], [10, 1]]",
        "rate",
        "小さい順",
    ),
    Broken(
        "breakpoint_score_out_of_range",
        "[[0, 0], [100, 1]]",
        "[[0, 0], [100, 1.5]]",
        "sections[0].questions[2].scoring.breakpoints[1]",
        "[[0, 0], [100, 1.5]]",
        "rate",
        "0 から 1 の間",
    ),
    Broken(
        "missing_required_key",
        "        text: 計画\n",
        "",
        "sections[0].questions[3].text",
        "- id: has_plan",
        "has_plan",
        "必須のキー「text」",
    ),
    Broken(
        "wrong_value_type",
        'version: "2024.1"',
        "version: 2024.1",
        "version",
        "version: 2024.1",
        None,
        "文字列にしてください",
    ),
    Broken(
        "section_unknown_pillar",
        "    pillar: p2\n",
        "    pillar: p3\n",
        "sections[1].pillar",
        "pillar: p3",
        None,
        "存在しない柱「p3」",
    ),
    Broken(
        "question_unknown_pillar",
        "text: 計画\n",
        "text: 計画\n        pillar: p7\n",
        "sections[0].questions[3].pillar",
        "pillar: p7",
        "has_plan",
        "存在しない柱「p7」",
    ),
    Broken(
        "cross_field_missing_question",
        "rule: cards <= population",
        "rule: cards <= populaton",
        "checks[0].rule",
        "rule: cards <= populaton",
        None,
        "存在しない設問「populaton」",
    ),
    Broken(
        "grid_without_rows",
        "        rows:\n          - {id: r1, label: 行1}\n          - {id: r2, label: 行2}\n",
        "        rows: []\n",
        "sections[1].questions[0].rows",
        "rows: []",
        "systems",
        "rows（行）を 1 つ以上",
    ),
    Broken(
        "derived_missing_question",
        "formula: cards / population * 100",
        "formula: cardz / population * 100",
        "sections[0].questions[2].formula",
        "formula: cardz",
        "rate",
        "存在しない設問「cardz」",
    ),
    Broken(
        "version_map_unknown_question",
        "levels:\n",
        'previous:\n  version: "2023.1"\n  map:\n    - {question: ghost, from: [old_q]}\nlevels:\n',
        "previous.map[0].question",
        "{question: ghost",
        "ghost",
        "この版に設問「ghost」はありません",
    ),
    Broken(
        "unknown_key",
        "text: 計画\n",
        "text: 計画\n        requierd: true\n",
        "sections[0].questions[3].requierd",
        "requierd",
        "has_plan",
        "キー「requierd」は使えません",
    ),
    Broken(
        "text_question_scored",
        "      - id: cards\n        type: integer\n        text: 枚数\n",
        "      - id: cards\n        type: integer\n        text: 枚数\n"
        "      - id: memo\n        type: long_text\n        text: メモ\n"
        '        scoring: {method: yes_no, "yes": 1, "no": 0}\n',
        "sections[0].questions[2].scoring",
        "scoring: {method: yes_no",
        "memo",
        "採点できません",
    ),
    Broken(
        "scoring_method_wrong_for_type",
        'scoring: {method: yes_no, "yes": 1, "no": 0}',
        "scoring: {method: breakpoints, breakpoints: [[0, 0]]}",
        "sections[0].questions[3].scoring.method",
        "scoring: {method: breakpoints, breakpoints: [[0, 0]]}",
        "has_plan",
        "採点方法 breakpoints は使えません",
    ),
    Broken(
        "full_at_too_large",
        "scoring: {method: count}",
        "scoring: {method: count, full_at: 5}",
        "sections[1].questions[1].scoring.full_at",
        "full_at: 5",
        "tools",
        "full_at は 1 から 2",
    ),
    Broken(
        "duplicate_yaml_key",
        "        text: 計画\n",
        "        text: 計画\n        text: 計画2\n",
        "sections[0].questions[3].text",
        "text: 計画2",
        None,
        "2 回書かれています",
    ),
    Broken(
        "levels_count",
        "  - {level: 5, min: 80, label: L5}\n",
        "",
        "levels",
        "levels:",
        None,
        "ちょうど 5 つ",
    ),
    Broken(
        "pillar_without_scored_question",
        "    pillar: p2\n",
        "    pillar: p1\n",
        "pillars",
        "pillars:",
        None,
        "柱「p2」に採点する設問が 1 つもありません",
    ),
    Broken(
        "bad_id",
        "- id: has_plan",
        "- id: Has-Plan",
        "sections[0].questions[3].id",
        "Has-Plan",
        "Has-Plan",
        "半角英小文字",
    ),
    Broken(
        "condition_value_type",
        "{question: has_plan, equals: true}",
        "{question: has_plan, equals: はい}",
        "sections[0].questions[4].show_when.equals",
        "equals: はい",
        "plan_kind",
        "true か false",
    ),
    Broken(
        "unknown_scoring_method",
        "scoring: {method: count}",
        "scoring: {method: counts}",
        "sections[1].questions[1].scoring.method",
        "method: counts",
        "tools",
        "不明な採点方法",
    ),
    Broken(
        "binding_to_missing_question",
        "checks:\n",
        "bindings:\n  population: populaton\nchecks:\n",
        "bindings.population",
        "population: populaton",
        "populaton",
        "この版に設問「populaton」はありません",
    ),
    Broken(
        "binding_unknown_role",
        "checks:\n",
        "bindings:\n  populace: population\nchecks:\n",
        "bindings.populace",
        "populace: population",
        None,
        "不明な役割「populace」です（使える役割: population、cards_held",
    ),
    Broken(
        "binding_wrong_question_type",
        "checks:\n",
        "bindings:\n  cards_held: has_plan\nchecks:\n",
        "bindings.cards_held",
        "cards_held: has_plan",
        "has_plan",
        "integer・decimal の設問を指定してください（設問「has_plan」は yes_no です）",
    ),
    Broken(
        "binding_unknown_choice",
        "checks:\n",
        "bindings:\n  standard_status: {question: systems, choice: finished}\nchecks:\n",
        "bindings.standard_status.choice",
        "standard_status: {question: systems, choice: finished}",
        "systems",
        "設問「systems」に選択肢「finished」はありません",
    ),
    Broken(
        "binding_without_its_choice",
        "checks:\n",
        "bindings:\n  standard_status: systems\nchecks:\n",
        "bindings.standard_status.choice",
        "standard_status: systems",
        "systems",
        "数える選択肢を choice で書いてください",
    ),
]


def _line_of(text: str, marker: str) -> int:
    index = text.index(marker)
    return text.count("\n", 0, index) + 1


def _broken_text(base_yaml: str, case: Broken) -> str:
    assert case.old in base_yaml, case.name
    return base_yaml.replace(case.old, case.new, 1)


def test_base_file_is_valid(base_yaml: str) -> None:
    questionnaire, problems = read_questionnaire(base_yaml.encode(), "base.yaml")
    assert problems == []
    assert questionnaire is not None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_file_is_reported_and_not_loaded(
    base_yaml: str, case: Broken, tmp_path: Path
) -> None:
    text = _broken_text(base_yaml, case)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(path)
    questionnaire, problems = read_questionnaire(text.encode(), "broken.yaml")
    assert questionnaire is None
    assert list(info.value.problems) == problems

    matching = [p for p in problems if p.path == case.path and case.message in p.message]
    assert matching, "\n".join(str(p) for p in problems)
    problem = matching[0]
    line = _line_of(text, case.marker)
    assert problem.file == "broken.yaml"
    assert problem.line == line
    assert problem.question_id == case.question_id
    qid = f" [{case.question_id}]" if case.question_id else ""
    assert str(problem).startswith(f"broken.yaml:{line} {case.path}{qid} ")
    assert str(problem) in str(info.value)


def test_yaml_syntax_error_reports_line(base_yaml: str) -> None:
    text = base_yaml.replace("        text: ツール\n", "        text: ツール: x: y\n")
    questionnaire, problems = read_questionnaire(text.encode(), "syntax.yaml")
    assert questionnaire is None
    assert len(problems) == 1
    assert problems[0].line == _line_of(text, "ツール: x: y")
    assert "YAML の書き方に誤りがあります" in problems[0].message
    assert str(problems[0]).startswith(f"syntax.yaml:{problems[0].line} ")


def test_not_a_mapping_and_not_utf8() -> None:
    _, problems = read_questionnaire(b"- just\n- a list\n", "list.yaml")
    assert problems[0].message.startswith("キーと値の組")
    _, problems = read_questionnaire("key: テスト".encode("cp932"), "sjis.yaml")
    assert "UTF-8" in problems[0].message


def test_all_problems_reported_at_once(base_yaml: str) -> None:
    picked = [
        "unknown_type",
        "pillar_weight_zero",
        "choice_without_score",
        "recommendation_missing_case",
        "thresholds_not_increasing",
        "grid_without_rows",
        "cross_field_missing_question",
    ]
    text = base_yaml
    for case in CASES:
        if case.name in picked:
            text = text.replace(case.old, case.new, 1)
    with pytest.raises(QuestionnaireError) as info:
        load_bytes(text.encode(), "many.yaml")
    paths = {p.path for p in info.value.problems}
    expected = {c.path for c in CASES if c.name in picked}
    assert expected <= paths
    count = len(info.value.problems)
    assert str(info.value).startswith(f"調査票ファイルに {count} 件の問題があります。")
    lines = [p.line or 0 for p in info.value.problems]
    assert lines == sorted(lines)


def test_problem_str_without_line_or_question() -> None:
    assert str(Problem("a.yaml", "", "メッセージ")) == "a.yaml メッセージ"
    assert str(Problem("a.yaml", "key", "m", 3, "q1")) == "a.yaml:3 key [q1] m"
