"""The default round and where 「回答する」 leads (dx_assess.core.round_choice), by hand."""

from __future__ import annotations

from datetime import date

from dx_assess.core.round_choice import (
    RoundFacts,
    default_round_id,
    first_unfinished_section,
    opening_day,
)
from dx_assess.core.vocabulary import RoundState

OPEN, SCHEDULED, CLOSED = RoundState.OPEN, RoundState.SCHEDULED, RoundState.CLOSED


def test_no_round_no_default() -> None:
    assert default_round_id([]) is None


def test_the_open_round_wins_over_a_newer_scheduled_one() -> None:
    rounds = [RoundFacts(1, 2025, OPEN, 10), RoundFacts(2, 2026, SCHEDULED, 0)]
    assert default_round_id(rounds) == 1


def test_without_an_open_round_the_latest_with_responses() -> None:
    # next year's round exists, not open, no responses: last year's closed round is shown
    rounds = [
        RoundFacts(3, 2026, SCHEDULED, 0),
        RoundFacts(2, 2025, CLOSED, 40),
        RoundFacts(1, 2024, CLOSED, 50),
    ]
    assert default_round_id(rounds) == 2


def test_an_open_round_without_responses_is_still_the_open_round() -> None:
    rounds = [RoundFacts(1, 2025, CLOSED, 40), RoundFacts(2, 2026, OPEN, 0)]
    assert default_round_id(rounds) == 2


def test_the_order_given_does_not_matter() -> None:
    rounds = [
        RoundFacts(1, 2024, CLOSED, 5),
        RoundFacts(3, 2026, CLOSED, 1),
        RoundFacts(2, 2025, CLOSED, 0),
    ]
    assert default_round_id(rounds) == 3
    assert default_round_id(list(reversed(rounds))) == 3


def test_nothing_answered_anywhere_the_latest_round() -> None:
    rounds = [RoundFacts(1, 2025, CLOSED, 0), RoundFacts(2, 2026, SCHEDULED, 0)]
    assert default_round_id(rounds) == 2


def test_opening_day_only_for_a_round_not_yet_open() -> None:
    assert opening_day(SCHEDULED, date(2027, 5, 7)) == "令和9年5月7日"
    assert opening_day(OPEN, date(2027, 5, 7)) is None
    assert opening_day(CLOSED, date(2027, 5, 7)) is None


SECTIONS = [("basic", ["a", "b"]), ("plan", ["c", "d"]), ("sec", ["e"])]


def test_first_unfinished_section() -> None:
    visible = {"a", "b", "c", "d", "e"}
    assert first_unfinished_section(SECTIONS, visible, {}) == "basic"
    assert first_unfinished_section(SECTIONS, visible, {"a": 1, "b": 2}) == "plan"
    assert first_unfinished_section(SECTIONS, visible, {"a": 1, "b": 2, "c": 3, "d": 4}) == "sec"
    assert first_unfinished_section(SECTIONS, visible, dict.fromkeys("abcde", 1)) is None


def test_a_hidden_question_does_not_hold_its_section_open() -> None:
    # d is not shown (its condition is not met): plan is complete with c alone
    visible = {"a", "b", "c", "e"}
    assert first_unfinished_section(SECTIONS, visible, {"a": 1, "b": 2, "c": 3}) == "sec"
