"""Forms of the round pages (opening, closing, changing the closing date)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError
from wtforms.widgets import DateInput

from dx_assess.core.questionnaire.numbers import parse_ascii_int


def _date(form: FlaskForm, field: Any) -> None:
    try:
        field.parsed = dt.date.fromisoformat((field.data or "").strip().replace("/", "-"))
    except ValueError:
        raise ValidationError(gettext("日付は 2025-06-30 の形で入力してください。")) from None


def _year(form: FlaskForm, field: Any) -> None:
    year = parse_ascii_int(field.data)  # "²⁰²⁵" passes str.isdigit() but not int()
    if year is None or not 2020 <= year <= 2100:
        raise ValidationError(gettext("年度は西暦4桁で入力してください（例: 2025）。"))


class OpenRoundForm(FlaskForm):
    fiscal_year = StringField(
        _l("年度（西暦）"),
        validators=[DataRequired(_l("年度を入力してください。")), _year],
        render_kw={"inputmode": "numeric", "class": "input-number"},
        description=_l("例: 2025（令和7年度）"),
    )
    questionnaire = SelectField(_l("調査票の版"), choices=[], validate_choice=True)
    population = SelectField(
        _l("回答する市町村"),
        choices=[
            SelectChoice("all", _l("全道の全市町村（179市町村）")),
            SelectChoice("programme", _l("支援対象の市町村（対象市町村）だけ")),
        ],
        default="all",
        validate_choice=True,
        description=_l("道の計画の指標は全道の数値です。ふだんは全市町村を選んでください。"),
    )
    opens_on = StringField(
        _l("回答受付の開始日"),
        validators=[DataRequired(_l("開始日を入力してください。")), _date],
        widget=DateInput(),
    )
    closes_on = StringField(
        _l("締切日"),
        validators=[DataRequired(_l("締切日を入力してください。")), _date],
        widget=DateInput(),
    )


class CloseRoundForm(FlaskForm):
    confirm = BooleanField(
        _l("締め切ると、まだ提出していない市町村も回答を編集できなくなることを確認しました"),
        validators=[DataRequired(_l("締め切る前に、確認の欄にチェックを入れてください。"))],
    )


class ScheduleForm(FlaskForm):
    closes_on = StringField(
        _l("新しい締切日"),
        validators=[DataRequired(_l("締切日を入力してください。")), _date],
        widget=DateInput(),
        description=_l(
            "締切を延ばすときや、締め切った調査回を再開するときに使います。今日以降の日付にしてください。"
        ),
    )


class ReminderForm(FlaskForm):
    """Mail a reminder now to every municipality that has not submitted (only the CSRF token)."""
