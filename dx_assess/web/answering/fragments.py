"""Each question's HTML on a section page, rendered once per process for the same inputs.

The ``question`` macro of ``survey/_question.html`` is a pure function of what it is given:
the question's plain view (``QuestionView``: texts, 問番号, hint, unit, options layout, and the
request's visible/carried-over/display values), the state of its form field (name, id, data
and what was typed), whether the page is editable, the error and warning shown beside it, the
link to its history, the locale its ``_()`` translates into, and the compiled template itself.
``question_html`` keys the macro's output on exactly those and renders it only on a miss; the
history link (which names the round and municipality) is put in afterwards, so the same
question with the same value shares one entry across municipalities. The page is the same
byte for byte with and without the cache (``tests/web/answering/test_fragments.py``;
``bench/profile_section.py --html`` compares whole pages).

Bounded (``CACHE_SIZE`` entries, least recently used dropped); ``enabled = False`` renders
every time (the test compares both).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from flask_babel import get_locale
from markupsafe import Markup, escape

from dx_assess.web.answering.blueprint import bp

CACHE_SIZE = 20_000
#: Stands for the history link while the fragment is rendered (escaping leaves it alone).
_LINK = "dx-history-link-3f9c0a7e"

enabled = True
_lock = threading.Lock()
_fragments: OrderedDict[Hashable, Markup] = OrderedDict()


def clear() -> None:
    with _lock:
        _fragments.clear()


def _field_state(field: Any) -> Hashable:
    """What a WTForms field's rendering reads besides its class (choices, widget, flags and
    render_kw are the class's, built once per questionnaire content: forms.section_form_class)."""
    if field is None:
        return None
    raw = field.raw_data
    return (
        type(field),
        field.name,
        field.id,
        repr(field.data),
        None if raw is None else repr(raw),
    )


def question_html(
    macro: Any,
    q: Any,
    field: Any,
    editing: bool,
    error: str | None,
    history_url: str | None,
    warning: str | None = None,
) -> Markup:
    """``macro(q, field, editing, error, history_url, warning)``, from the cache when the
    same inputs were rendered before."""
    link = _LINK if history_url else history_url
    code = getattr(getattr(macro, "_func", None), "__code__", None)
    if not enabled or code is None:
        return Markup(macro(q, field, editing, error, history_url, warning))  # noqa: S704
    key = (code, str(get_locale()), q, _field_state(field), editing, error, link, warning)
    try:
        hash(key)
    except TypeError:  # a view with a list in it: not cached
        return Markup(macro(q, field, editing, error, history_url, warning))  # noqa: S704
    with _lock:
        html = _fragments.get(key)
        if html is not None:
            _fragments.move_to_end(key)
    if html is None:
        html = Markup(macro(q, field, editing, error, link, warning))  # noqa: S704
        if link is not None and str(html).count(_LINK) != 1:  # the text itself has it
            return Markup(macro(q, field, editing, error, history_url, warning))  # noqa: S704
        with _lock:
            _fragments[key] = html
            while len(_fragments) > CACHE_SIZE:
                _fragments.popitem(last=False)
    if not history_url:
        return html
    return Markup(str(html).replace(_LINK, str(escape(history_url))))  # noqa: S704


bp.add_app_template_global(question_html, "question_html")
