"""The form that starts a batch of reports (a POST with CSRF and the round it is for)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired


class BatchForm(FlaskForm):
    round_id = HiddenField(validators=[DataRequired(_l("調査回が指定されていません。"))])
