from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from dx_assess.web.formtools import choices
from dx_assess.web.presenters import ROLE_LABELS


def role_choices() -> list[SelectChoice]:
    return choices(ROLE_LABELS.items())


class UserForm(FlaskForm):
    login = StringField(
        _l("ログインID"),
        validators=[DataRequired(_l("ログインIDを入力してください。")), Length(max=64)],
        description=_l("半角英数字と . _ @ - （後から変更できません）"),
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    display_name = StringField(
        _l("表示名"),
        validators=[DataRequired(_l("表示名を入力してください。")), Length(max=100)],
        description=_l("例: 東川町 総務課 山田"),
    )
    email = StringField(
        _l("メールアドレス"),
        validators=[Optional(), Length(max=254)],
        description=_l("調査のお知らせとパスワード再設定のメールの宛先（任意）"),
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "none",
            "spellcheck": "false",
            "type": "email",
            "inputmode": "email",
        },
    )
    role = SelectField(_l("役割"), choices=[])
    municipality_code = SelectField(
        _l("所属市町村（市町村職員のみ）"), choices=[], validators=[Optional()]
    )
    active = BooleanField(_l("有効（ログインできる）"), default=True)
    password = PasswordField(
        _l("パスワード"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "10文字以上、英字と数字を混ぜてください。編集時は変更する場合だけ入力します。"
        ),
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = role_choices()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssignmentForm(FlaskForm):
    municipalities = MultiCheckboxField(_l("担当市町村"), choices=[], validate_choice=True)


class AccountImportForm(FlaskForm):
    file = FileField(
        _l("アカウントの一覧（CSV または Excel）"),
        validators=[FileRequired(_l("CSVファイルかExcelファイル（.xlsx）を選んでください。"))],
    )


class AccountCreateForm(FlaskForm):
    """Names the kept file only (its content is read again on the server)."""

    token = HiddenField()
    confirm = BooleanField(_l("上記のアカウントを作成します"))


class PasswordDownloadForm(FlaskForm):
    """A POST with CSRF: the passwords are handed out once, not on a link's GET."""
