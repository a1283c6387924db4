"""The administrator's security log page: newest first, 50 a page, filtered by login."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from dx_assess.extensions import db
from dx_assess.models import SecurityEvent, SecurityEventKind
from tests.support import Browser


def rows(html: str) -> list[tuple[str, str, str]]:
    """(kind, login, detail) of each row of the table."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    out = []
    for row in re.findall(r"<tr data-kind=\"[a-z_]+\">(.*?)</tr>", body, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        out.append((cells[1], cells[2], cells[6]))
    return out


def test_newest_first_paged_and_filtered_by_user(
    browser: Browser, make_user: Callable[..., object]
) -> None:
    root = make_user("admin", login="root")
    muni = make_user("prefecture", login="pref")
    db.session.query(SecurityEvent).delete()  # only the events made here
    start = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
    for i in range(60):
        user = muni if i % 2 else root
        db.session.add(
            SecurityEvent(
                at=start + timedelta(minutes=i),
                kind=SecurityEventKind.LOGIN_FAILED,
                user_id=user.id,  # type: ignore[attr-defined]
                login=user.login,  # type: ignore[attr-defined]
                address="192.0.2.1",
                detail=f"event {i}",
            )
        )
    db.session.commit()
    browser.login("root")  # one more event: the log-in itself, the newest

    html = browser.get("/admin/security-events").get_data(as_text=True)
    first = rows(html)
    assert len(first) == 50
    assert first[0] == ("ログイン", "root", "")
    assert [r[2] for r in first[1:4]] == ["event 59", "event 58", "event 57"]
    assert "61件中 1 / 2ページ" in html
    assert 'href="/admin/security-events?page=2"' in html

    second = rows(browser.get("/admin/security-events?page=2").get_data(as_text=True))
    assert [r[2] for r in second] == [f"event {i}" for i in range(10, -1, -1)]

    html = browser.get("/admin/security-events?user=pref").get_data(as_text=True)
    filtered = rows(html)
    assert len(filtered) == 30
    assert {r[1] for r in filtered} == {"pref"}
    assert filtered[0][2] == "event 59"
    assert "30件中 1 / 1ページ" in html

    assert "該当する記録はありません" in browser.get("/admin/security-events?user=nobody").get_data(
        as_text=True
    )
    assert browser.get("/admin/security-events?page=abc").status_code == 200
    assert browser.get("/admin/security-events?page=999").status_code == 200
