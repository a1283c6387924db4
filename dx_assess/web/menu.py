"""The main menu: every entry is offered exactly when its page would let the user in.

Visibility is not written here: ``access.may_open`` reads the rule its view was guarded with
(``require_duty``/``login_required``), so the menu cannot disagree with the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from dx_assess.web.access import may_open

if TYPE_CHECKING:
    from flask import Flask
    from flask_babel import LazyString


@dataclass(frozen=True)
class MenuEntry:
    endpoint: str
    label: LazyString
    #: The endpoints where this entry is the current page; one ending in "." is a prefix.
    current: tuple[str, ...] = ()

    def is_current(self, endpoint: str | None) -> bool:
        if endpoint is None:
            return False
        return any(
            endpoint.startswith(c) if c.endswith(".") else endpoint == c
            for c in (self.endpoint, *self.current)
        )


MENU = (
    MenuEntry("main.home", _l("ホーム")),
    MenuEntry("registry.municipality_list", _l("市町村一覧")),
    MenuEntry("reports.index", _l("レポート"), ("reports.",)),
    MenuEntry("rounds.rounds", _l("調査回"), ("rounds.", "statistics.")),
    MenuEntry(
        "dashboards.latest_regional", _l("地域別の比較"), ("dashboards.regional", "dashboards.kpis")
    ),
    MenuEntry("registry.supported_upload", _l("支援対象の設定")),
    MenuEntry(
        "admin.users",
        _l("アカウント管理"),
        ("admin.user_new", "admin.user_edit", "admin.assignments"),
    ),
    MenuEntry("admin.security_events", _l("セキュリティ記録")),
    MenuEntry("outbox.mails", _l("送信メール"), ("outbox.",)),
)


def menu_for(user: Any) -> tuple[MenuEntry, ...]:
    """The entries ``user`` may open (needs an app context)."""
    return tuple(entry for entry in MENU if may_open(user, entry.endpoint))


def init_app(app: Flask) -> None:
    """Templates call ``menu()`` for the current user's entries."""
    app.jinja_env.globals["menu"] = lambda: menu_for(current_user)
