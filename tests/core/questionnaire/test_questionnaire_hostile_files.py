"""Questionnaire files that once crashed the loader: each is now a Japanese problem naming the
file and the line, found fast and in bounded memory, and one broken file leaves the others
readable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dx_assess.core.questionnaire import check_root, discover, read_questionnaire
from dx_assess.core.questionnaire.loader import MAX_FILE_BYTES
from dx_assess.core.questionnaire.yamlsrc import MAX_ALIASES, MAX_DEPTH


def problems_of(text: str | bytes, name: str = "dx-maturity/broken.yaml") -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    questionnaire, problems = read_questionnaire(data, name)
    assert questionnaire is None
    return [str(p) for p in problems]


def test_a_vertical_tab_pasted_from_word_names_file_line_and_character(base_yaml: str) -> None:
    text = base_yaml.replace("text: 枚数", "text: 枚\x0b数")
    line = text.split("\n").index("        text: 枚\x0b数") + 1
    [problem] = problems_of(text)
    assert problem.startswith(f"dx-maturity/broken.yaml:{line} ")
    assert "制御文字" in problem
    assert "U+000B" in problem


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_nesting_is_refused_with_the_line(style: str, base_yaml: str) -> None:
    depth = 2000
    if style == "flow":
        text = base_yaml + "description: " + "[" * depth + "]" * depth + "\n"
    else:
        text = base_yaml + "description:\n  " + "- " * depth + "x\n"
    [problem] = problems_of(text)
    assert problem.startswith("dx-maturity/broken.yaml:")
    assert f"入れ子が深すぎます（{MAX_DEPTH} 段まで）" in problem


def test_a_3000_term_formula_is_refused_with_its_location(base_yaml: str) -> None:
    formula = " + ".join(["cards"] * 3000)
    text = base_yaml.replace("formula: cards / population * 100", f"formula: {formula}")
    problems = problems_of(text)
    assert len(problems) == 1
    assert "sections[0].questions[2].formula [rate]" in problems[0]
    assert "計算式の誤り: 式が長すぎます" in problems[0]


def test_a_deeply_parenthesised_rule_is_refused(base_yaml: str) -> None:
    rule = "(" * 300 + "cards" + ")" * 300 + " <= population"
    text = base_yaml.replace("rule: cards <= population", f'rule: "{rule}"')
    problems = problems_of(text)
    assert len(problems) == 1
    assert "checks[0].rule" in problems[0]
    assert "チェック式の誤り" in problems[0]


def test_a_large_file_is_refused_before_parsing(base_yaml: str) -> None:
    data = base_yaml.encode() + b"# " + b"x" * MAX_FILE_BYTES + b"\n"
    [problem] = problems_of(data)
    assert "ファイルが大きすぎます" in problem


BILLION_LAUGHS = textwrap.dedent(
    """\
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    """
)


def test_billion_laughs_fails_fast_in_bounded_memory(tmp_path: Path) -> None:
    """Run in a child process limited to 600 MB of address space and 60 s, so that a
    regression fails this test instead of exhausting the machine."""
    assert len(BILLION_LAUGHS.encode()) < 1000
    source = tmp_path / "laughs.yaml"
    source.write_text(BILLION_LAUGHS, encoding="utf-8")
    child = textwrap.dedent(
        f"""\
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (600 * 2**20, 600 * 2**20))
        from dx_assess.core.questionnaire import read_questionnaire
        data = open({str(source)!r}, "rb").read()
        q, problems = read_questionnaire(data, "dx-maturity/laughs.yaml")
        assert q is None
        print("\\n".join(str(p) for p in problems))
        """
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert time.monotonic() - started < 30
    assert done.stdout.startswith("dx-maturity/laughs.yaml:")
    assert f"別名（*）の展開が多すぎます（{MAX_ALIASES:,} 個まで）" in done.stdout


def test_a_few_anchors_still_work(base_yaml: str) -> None:
    text = base_yaml.replace(
        "        statuses:\n"
        "          - {value: todo, label: 未着手, score: 0}\n"
        "          - {value: done, label: 完了, score: 1}\n"
        "          - {value: na, label: 対象外, not_applicable: true}\n",
        "        statuses: &statuses\n"
        "          - {value: todo, label: 未着手, score: 0}\n"
        "          - {value: done, label: 完了, score: 1}\n"
        "          - {value: na, label: 対象外, not_applicable: true}\n",
    ).replace(
        "        rows:\n          - {id: r1, label: 行1}\n",
        "        rows:\n          - {id: r1, label: 行1}\n",
    )
    questionnaire, problems = read_questionnaire(text.encode(), "ok.yaml")
    assert problems == []
    assert questionnaire is not None


def test_one_broken_file_leaves_the_others_readable(tmp_path: Path, base_yaml: str) -> None:
    folder = tmp_path / "test-q"
    folder.mkdir()
    (folder / "good.yaml").write_text(base_yaml, encoding="utf-8")
    (folder / "tab.yaml").write_text(base_yaml.replace("人口", "人\x0b口"), encoding="utf-8")
    (folder / "deep.yaml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    (folder / "laughs.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")
    infos = {i.name: i for i in discover(tmp_path)}
    assert infos["test-q/good.yaml"].ok
    for name in ("test-q/tab.yaml", "test-q/deep.yaml", "test-q/laughs.yaml"):
        assert not infos[name].ok
        assert all(p.file == name for p in infos[name].problems)
    problems = check_root(tmp_path)
    broken = {"test-q/tab.yaml", "test-q/deep.yaml", "test-q/laughs.yaml"}
    assert {p.file for p in problems} == broken


def test_a_missing_or_empty_folder_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    [problem] = check_root(missing)
    assert "調査票のフォルダがありません" in str(problem)
    assert str(missing) in str(problem)
    empty = tmp_path / "empty"
    empty.mkdir()
    [problem] = check_root(empty)
    assert "調査票のファイル（.yaml）が 1 つもありません" in str(problem)
