"""The shared vocabulary: Japanese calendar, statuses and their one order, role sets, numbers."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

from dx_assess.core.vocabulary import (
    IN_PROGRESS,
    PREFECTURE_STAFF,
    STATUS_ORDER,
    SUPPORT_STAFF,
    ResponseStatus,
    Role,
    RoundState,
    Status,
    answer_number,
    cell_number,
    jst,
    reiwa,
    wareki,
    wareki_time,
)


def test_reiwa_fiscal_years_and_dates() -> None:
    assert reiwa(2019) == "令和元年度"
    assert reiwa(2025) == "令和7年度"
    assert wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki(date(2026, 12, 1)) == "令和8年12月1日"


def test_wareki_time_is_japan_time_in_the_japanese_calendar() -> None:
    # 15:30 UTC on 31 March is 00:30 on 1 April in Japan: the date changes too
    assert wareki_time(datetime(2026, 3, 31, 15, 30, tzinfo=UTC)) == "令和8年4月1日 00:30"
    assert wareki_time(datetime(2026, 11, 22, 5, 5, tzinfo=UTC)) == "令和8年11月22日 14:05"
    # before 令和: 14:59 UTC on 30 April 2019 is 23:59 in Japan, still 平成
    assert wareki_time(datetime(2019, 4, 30, 14, 59, tzinfo=UTC)) == "平成31年4月30日 23:59"


def test_jst_shows_japan_time() -> None:
    # 15:30 UTC is half past midnight of the next day in Japan (UTC+9, no summer time)
    assert jst(datetime(2026, 3, 31, 15, 30, tzinfo=UTC)) == "2026-04-01 00:30"
    assert jst(None) == ""


def test_one_status_order_from_nothing_done_to_done() -> None:
    assert [s.label for s in STATUS_ORDER] == ["未着手", "回答中", "差し戻し中", "提出済み"]
    assert {Status.DRAFT, Status.REOPENED} == IN_PROGRESS


def test_every_stored_status_is_a_status_with_the_same_value() -> None:
    # the stored values are the schema's CHECK constraint: they must not change
    assert [s.value for s in ResponseStatus] == ["draft", "submitted", "reopened"]
    assert {Status.of(s) for s in ResponseStatus} == set(Status) - {Status.NOT_STARTED}
    assert Status.of(None) is Status.NOT_STARTED
    assert Status.of(ResponseStatus.REOPENED) == "reopened"


def test_round_states_keep_their_codes_and_labels() -> None:
    assert [(s.code, s.label) for s in RoundState] == [
        ("scheduled", "開始前"),
        ("open", "回答受付中"),
        ("closed", "締切済み"),
    ]


def test_every_label_is_in_the_translation_list() -> None:
    from dx_assess.web.labels import KNOWN

    known = {str(k) for k in KNOWN}
    assert {s.label for s in Status} | {s.label for s in RoundState} <= known


def test_role_sets() -> None:
    assert [r.value for r in Role] == ["municipal", "adviser", "prefecture", "admin"]
    assert {Role.PREFECTURE, Role.ADMIN} == PREFECTURE_STAFF
    assert set(Role) - {Role.MUNICIPAL} == SUPPORT_STAFF


def test_numbers() -> None:
    assert answer_number(3) == 3.0
    assert answer_number(2.5) == 2.5
    assert answer_number(True) is None  # a yes/no is not a number
    assert answer_number("3") is None
    assert answer_number(None) is None
    assert cell_number(None) is None
    assert cell_number(math.nan) is None
    assert cell_number(4) == 4.0
