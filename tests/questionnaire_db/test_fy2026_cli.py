"""`dx-assess questionnaire check` and `diff 2025.1 2026.1` on the shipped files (README)."""

from __future__ import annotations

from flask import Flask


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
