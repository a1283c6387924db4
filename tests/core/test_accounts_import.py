"""Accounts in bulk (dx_assess.core.accounts_import): encodings, Excel, every problem found."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from dx_assess.core.accounts_import import plan_accounts
from dx_assess.core.registry.supported_list import RegistryEntry
from dx_assess.core.vocabulary import Role

REGISTRY = [
    RegistryEntry("014630", "占冠村", "勇払郡"),
    RegistryEntry("012025", "函館市", None),
    RegistryEntry("013439", "七飯町", "亀田郡"),
]
GOOD = (
    "ログインID,氏名,役割,団体コード,市町村名,メールアドレス\n"
    "shimukappu01,占冠村 総務課 山田,市町村職員,014630,,yamada@example.jp\n"
    "hakodate01,函館市 企画部 佐藤,市町村職員,,函館市,\n"
    "adv.kato,加藤 アドバイザー,アドバイザー,,,kato@example.jp\n"
    "pref-ito,伊藤,道庁,,,\n"
)


def plan(text: str, encoding: str = "utf-8", taken: tuple[str, ...] = ()) -> object:
    return plan_accounts(text.encode(encoding), "accounts.csv", REGISTRY, taken)


@pytest.mark.parametrize(
    ("encoding", "label"),
    [
        ("utf-8", "CSV（UTF-8）"),
        ("utf-8-sig", "CSV（UTF-8 (BOM付き)）"),
        ("cp932", "CSV（Shift_JIS (CP932)）"),
    ],
)
def test_a_good_file_in_each_encoding(encoding: str, label: str) -> None:
    result = plan(GOOD, encoding)
    assert result.problems == ()  # type: ignore[attr-defined]
    assert result.source == label  # type: ignore[attr-defined]
    accounts = result.accounts  # type: ignore[attr-defined]
    assert [(a.line, a.login, a.role, a.municipality_code) for a in accounts] == [
        (2, "shimukappu01", Role.MUNICIPAL, "014630"),
        (3, "hakodate01", Role.MUNICIPAL, "012025"),
        (4, "adv.kato", Role.ADVISER, None),
        (5, "pref-ito", Role.PREFECTURE, None),
    ]
    assert accounts[0].email == "yamada@example.jp"
    assert accounts[1].email is None
    assert accounts[1].municipality_name == "函館市"


def test_columns_in_any_order_and_full_width_digits() -> None:
    text = (
        "役割,メールアドレス,市町村名,ログインID,氏名\n"
        "市町村職員,,亀田郡七飯町,nanae01,七飯町 山本\n"
    )
    result = plan(text)
    assert result.problems == ()  # type: ignore[attr-defined]
    assert result.accounts[0].municipality_code == "013439"  # type: ignore[attr-defined]
    full_width = "ログインID,氏名,役割,団体コード\nnanae02,七飯町 川口,市町村職員,０１３４３９\n"
    assert plan(full_width).accounts[0].municipality_code == "013439"  # type: ignore[attr-defined]


def test_every_problem_with_its_line_and_column_and_nothing_planned() -> None:
    text = (
        "ログインID,氏名,役割,団体コード,市町村名,メールアドレス\n"
        "ok01,正しい人,市町村職員,014630,,\n"  # 2: fine, but nothing is planned
        "bad id,名前,市町村職員,014630,,\n"  # 3: login with a space
        "ok01,重複,アドバイザー,,,\n"  # 4: duplicate of line 2
        "taken01,既存,道庁,,,\n"  # 5: in use in the database
        "x02,名前,課長,,,\n"  # 6: unknown role
        "x03,名前,市町村職員,019999,,\n"  # 7: unknown municipality code
        "x04,名前,市町村職員,,札幌市,\n"  # 8: unknown name
        "x05,名前,市町村職員,014630,函館市,\n"  # 9: code and name disagree
        "x06,名前,アドバイザー,014630,,\n"  # 10: a municipality for an adviser
        "x07,名前,道庁,,,not-an-address\n"  # 11: bad e-mail
        "x08,,市町村職員,,,\n"  # 12: no name, no municipality
    )
    result = plan(text, taken=("Taken01",))
    assert result.accounts == ()  # type: ignore[attr-defined]
    found = [(p.line, p.column, p.message) for p in result.problems]  # type: ignore[attr-defined]
    assert [(line, column) for line, column, _m in found] == [
        (3, "ログインID"),
        (4, "ログインID"),
        (5, "ログインID"),
        (6, "役割"),
        (7, "団体コード"),
        (8, "市町村名"),
        (9, "市町村名"),
        (10, "団体コード"),
        (11, "メールアドレス"),
        (12, "氏名"),
        (12, "団体コード"),
    ]
    messages = dict(((line, column), m) for line, column, m in found)
    assert messages[(4, "ログインID")] == "ログインID「ok01」が2行目と重複しています。"
    assert messages[(5, "ログインID")] == "ログインID「taken01」は既に使われています。"
    assert (
        "「課長」は「市町村職員」「アドバイザー」「道庁」「システム管理者」のいずれか"
        in messages[(6, "役割")]
    )
    assert messages[(7, "団体コード")] == "「019999」は検査数字（6桁目）が正しくありません。"
    assert messages[(8, "市町村名")] == "「札幌市」という名前の市町村は北海道にありません。"
    assert messages[(9, "市町村名")] == "団体コード 014630 は占冠村で、市町村名と一致しません。"
    assert messages[(11, "メールアドレス")] == (
        "メールアドレス「not-an-address」の形が正しくありません（例: taro@town.example.lg.jp）。"
    )
    assert str(result.problems[0]).startswith("3行目 「ログインID」: ")  # type: ignore[attr-defined]


def test_a_missing_header_is_named() -> None:
    result = plan("ログインID,氏名\nabc,名前\n")
    assert result.accounts == ()  # type: ignore[attr-defined]
    (problem,) = result.problems  # type: ignore[attr-defined]
    assert (
        problem.message
        == "1行目に見出しが必要です。見つからない列: 役割、団体コード または 市町村名"
    )


def test_undecodable_and_empty_files() -> None:
    (problem,) = plan_accounts(b"\xff\xfe\x00a\x00b", "x.csv", REGISTRY, ()).problems
    assert "文字コードを判別できません" in problem.message
    (problem,) = plan_accounts(b"", "x.csv", REGISTRY, ()).problems
    assert problem.message == "ファイルが空です。"


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_file_with_a_code_typed_as_a_number() -> None:
    data = _xlsx(
        [
            ["ログインID", "氏名", "役割", "団体コード", "メールアドレス"],
            ["shimukappu02", "占冠村 田中", "市町村職員", 14630, None],  # leading zero lost
            [None, None, None, None, None],  # a blank row is skipped
            ["adv02", "アドバイザー 木村", "アドバイザー", None, "kimura@example.jp"],
        ]
    )
    result = plan_accounts(data, "accounts.xlsx", REGISTRY, ())
    assert result.problems == ()
    assert result.source == "Excel（.xlsx）"
    assert [(a.line, a.login, a.municipality_code) for a in result.accounts] == [
        (2, "shimukappu02", "014630"),
        (4, "adv02", None),
    ]


def test_a_damaged_excel_file_is_refused() -> None:
    result = plan_accounts(b"PK\x03\x04 not really a zip", "accounts.xlsx", REGISTRY, ())
    assert result.accounts == ()
    assert len(result.problems) == 1
    assert result.problems[0].line is None
