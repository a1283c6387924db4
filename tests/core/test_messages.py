"""dx_assess.core.messages: a Message is its Japanese text, and keeps what a page needs to
translate it."""

from __future__ import annotations

import pickle
from datetime import date

from dx_assess.core.messages import N_, FiscalYear, Message, message_of


def test_a_message_is_its_japanese_text_with_the_parameters_filled() -> None:
    m = N_("ログインID「%(login)s」は既に使われています。", login="pref01")
    assert m == "ログインID「pref01」は既に使われています。"
    assert isinstance(m, str)
    assert m.msgid == "ログインID「%(login)s」は既に使われています。"
    assert dict(m.params) == {"login": "pref01"}
    assert f"{m}!" == "ログインID「pref01」は既に使われています。!"


def test_without_parameters_a_percent_sign_is_left_alone() -> None:
    assert N_("100%です") == "100%です"


def test_dates_fiscal_years_and_locations_as_parameters() -> None:
    m = N_("%(year)sの締切日は%(day)sまでです。", year=FiscalYear(2025), day=date(2027, 3, 31))
    assert m == "令和7年度の締切日は令和9年3月31日までです。"
    where = (N_("シート「%(sheet)s」", sheet="回答"), N_("%(n)d行目", n=12), "[x]")
    assert N_("%(where)s: %(message)s", where=where, message=N_("空です")) == (
        "シート「回答」 12行目 [x]: 空です"
    )


def test_a_message_survives_pickling_and_is_found_in_an_exception() -> None:
    m = N_("%(n)d行目", n=3)
    again = pickle.loads(pickle.dumps(m))  # noqa: S301 (our own bytes)
    assert isinstance(again, Message)
    assert (again, again.msgid, dict(again.params)) == ("3行目", "%(n)d行目", {"n": 3})
    found = message_of(ValueError(m))
    assert isinstance(found, Message)
    assert found.msgid == "%(n)d行目"
    assert message_of(ValueError("plain")) == "plain"
    assert not isinstance(message_of(ValueError("plain")), Message)
