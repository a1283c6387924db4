from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    login = StringField(
        _l("ログインID"),
        validators=[DataRequired(_l("ログインIDを入力してください。")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("パスワード"),
        validators=[DataRequired(_l("パスワードを入力してください。")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(FlaskForm):
    login_or_email = StringField(
        _l("ログインIDまたはメールアドレス"),
        validators=[
            DataRequired(_l("ログインIDまたはメールアドレスを入力してください。")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("新しいパスワード"),
        validators=[DataRequired(_l("新しいパスワードを入力してください。")), Length(max=200)],
        description=_l("10文字以上、英字と数字（または記号）を混ぜてください。"),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("新しいパスワード（確認）"),
        validators=[
            DataRequired(_l("確認のため、もう一度入力してください。")),
            EqualTo("password", _l("確認の入力が新しいパスワードと一致しません。")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
