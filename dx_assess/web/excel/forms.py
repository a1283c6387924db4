"""Forms of the Excel round trip (the upload and the confirmation of its preview)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField


class ExcelUploadForm(FlaskForm):
    file = FileField(
        _l("記入したExcelファイル（.xlsx）"),
        validators=[FileRequired(_l("Excelファイルを選んでください。"))],
        description=_l(
            "この画面からダウンロードしたファイルに記入し、"
            ".xlsx のまま保存したものを選んでください。"
        ),
    )


class ExcelApplyForm(FlaskForm):
    staged_id = HiddenField()  # the staged upload; the answers stay on the server
    confirm = BooleanField(_l("上記の変更を回答に反映します"))
