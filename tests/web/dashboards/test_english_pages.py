"""English that is complete (issue 16): in English mode the results, regional and
sensitivity pages name pillars by the questionnaire's English titles, scores read
"41.3 points", and the engine's texts (weight scenarios) are English."""

from __future__ import annotations

import re

from tests.support import Browser
from tests.web.dashboards.test_dashboards_pages import SHIMUKAPPU, World, html, login, world

__all__ = ["world"]


def english(browser: Browser) -> Browser:
    browser.post("/language", {"lang": "en", "next": "/"}, form_page="/")
    return browser


def test_results_page_in_english_uses_english_pillar_titles_and_units(
    browser: Browser, world: World
) -> None:
    english(login(browser, "pref"))
    page = html(browser, f"/rounds/{world.round_id}/results/{SHIMUKAPPU}")
    assert "My Number card" in page
    assert "System standardization" in page
    assert "マイナンバーカードの普及・利活用" not in page
    assert re.search(r"\d points", page)
    assert not re.search(r"\dpoints", page)


def test_sensitivity_and_regional_pages_in_english(browser: Browser, world: World) -> None:
    english(login(browser, "pref"))
    page = html(browser, f"/rounds/{world.round_id}/sensitivity")
    assert "All areas weighted equally" in page
    assert re.search(r"Weight of “[A-Za-z ,]+” (increased|decreased) by \d+%", page)
    for japanese in ("すべての分野を同じ重み", "の重みを", "増やした場合"):
        assert japanese not in page
    regional = html(browser, f"/rounds/{world.round_id}/regions")
    assert "distribution of scores by area" in regional
    assert "Online procedures" in regional
    assert "outside the support programme" in regional
    assert "支援対象外" not in regional
    assert "1 着手前 (0 to under 20)" in regional  # the level's name is the questionnaire's
    assert "以上" not in regional
    assert ">Overall<" in regional
