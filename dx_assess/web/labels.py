"""Labels that pure code produces in Japanese (response status, round state, peer groups) and
templates show through the ``label`` filter, which translates them to the page's language.

They are listed here, marked for translation, so that the message catalog holds them.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from dx_assess.core.messages import FiscalYear, Message, message_of
from dx_assess.core.questionnaire import discover
from dx_assess.services.versions import questionnaire_root

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
    _l("総合"),  # the overall score's metric (dx_assess.core.dashboards.regional.metrics)
    # why a response cannot be edited (dx_assess.services.responses.editable_reason)
    _l("提出済みのため編集できません。修正が必要な場合は道庁に差し戻しを依頼してください。"),
    _l("この調査回は回答を受け付けていません。"),
)


_TITLES: dict[str, dict[str, str]] = {}


def _english_titles() -> dict[str, str]:
    """Japanese → English titles of pillars, sections and questionnaires, from the
    questionnaire files' ``{ja: …, en: …}`` titles (read once per process and folder)."""
    root = questionnaire_root()
    key = str(root)
    if key not in _TITLES:
        found: dict[str, str] = {}
        for info in discover(root) if root.is_dir() else []:
            q = info.questionnaire
            if q is None:
                continue
            for text in [q.title, *(p.title for p in q.pillars), *(s.title for s in q.sections)]:
                if text.en:
                    found.setdefault(text.ja, text.en)
        _TITLES[key] = found
    return _TITLES[key]


def _parameter(value: object) -> object:
    if isinstance(value, Message):
        return translated(value)
    if isinstance(value, tuple | list):
        return " ".join(str(_parameter(v)) for v in value if v)
    if isinstance(value, date) and not isinstance(value, datetime):
        return japanese_date(value)
    if isinstance(value, FiscalYear) and str(get_locale() or "ja") == "en":
        return str(gettext("%(reiwa)s（%(year)d年度）", reiwa=str(value), year=int(value)))
    return value


def translated(message: object) -> str:
    """A :class:`~dx_assess.core.messages.Message` (what services and the core raise or
    report) in the page's language, its parameters filled (messages among them translated
    too); any other text as it is. Falls back to the Japanese text if a translation does not
    fit its parameters."""
    if not isinstance(message, Message):
        return "" if message is None else str(message)
    if not message.params:
        return str(gettext(message.msgid))
    params = {k: _parameter(v) for k, v in message.params.items()}
    try:
        return str(gettext(message.msgid, **params))
    except (KeyError, TypeError, ValueError):
        return str(message)


def error_text(exc: BaseException) -> str:
    """What to flash or show beside a field for a refusal a service raised: its message in
    the page's language."""
    return translated(message_of(exc))


def label(text: object) -> str:
    """The page-language form of a label made by pure code (unknown text is shown as it is):
    the catalogue's translation, or in English the English title a questionnaire file gives
    a pillar or section (「マイナンバーカードの普及・利活用」 → "My Number card"); a
    :class:`~dx_assess.core.messages.Message` is translated with its parameters."""
    if isinstance(text, Message):
        return translated(text)
    if not text:
        return ""
    shown = str(gettext(str(text)))
    if shown == str(text) and str(get_locale() or "ja") == "en":
        return _english_titles().get(str(text), shown)
    return shown


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


def japanese_time(value: object) -> str:
    """The ``wareki_time`` filter: a timestamp as pages show it, 令和8年11月22日 14:05 in Japan
    time (in English ISO, 2026-11-22 14:05). Takes a datetime (converted to Japan time; a
    naive one is taken as UTC) or the text ``core.vocabulary.jst`` makes (2026-11-22 14:05,
    Japan time already); other text is shown as it is, "—" for none."""
    from datetime import UTC, datetime

    from flask_babel import get_locale

    from dx_assess.core.vocabulary import JST, wareki_time

    if isinstance(value, str) and value:
        try:
            value = datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=JST)
        except ValueError:
            return str(value)
    if not isinstance(value, datetime):
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # as the database stores time
    value = value.astimezone(JST)
    locale = get_locale()
    if locale is not None and locale.language == "en":
        return value.strftime("%Y-%m-%d %H:%M")
    return wareki_time(value)
