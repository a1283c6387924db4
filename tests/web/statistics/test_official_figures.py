"""The statistics import's rows for all 179 municipalities are kept as official figures."""

from __future__ import annotations

import pytest

from dx_assess.core.statistics.reading import parse_statistics
from dx_assess.extensions import db
from dx_assess.services.official_figures import official_card_rate, record_official_figures
from dx_assess.services.registry import registry_entries
from tests.support.answers import open_test_round
from tests.support.paths import REPO

FILE = REPO / "dx_assess" / "data" / "statistics" / "mynumbercard_all_localgovs_20221231.csv"


def test_all_179_rows_are_kept_for_a_programme_round(registry: None) -> None:
    survey_round = open_test_round(2025, "2025.1")  # answered by the programme only
    assert official_card_rate(db.session, survey_round) is None
    stats = parse_statistics(FILE.read_bytes(), registry_entries(db.session))
    stored = record_official_figures(
        db.session, survey_round, stats, source_name=FILE.name, user=None
    )
    db.session.commit()
    assert stored == 179
    rate = official_card_rate(db.session, survey_round)
    assert rate is not None
    # shared/data/SOURCES.md: Hokkaido 5,183,687 people, 2,888,648 cards issued (2022-12-31)
    assert (rate.population, rate.cards, rate.municipalities) == (5183687, 2888648, 179)
    assert rate.rate == pytest.approx(100 * 2888648 / 5183687)
    assert rate.cards_measure == "交付枚数"
    # applying again replaces, never doubles
    record_official_figures(db.session, survey_round, stats, source_name=FILE.name, user=None)
    db.session.commit()
    again = official_card_rate(db.session, survey_round)
    assert again is not None
    assert again.municipalities == 179
