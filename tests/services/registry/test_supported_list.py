"""Setting the support-programme list (対象市町村) from a CSV of codes or names."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from dx_assess.core.registry.supported_list import SupportedListError
from dx_assess.extensions import db
from dx_assess.models import Municipality, SupportedListChange
from dx_assess.services.registry import set_supported_list


def supported_codes() -> list[str]:
    return list(
        db.session.scalars(
            select(Municipality.code).where(Municipality.supported).order_by(Municipality.code)
        )
    )


def apply(text: str, encoding: str = "utf-8") -> object:
    result = set_supported_list(
        db.session, text.encode(encoding), source_name="test.csv", actor="tester"
    )
    db.session.commit()
    return result


GOOD_FILE = "団体コード,市町村名\n012025,函館市\n014630,占冠村\n016942,羅臼町\n"


def test_good_file_with_codes_and_names(registry: None) -> None:
    result = apply(GOOD_FILE)
    assert supported_codes() == ["012025", "014630", "016942"]
    assert result.added == ["012025 函館市", "014630 占冠村", "016942 羅臼町"]  # type: ignore[attr-defined]
    change = db.session.scalar(select(SupportedListChange))
    assert change is not None
    assert (change.changed_by, change.source_name, change.supported_count) == (
        "tester",
        "test.csv",
        3,
    )


def test_utf8_with_bom(registry: None) -> None:
    result = apply("\ufeff" + GOOD_FILE)
    assert supported_codes() == ["012025", "014630", "016942"]
    assert result.encoding_label == "UTF-8 (BOM付き)"  # type: ignore[attr-defined]


def test_shift_jis_file(registry: None) -> None:
    result = apply("市町村名\r\n函館市\r\n占冠村\r\n羅臼町\r\n", encoding="cp932")
    assert supported_codes() == ["012025", "014630", "016942"]
    assert result.encoding_label == "Shift_JIS (CP932)"  # type: ignore[attr-defined]


def test_headerless_mixture_of_code_forms_and_names(registry: None) -> None:
    # 12025 = 012025 with its leading zero lost in a spreadsheet; 01463 = 5-digit code of 占冠村;
    # a name with its 郡, and one with 北海道 and a full-width space.
    apply("12025\n01463\n目梨郡羅臼町\n北海道　稚内市\n")
    assert supported_codes() == ["012025", "012149", "014630", "016942"]


def test_replacing_the_list_reports_added_and_removed(registry: None) -> None:
    apply(GOOD_FILE)
    result = apply("code\n012025\n011002\n")
    assert supported_codes() == ["011002", "012025"]
    assert result.added == ["011002 札幌市"]  # type: ignore[attr-defined]
    assert result.removed == ["014630 占冠村", "016942 羅臼町"]  # type: ignore[attr-defined]


def test_unknown_codes_and_names_are_all_listed_and_nothing_changes(registry: None) -> None:
    apply(GOOD_FILE)
    bad = "団体コード\n012025\n999999\n012024\n131016\nabc\n"
    with pytest.raises(SupportedListError) as caught:
        apply(bad)
    messages = [str(p) for p in caught.value.problems]
    assert messages == [
        "3行目: 「999999」は検査数字（6桁目）が正しくありません",
        "4行目: 「012024」は検査数字（6桁目）が正しくありません",
        "5行目: 「131016」という団体コードは北海道の市町村にありません",
        "6行目: 「abc」は団体コードの形（6桁または5桁の数字）ではありません",
    ]
    db.session.rollback()
    assert supported_codes() == ["012025", "014630", "016942"]
    assert len(db.session.scalars(select(SupportedListChange)).all()) == 1


def test_unknown_names_are_listed(registry: None) -> None:
    with pytest.raises(SupportedListError) as caught:
        apply("市町村名\n函館市\n新宿区\n札幌\n")
    assert [str(p) for p in caught.value.problems] == [
        "3行目: 「新宿区」という名前の市町村は北海道にありません",
        "4行目: 「札幌」という名前の市町村は北海道にありません",
    ]


def test_code_and_name_that_disagree(registry: None) -> None:
    with pytest.raises(SupportedListError) as caught:
        apply("団体コード,市町村名\n012025,札幌市\n")
    assert "団体コード 012025 は函館市で、名前と一致しません" in str(caught.value.problems[0])


def test_empty_file_is_refused(registry: None) -> None:
    apply(GOOD_FILE)
    with pytest.raises(SupportedListError, match="1件も書かれていません"):
        apply("団体コード\n\n")
    db.session.rollback()
    assert len(supported_codes()) == 3


def test_undecodable_bytes_are_refused(registry: None) -> None:
    with pytest.raises(SupportedListError, match="文字コードを判別できません"):
        set_supported_list(db.session, b"\x80\xff\xfe\x00abc", source_name="x.csv", actor="t")


def test_cli_sets_the_list_from_a_shift_jis_file(
    app: Flask, registry: None, tmp_path: Path
) -> None:
    path = tmp_path / "taisho.csv"
    path.write_bytes("団体コード,市町村名\r\n012025,函館市\r\n".encode("cp932"))
    result = app.test_cli_runner().invoke(args=["registry", "set-supported", str(path), "--demo"])
    assert result.exit_code == 0, result.output
    assert "支援対象: 1 市町村（デモ用の選定）" in result.output
    db.session.expire_all()
    assert supported_codes() == ["012025"]


def test_cli_reports_every_unknown_entry_and_exits_nonzero(
    app: Flask, registry: None, tmp_path: Path
) -> None:
    apply(GOOD_FILE)
    path = tmp_path / "bad.csv"
    path.write_text("012025\n999999\n新宿区\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["registry", "set-supported", str(path)])
    assert result.exit_code == 1
    assert "何も変更していません" in result.output
    assert "2行目: 「999999」" in result.output
    assert "3行目: 「新宿区」" in result.output
    db.session.expire_all()
    assert supported_codes() == ["012025", "014630", "016942"]


def test_cli_registry_load_is_idempotent(app: Flask, db_session: object) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["registry", "load"])
    assert first.exit_code == 0, first.output
    assert "市町村: 追加 179、更新 0" in first.output
    second = runner.invoke(args=["registry", "load"])
    assert second.exit_code == 0
    assert "変更はありません" in second.output
