"""Labels that pure code produces in Japanese (response status, round state, peer groups) and
templates show through the ``label`` filter, which translates them to the page's language.

They are listed here, marked for translation, so that the message catalog holds them.
"""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

KNOWN = (
    _l("未着手"),
    _l("回答中"),
    _l("提出済み"),
    _l("差し戻し中"),
    _l("開始前"),
    _l("回答受付中"),
    _l("締切済み"),
    # peer groups (dx_assess.core.results.GROUP_TYPE_LABELS) and the default population bands
    _l("対象市町村全体"),
    _l("同じ種別"),
    _l("同じ人口規模"),
    _l("同じ振興局"),
    _l("5千人未満"),
    _l("5千人以上1万人未満"),
    _l("1万人以上3万人未満"),
    _l("3万人以上10万人未満"),
    _l("10万人以上"),
    # the contact person's fields (dx_assess.core.answers.contact.LIMITS)
    _l("氏名"),
    _l("所属（課・係）"),
    _l("電話番号"),
    _l("メールアドレス"),
)


def label(text: object) -> str:
    """The page-language form of a label made by pure code (unknown text is shown as it is)."""
    return gettext(str(text)) if text else ""


def japanese_date(value: object) -> str:
    """The ``wareki`` filter: a date as pages show it, 令和8年12月1日 (in English, 2026-12-01);
    a date written as ISO text (2026-12-01) too; "—" for none."""
    from datetime import date, datetime

    from flask_babel import get_locale

    from dx_assess.core.vocabulary import JST, wareki

    if isinstance(value, str) and value:
        try:
            return japanese_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.astimezone(JST).date()
    if not isinstance(value, date):
        return "—"
    locale = get_locale()
    if locale is not None and locale.language == "en":
        return value.isoformat()
    return wareki(value)
