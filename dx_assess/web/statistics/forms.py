"""Forms of the statistics import (the upload and the confirmation of its preview)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField


class StatisticsUploadForm(FlaskForm):
    file = FileField(
        _l("総務省「マイナンバーカード交付状況」のファイル（ExcelまたはCSV）"),
        validators=[FileRequired(_l("ファイルを選んでください。"))],
        description=_l(
            "総務省が公表したExcel（.xlsx）またはCSVのままで構いません。全国の市区町村が並んだ"
            "ファイルでも北海道の行だけを使い、合計・全国・都道府県の行は使いません。"
            "札幌市が10区に分かれている場合は合計します。"
            "CSVは UTF-8（BOM付き・なし）と Shift_JIS に対応しています。"
        ),
    )


class StatisticsApplyForm(FlaskForm):
    staged_id = HiddenField()  # the staged upload; values and reason stay on the server
    confirm = BooleanField(_l("上記の数値を各市町村の回答に反映します"))
