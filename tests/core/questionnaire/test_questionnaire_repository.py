"""check_root / discover / resolve over a folder of questionnaire files."""

from __future__ import annotations

from pathlib import Path

import pytest

from dx_assess.core.questionnaire import (
    QuestionnaireError,
    check_root,
    content_hash,
    diff_versions,
    discover,
    format_file_list,
    latest_versions,
    load_version,
    resolve,
)
from tests.support.paths import REPO

NEXT_VERSION_MAP = 'previous:\n  version: "2024.1"\nlevels:\n'


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _next(base_yaml: str, version: str = "2025.1", year: int = 2025) -> str:
    text = base_yaml.replace('version: "2024.1"', f'version: "{version}"')
    text = text.replace("fiscal_year: 2024", f"fiscal_year: {year}")
    return text.replace("levels:\n", NEXT_VERSION_MAP, 1)


def test_clean_root(tmp_path: Path, base_yaml: str) -> None:
    _write(tmp_path, "test-q/v1.yaml", base_yaml)
    _write(tmp_path, "test-q/v2.yaml", _next(base_yaml))
    _write(tmp_path, "test-q/_draft.yaml", "not: [valid")
    _write(tmp_path, "README.md", "# notes")
    assert check_root(tmp_path) == []
    infos = discover(tmp_path)
    assert [(i.name, i.version) for i in infos] == [
        ("test-q/v1.yaml", "2024.1"),
        ("test-q/v2.yaml", "2025.1"),
    ]
    assert infos[0].content_hash == content_hash(base_yaml.encode())
    assert load_version(tmp_path, "test-q", "2025.1").fiscal_year == 2025
    assert resolve(tmp_path, "test-q:2024.1").version == "2024.1"
    assert resolve(tmp_path, "2025.1").version == "2025.1"
    assert resolve(tmp_path, str(tmp_path / "test-q" / "v1.yaml")).version == "2024.1"
    assert latest_versions(tmp_path)["test-q"].version == "2025.1"
    with pytest.raises(LookupError):
        load_version(tmp_path, "test-q", "1999.1")
    with pytest.raises(LookupError):
        resolve(tmp_path, "9.9")


def test_cross_file_problems(tmp_path: Path, base_yaml: str) -> None:
    _write(tmp_path, "test-q/v1.yaml", base_yaml)
    _write(tmp_path, "test-q/v1-copy.yaml", base_yaml)
    _write(tmp_path, "other/v1.yaml", base_yaml.replace("key: test-q", "key: other-key"))
    orphan = base_yaml.replace('version: "2024.1"', 'version: "2026.1"').replace(
        "levels:\n", 'previous:\n  version: "2025.9"\nlevels:\n', 1
    )
    _write(tmp_path, "test-q/v3.yaml", orphan)
    _write(tmp_path, "test-q/broken.yaml", base_yaml.replace("type: yes_no", "type: yesno"))
    problems = check_root(tmp_path)
    found = {(p.file, p.path) for p in problems}
    assert ("test-q/v1.yaml", "version") in found or ("test-q/v1-copy.yaml", "version") in found
    assert ("other/v1.yaml", "key") in found
    assert ("test-q/v3.yaml", "previous.version") in found
    assert ("test-q/broken.yaml", "sections[0].questions[3].type") in found
    assert len(problems) == 4
    broken = next(i for i in discover(tmp_path) if i.name == "test-q/broken.yaml")
    assert not broken.ok
    assert broken.questionnaire is None
    assert broken.key is None


def test_map_problems_are_found_by_check_root(tmp_path: Path, base_yaml: str) -> None:
    _write(tmp_path, "test-q/v1.yaml", base_yaml)
    v2 = _next(base_yaml).replace("- id: tools", "- id: tool_list")
    _write(tmp_path, "test-q/v2.yaml", v2)
    problems = check_root(tmp_path)
    assert [(p.file, p.question_id) for p in problems] == [("test-q/v2.yaml", "tools")]
    assert "行き先がありません" in problems[0].message


def test_resolve_reports_broken_file(tmp_path: Path, base_yaml: str) -> None:
    path = _write(tmp_path, "x/bad.yaml", base_yaml.replace("weight: 2}", "weight: -2}"))
    with pytest.raises(QuestionnaireError) as info:
        resolve(tmp_path, str(path))
    assert info.value.problems[0].path == "pillars[1].weight"


def test_readme_walkthrough_adds_a_question(tmp_path: Path) -> None:
    """The "add a question" steps in questionnaires/README.md give a clean new version."""
    source = REPO / "questionnaires" / "dx-maturity"
    root = tmp_path / "questionnaires"
    for name in ("fy2024.yaml", "fy2025.yaml"):
        _write(root, f"dx-maturity/{name}", (source / name).read_text(encoding="utf-8"))
    text = (source / "fy2025.yaml").read_text(encoding="utf-8")
    text = text.replace('version: "2025.1"', 'version: "2026.1"')
    text = text.replace("fiscal_year: 2025", "fiscal_year: 2026")
    start, end = text.index("previous:\n"), text.index("\nlevels:\n")
    text = text[:start] + 'previous:\n  version: "2025.1"\n' + text[end:]
    anchor = "      - id: gov_consult\n"
    text = text.replace(
        anchor,
        """\
      - id: gov_telework_devices
        type: integer
        text: テレワークに使える職員用の端末は何台ありますか。
        help: 持ち出して使えるパソコンやタブレットの台数です。
        unit: 台
        min: 0
        show_when: {question: gov_telework, in: [all, partly, trial]}
        scoring:
          method: breakpoints
          breakpoints: [[0, 0], [10, 0.5], [30, 1]]
"""
        + anchor,
    )
    text += """\
  - id: rec_telework_devices
    pillar: governance
    when: {question: gov_telework_devices, lt: 5}
    title: テレワーク用の端末を増やしましょう
    text: >-
      災害や感染症のときにも業務を続けられるよう、持ち出せる端末を用意しておきましょう。
"""
    _write(root, "dx-maturity/fy2026.yaml", text)
    assert check_root(root) == []
    d = diff_versions(resolve(root, "2025.1"), resolve(root, "dx-maturity:2026.1"))
    assert d.added == ("gov_telework_devices",)
    assert d.removed == ()
    assert d.changed == ()
    assert d.renamed == ()
    assert d.split == ()
    assert d.recommendations_added == ("rec_telework_devices",)


def test_format_file_list(tmp_path: Path, base_yaml: str) -> None:
    _write(tmp_path, "test-q/v1.yaml", base_yaml)
    _write(tmp_path, "test-q/bad.yaml", "key: [")
    lines = format_file_list(discover(tmp_path))
    assert lines[0].startswith("test-q  版 2024.1  2024年度  テスト調査票  設問 7 問  sha256:")
    assert lines[1] == "test-q/bad.yaml  読み込めません（問題 1 件。check で確かめてください）"
