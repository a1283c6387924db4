"""Error pages in plain Japanese; never a stack trace.

The unit of work (:mod:`dx_assess.unit_of_work`) has already rolled back a view that raised;
the handlers that may read the database (the page header's user) roll back again, quietly,
so that an error page never leaves a transaction open or half-committed."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from dx_assess.models.base import is_busy
from dx_assess.unit_of_work import abandon


def _user_or_anonymous() -> None:
    """Load the signed-in user for the page header, or show the page as to a visitor when the
    database cannot be read: an error page must render without the database."""
    from flask import current_app, g
    from flask_login import current_user

    try:
        _ = current_user.is_authenticated  # loads the user (a query) if not loaded yet
    except SQLAlchemyError:
        abandon()
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]


def _page(title: str, message: str, status: int) -> tuple[str, int]:
    _user_or_anonymous()
    return render_template("errors/error.html", title=title, message=message, status=status), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        return _page(
            _("送信できませんでした"),
            _(
                "画面を開いてから長い時間が経ったか、別の画面から送信されたため、安全のため受け付けませんでした。"
                "ブラウザーの「戻る」で前の画面に戻ると、入力した内容が残っています。"
                "内容を控えてからページを再読み込みし、もう一度入力して送信してください。"
            ),
            400,
        )

    @app.errorhandler(400)
    def bad_request(_error: HTTPException) -> tuple[str, int]:
        return _page(
            _("送信された内容を受け付けられませんでした"),
            _(
                "受け付けられない文字（制御文字など）が含まれているか、送信の形式が正しくありません。"
                "何も変更していません。"
                "ブラウザーの「戻る」で前の画面に戻り、画面のボタンから操作し直してください。"
            ),
            400,
        )

    @app.errorhandler(403)
    def forbidden(_error: HTTPException) -> tuple[str, int]:
        return _page(
            _("このページを見る権限がありません"),
            _(
                "ご担当の範囲外のページです。必要な場合は道庁DX推進課またはシステム管理者にご相談ください。"
            ),
            403,
        )

    @app.errorhandler(404)
    def not_found(_error: HTTPException) -> tuple[str, int]:
        return _page(
            _("ページが見つかりません"),
            _("アドレスが間違っているか、ページが移動した可能性があります。"),
            404,
        )

    @app.errorhandler(405)
    def method_not_allowed(_error: HTTPException) -> tuple[str, int]:
        return _page(_("この操作はできません"), _("画面のボタンから操作してください。"), 405)

    @app.errorhandler(413)
    def too_large(_error: HTTPException) -> tuple[str, int]:
        return _page(
            _("ファイルが大きすぎます"),
            _("アップロードできるファイルは10MBまでです。"),
            413,
        )

    @app.errorhandler(OperationalError)
    def busy(error: OperationalError) -> tuple[str, int]:
        abandon()
        if not is_busy(error):
            raise error
        return _page(
            _("混み合っているため保存できませんでした"),
            _(
                "ほかの保存と同時になりました。入力内容は保存されていません。"
                "前の画面に戻り、もう一度保存してください。"
            ),
            503,
        )

    @app.errorhandler(500)
    def server_error(_error: Exception) -> tuple[str, int]:
        abandon()
        return _page(
            _("システムエラーが発生しました"),
            _(
                "入力内容は保存されていない可能性があります。時間をおいてもう一度お試しください。"
                "続く場合はシステム管理者にご連絡ください。"
            ),
            500,
        )
