from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField

from dx_assess.web.formtools import choices


class MunicipalityFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("名前・コードで検索"))
    subprefecture = SelectField(_l("振興局"), choices=[], default="")
    kind = SelectField(_l("種別"), choices=[], default="")
    supported = SelectField(_l("支援対象"), choices=[], default="")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = choices([("", _l("すべて")), ("市", "市"), ("町", "町"), ("村", "村")])
        self.supported.choices = choices(
            [("", _l("すべて")), ("yes", _l("支援対象のみ")), ("no", _l("対象外のみ"))]
        )


class SupportedListUploadForm(FlaskForm):
    file = FileField(
        _l("対象市町村一覧のCSVファイル"),
        validators=[FileRequired(_l("CSVファイルを選んでください。"))],
    )


class SupportedListApplyForm(FlaskForm):
    codes = HiddenField()
    source_name = HiddenField()
    confirm = BooleanField(_l("上記の内容で支援対象市町村を置き換えます"))
