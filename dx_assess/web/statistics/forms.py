"""Forms of the statistics import (the upload and the confirmation of its preview)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField


class StatisticsUploadForm(FlaskForm):
    file = FileField(
        _l("総務省「マイナンバーカード交付状況」のCSVファイル"),
        validators=[FileRequired(_l("CSVファイルを選んでください。"))],
        description=_l(
            "全国の市区町村が並んだCSVのままで構いません（北海道の行だけを使います）。"
            "UTF-8（BOM付き・なし）と Shift_JIS に対応しています。"
        ),
    )


class StatisticsApplyForm(FlaskForm):
    staged_id = HiddenField()  # the staged upload; values and reason stay on the server
    confirm = BooleanField(_l("上記の数値を各市町村の回答に反映します"))
