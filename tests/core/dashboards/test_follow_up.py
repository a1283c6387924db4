"""未提出団体の一覧 (dx_assess.core.dashboards.follow_up): filters, sorting, the CSV frame."""

from __future__ import annotations

from dx_assess.core.dashboards.exports import to_csv
from dx_assess.core.dashboards.follow_up import Contact, follow_up_frame, follow_up_list
from dx_assess.core.dashboards.status import StatusRow

LABELS = {
    "not_started": "未着手",
    "draft": "回答中",
    "reopened": "差し戻し中",
    "submitted": "提出済み",
}


def row(code: str, name: str, sub: str, status: str, last: str = "", percent: int = 0) -> StatusRow:
    return StatusRow(code, name, sub, True, status, LABELS[status], 0, 10, percent, last)


ROWS = [  # registry order
    row("011002", "札幌市", "石狩", "draft", "2026-11-20 10:00", 40),
    row("012025", "函館市", "渡島", "submitted", "2026-11-25 09:00", 100),
    row("014630", "占冠村", "上川", "not_started"),
    row("015750", "壮瞥町", "胆振", "reopened", "2026-11-22 15:30", 90),
    row("012033", "小樽市", "後志", "draft", "2026-11-21 08:00", 10),
]
CONTACTS = {
    "011002": Contact("佐藤", "DX推進課", "011-000-0000", "sato@example.jp", "札幌 担当A"),
    "012025": Contact("鈴木", None, None, None, "函館 担当"),
    "015750": Contact(None, None, None, None, "壮瞥 担当"),
    "012033": Contact("青木", "総務課", None, "aoki@example.jp", None),
}


def codes(listing: object) -> list[str]:
    return [r.code for r in listing.rows]  # type: ignore[attr-defined]


def test_by_default_every_municipality_not_submitted_in_registry_order_of_subprefectures() -> None:
    listing = follow_up_list(ROWS, CONTACTS)
    # 振興局 order: 石狩, 後志, 胆振, 上川 (SUBPREFECTURES); 函館 (submitted) left out
    assert codes(listing) == ["011002", "012033", "015750", "014630"]


def test_filter_by_status_and_subprefecture() -> None:
    assert codes(follow_up_list(ROWS, CONTACTS, status="draft")) == ["011002", "012033"]
    assert codes(follow_up_list(ROWS, CONTACTS, status="submitted")) == ["012025"]
    assert len(follow_up_list(ROWS, CONTACTS, status="all").rows) == 5
    assert codes(follow_up_list(ROWS, CONTACTS, status="all", subprefecture="渡島")) == ["012025"]
    assert codes(follow_up_list(ROWS, CONTACTS, subprefecture="根室")) == []
    # an unknown status falls back to 未提出
    assert follow_up_list(ROWS, CONTACTS, status="x").status == "unsubmitted"


def test_sort_by_last_activity_both_ways_with_never_saved_last() -> None:
    up = follow_up_list(ROWS, CONTACTS, sort="last_activity")
    assert codes(up) == ["011002", "012033", "015750", "014630"]
    down = follow_up_list(ROWS, CONTACTS, sort="last_activity", descending=True)
    assert codes(down) == ["015750", "012033", "011002", "014630"]


def test_sort_by_status_and_contact() -> None:
    # 未着手 → 回答中 → 差し戻し中; ties keep the registry order
    assert codes(follow_up_list(ROWS, CONTACTS, sort="status")) == [
        "014630",
        "011002",
        "012033",
        "015750",
    ]
    # 佐藤 < 青木 in code points (佐 U+4F50 < 青 U+9752); those without a contact last, in
    # the order given (the registry's: 014630 before 015750)
    assert codes(follow_up_list(ROWS, CONTACTS, sort="contact")) == [
        "011002",
        "012033",
        "014630",
        "015750",
    ]


def test_contact_and_last_saver_in_the_rows() -> None:
    first = follow_up_list(ROWS, CONTACTS).rows[0]
    assert (first.contact_name, first.contact_section) == ("佐藤", "DX推進課")
    assert (first.contact_phone, first.contact_email) == ("011-000-0000", "sato@example.jp")
    assert first.last_saved_by == "札幌 担当A"
    never = next(r for r in follow_up_list(ROWS, CONTACTS).rows if r.code == "014630")
    assert (never.contact_name, never.last_activity, never.last_saved_by) == ("", "", "")


def test_csv_has_japanese_headers_and_a_bom() -> None:
    data = to_csv(follow_up_frame(follow_up_list(ROWS, CONTACTS, status="draft")))
    assert data.startswith("\ufeff".encode())
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == (
        "団体コード,振興局,市町村,状態,進み具合（％）,回答担当者,所属,電話番号,"
        "メールアドレス,最終更新（日本時間）,最終更新者"
    )
    assert lines[1].startswith("011002,石狩,札幌市,回答中,40,佐藤,DX推進課,011-000-0000,")
    assert len([line for line in lines if line]) == 3
