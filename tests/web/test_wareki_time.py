"""The ``wareki_time`` filter: every timestamp a page shows, 令和8年11月22日 14:05 in Japan
time; ISO (2026-11-22 14:05) on English pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import Flask, render_template_string, session

from dx_assess.web.labels import japanese_time

UTC_0505 = dt.datetime(2026, 11, 22, 5, 5, tzinfo=dt.UTC)  # 14:05 in Japan (UTC+9)


def test_timestamps_in_japanese_and_in_english(app: Flask) -> None:
    with app.test_request_context("/"):
        assert japanese_time(UTC_0505) == "令和8年11月22日 14:05"
        # the text core.vocabulary.jst makes is Japan time already
        assert japanese_time("2026-11-22 14:05") == "令和8年11月22日 14:05"
        assert japanese_time("2026-04-01 00:30") == "令和8年4月1日 00:30"
        assert japanese_time("") == "—"
        assert japanese_time(None) == "—"
        assert japanese_time("コマンドライン") == "コマンドライン"  # other text as it is
        assert render_template_string("{{ t|wareki_time }}", t=UTC_0505) == (
            "令和8年11月22日 14:05"
        )
    with app.test_request_context("/"):
        session["lang"] = "en"
        assert japanese_time(UTC_0505) == "2026-11-22 14:05"
        assert japanese_time("2026-11-22 14:05") == "2026-11-22 14:05"


def test_templates_show_timestamps_only_through_the_filter() -> None:
    """Every field that holds a timestamp (the presenters fill them with
    ``core.vocabulary.jst``) passes through ``wareki_time`` where a page prints it."""
    import re

    fields = r"(?:[a-z]+\.)(?:at|updated_at|submitted_at|reopened_at|changed_at|theirs_at|"
    fields += r"last_login_at|last_activity|created_at|sent_at)"
    bare = re.compile(r"(?:\{\{|at=)\s*" + fields + r"\s*(?:\}\}|\)|,|or\b)")
    found = []
    for template in Path("dx_assess/web").rglob("*.html"):
        for n, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            if bare.search(line):
                found.append(f"{template}:{n}")
    assert found == []
