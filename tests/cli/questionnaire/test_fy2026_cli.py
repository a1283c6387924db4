"""`dx-assess questionnaire check` and `diff 2025.1 2026.1` on the shipped files (README)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from dx_assess.services.versions import DEFAULT_ROOT


def test_check_and_diff_2025_to_2026(app: Flask, db_session: object) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["questionnaire", "check"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["questionnaire", "diff", "2025.1", "2026.1"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "版 2025.1 → 2026.1 の違い" in out
    assert "  std_status: on_schedule（0.7） → in_progress（0.3）" in out
    assert "  governance: 1.5 → 1" in out
    assert "  security: （なし） → 1" in out
    assert "廃止された設問（4 件）: basic_answer_date" in out
    assert "設問 id の変更: gov_security_policy → sec_policy_review" in out
    assert "採点から外れた設問（1 件）:" in out
    assert "  onl_26_total: 柱 online・重み 2・区切り点 0→0, 13→0.4, 26→1" in out
    assert "    前: 柱 mynumber・重み 1・はい 1 / いいえ 0.2" in out


def test_check_refuses_a_binding_to_a_question_the_version_lacks(
    app: Flask, db_session: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question renamed without its binding (the KPI would silently lose it) is an error
    of ``check`` naming the file, line, place and id."""
    copy = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_ROOT, copy, ignore=shutil.ignore_patterns("*.md"))
    path = copy / "dx-maturity" / "fy2026.yaml"
    text = path.read_text(encoding="utf-8")
    renamed = text.replace("- id: mnc_cards_held\n", "- id: mnc_cards\n", 1)
    renamed = renamed.replace("mnc_cards_held / basic_population", "mnc_cards / basic_population")
    renamed = renamed.replace("mnc_cards_held <= basic_population", "mnc_cards <= basic_population")
    renamed = renamed.replace(
        "    - question: std_gov_cloud\n",
        "    - question: mnc_cards\n      from: mnc_cards_held\n    - question: std_gov_cloud\n",
        1,
    )
    path.write_text(renamed, encoding="utf-8")
    monkeypatch.setitem(app.config, "DX_QUESTIONNAIRES_DIR", str(copy))
    result = app.test_cli_runner().invoke(args=["questionnaire", "check"])
    assert result.exit_code == 1, result.output
    line = renamed[: renamed.index("  cards_held: mnc_cards_held")].count("\n") + 1
    assert (
        f"dx-maturity/fy2026.yaml:{line} bindings.cards_held [mnc_cards_held] "
        "この版に設問「mnc_cards_held」はありません。"
        "previous.map で「mnc_cards」に移しているので、bindings も直してください"
    ) in result.output
    assert "Traceback" not in result.output
