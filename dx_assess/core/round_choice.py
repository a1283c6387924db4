"""Which round a page opens when the address names none, and where 「回答する」 leads (pure).

The rule, the same on every page that picks a round by default (the adviser's home, the
reports, the regional comparison): the round open now; if none is open, the latest round with
responses; if no round has any, the latest round. A round created for next year but not yet
open has no responses, so it is not chosen before it opens (it stays reachable with ?round=).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from dx_assess.core.vocabulary import RoundState, wareki


@dataclass(frozen=True)
class RoundFacts:
    """What the rule reads of a round."""

    id: int
    fiscal_year: int
    state: RoundState
    responses: int  # how many responses the round has


def default_round_id(rounds: Sequence[RoundFacts]) -> int | None:
    """The id of the round to open by default (None when there is no round).

    Among several open rounds the newest fiscal year wins; likewise among the rounds with
    responses."""
    newest_first = sorted(rounds, key=lambda r: r.fiscal_year, reverse=True)
    for wanted in (
        lambda r: r.state is RoundState.OPEN,
        lambda r: r.responses > 0,
        lambda r: True,
    ):
        found = next((r for r in newest_first if wanted(r)), None)
        if found is not None:
            return found.id
    return None


def opening_day(state: RoundState, opens_on: date) -> str | None:
    """The opening day in 和暦 (令和9年5月7日) of a round not yet open, else None: pages say
    「この調査回は 令和9年5月7日 から回答できます。」"""
    return wareki(opens_on) if state is RoundState.SCHEDULED else None


def first_unfinished_section(
    sections: Sequence[tuple[str, Sequence[str]]],
    visible: Collection[str],
    answered: Mapping[str, object] | Collection[str],
) -> str | None:
    """The first section (id) with a visible question not yet answered; None when every
    section is complete. ``sections``: (section id, its answerable question ids) in order."""
    for section_id, questions in sections:
        if any(q in visible and q not in answered for q in questions):
            return section_id
    return None
