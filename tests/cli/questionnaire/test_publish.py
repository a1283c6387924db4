"""Publishing questionnaire versions: registered with a hash, immutable afterwards."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from dx_assess.core.questionnaire import content_hash, load_questionnaire
from dx_assess.core.questionnaire.bindings import CARDS_HELD, STANDARD_STATUS
from dx_assess.core.questionnaire.model import Binding
from dx_assess.extensions import db
from dx_assess.models import QuestionnaireVersion
from dx_assess.services.versions import (
    DEFAULT_ROOT,
    PublishError,
    check_files,
    load_published,
    publish,
    published_bindings,
    statuses,
)


@pytest.fixture
def root(tmp_path: Path, app: Flask, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the shipped questionnaires, used by the app and the CLI."""
    copy = tmp_path / "questionnaires"
    shutil.copytree(DEFAULT_ROOT, copy, ignore=shutil.ignore_patterns("*.md"))
    monkeypatch.setitem(app.config, "DX_QUESTIONNAIRES_DIR", str(copy))
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_publish_registers_the_file_with_its_hash(db_session: object, root: Path) -> None:
    path = root / "dx-maturity" / "fy2024.yaml"
    row, created = publish(db.session, root, "dx-maturity", "2024.1", actor="tester")
    db.session.commit()
    assert created
    assert row.content_hash == content_hash(path)
    assert row.content == path.read_text(encoding="utf-8")
    assert (row.fiscal_year, row.published_by, row.source_name) == (
        2024,
        "tester",
        "dx-maturity/fy2024.yaml",
    )


def test_publishing_an_unchanged_file_again_changes_nothing(db_session: object, root: Path) -> None:
    publish(db.session, root, "dx-maturity", "2024.1", actor="a")
    _row, created = publish(db.session, root, "dx-maturity", "2024.1", actor="b")
    assert not created
    assert db.session.scalar(select(func.count(QuestionnaireVersion.id))) == 1


def test_changed_file_under_a_published_version_is_refused(db_session: object, root: Path) -> None:
    path = root / "dx-maturity" / "fy2024.yaml"
    publish(db.session, root, "dx-maturity", "2024.1", actor="a")
    db.session.commit()
    stored = db.session.scalar(select(QuestionnaireVersion.content))
    edit(path, "市町村DX成熟度調査", "市町村DX成熟度調査（改）")

    with pytest.raises(PublishError) as caught:
        publish(db.session, root, "dx-maturity", "2024.1", actor="a")
    message = caught.value.messages[0]
    assert "dx-maturity/fy2024.yaml" in message
    assert "公開済みの版は変更できません" in message
    assert "version を上げた新しいファイルを作り" in message
    # the stored definition is untouched
    assert db.session.scalar(select(QuestionnaireVersion.content)) == stored
    # and check reports the change too
    assert any("公開済みの版は変更できません" in m for m in check_files(db.session, root))
    status = {s.version: s for s in statuses(db.session, root)}
    assert status["2024.1"].changed_since_published
    assert not status["2025.1"].changed_since_published


def test_a_round_keeps_the_published_definition_when_the_file_changes(
    db_session: object, root: Path
) -> None:
    path = root / "dx-maturity" / "fy2024.yaml"
    original = load_questionnaire(path)
    row, _ = publish(db.session, root, "dx-maturity", "2024.1", actor="a")
    edit(path, "市町村DX成熟度調査", "別の題名")
    assert load_published(row) == original


def test_a_broken_file_cannot_be_published(db_session: object, root: Path) -> None:
    path = root / "dx-maturity" / "fy2025.yaml"
    edit(path, "weight:", "weight: -1 #")
    with pytest.raises(PublishError) as caught:
        publish(db.session, root, "dx-maturity", "2025.1", actor="a")
    messages = caught.value.messages
    assert "版 2025.1 のファイルが" in messages[0]
    assert "読み込めないファイルがあります" in messages[1]
    assert all(m.startswith("dx-maturity/fy2025.yaml:") for m in messages[2:])
    assert len(messages) > 2
    assert db.session.scalar(select(func.count(QuestionnaireVersion.id))) == 0


def test_unknown_version_is_refused(db_session: object, root: Path) -> None:
    with pytest.raises(PublishError, match=r"版 2030\.1 のファイルが"):
        publish(db.session, root, "dx-maturity", "2030.1", actor="a")


def test_cli_check_list_diff_publish(app: Flask, db_session: object, root: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["questionnaire", "check"])
    assert result.exit_code == 0, result.output
    assert "問題はありません（3 ファイル）" in result.output

    result = runner.invoke(args=["questionnaire", "publish", "dx-maturity", "2024.1"])
    assert result.exit_code == 0, result.output
    assert "dx-maturity:2024.1 を公開しました" in result.output

    result = runner.invoke(args=["questionnaire", "list"])
    assert "dx-maturity:2024.1\t2024年度" in result.output
    assert "公開済み" in result.output
    assert "未公開" in result.output

    result = runner.invoke(args=["questionnaire", "diff", "2024.1", "2025.1"])
    assert result.exit_code == 0, result.output
    assert "版 2024.1 → 2025.1 の違い" in result.output

    edit(root / "dx-maturity" / "fy2024.yaml", "市町村DX成熟度調査", "改題")
    result = runner.invoke(args=["questionnaire", "publish", "dx-maturity", "2024.1"])
    assert result.exit_code == 1
    assert "公開済みの版は変更できません" in result.output
    result = runner.invoke(args=["questionnaire", "check"])
    assert result.exit_code == 1
    assert "公開済みの版は変更できません" in result.output


def test_a_version_published_without_bindings_is_read_through_the_newer_map(
    db_session: object, root: Path
) -> None:
    """2024.1 and 2025.1 are published and declare no bindings (a published version never
    changes): they get them from 2026.1, traced back through the maps: from its file while it
    is not published, from the published content once it is (the file no longer matters)."""
    old, _ = publish(db.session, root, "dx-maturity", "2024.1", actor="test")
    middle, _ = publish(db.session, root, "dx-maturity", "2025.1", actor="test")
    assert load_published(middle).bindings == ()

    def check(row: QuestionnaireVersion) -> None:
        bindings = published_bindings(db.session, row)
        assert bindings.question(CARDS_HELD) == "mnc_cards_held"
        assert bindings.get(STANDARD_STATUS) == Binding(
            STANDARD_STATUS, "std_status", ("completed",)
        )
        assert set(bindings.traced.values()) == {"2026.1"}

    for row in (old, middle):
        check(row)  # 2026.1 from its file
    publish(db.session, root, "dx-maturity", "2026.1", actor="test")
    (root / "dx-maturity" / "fy2026.yaml").unlink()
    for row in (old, middle):
        check(row)  # 2026.1 as published
    db.session.delete(
        db.session.scalars(select(QuestionnaireVersion).filter_by(version="2026.1")).one()
    )
    assert published_bindings(db.session, middle).by_role == {}  # nothing later declares them
