"""Administration: user accounts, adviser assignments and the security log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from dx_assess import unit_of_work
from dx_assess.core.accounts_import import ImportPlan, plan_accounts
from dx_assess.core.filenames import content_disposition
from dx_assess.extensions import db
from dx_assess.models import Municipality, Role, Subprefecture, User
from dx_assess.services import account_imports
from dx_assess.services.accounts import (
    ROLE_NAMES,
    AccountError,
    BulkAccountError,
    UserData,
    create_accounts,
    create_user,
    set_assignments,
    set_password,
    update_user,
)
from dx_assess.services.registry import registry_entries
from dx_assess.services.security_log import events_page
from dx_assess.services.staged import file_name
from dx_assess.web.access import Duty, require_duty
from dx_assess.web.admin.forms import (
    AccountCreateForm,
    AccountImportForm,
    AssignmentForm,
    PasswordDownloadForm,
    UserForm,
)
from dx_assess.web.formtools import choices
from dx_assess.web.labels import translated
from dx_assess.web.presenters import user_view

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")


def _municipality_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        select(Municipality.code, Municipality.name, Subprefecture.short_name)
        .join(Municipality.subprefecture)
        .order_by(Subprefecture.order, Municipality.code)
    ).all()
    return choices([("", _("（なし）"))] + [(c, f"{n}（{s}・{c}）") for c, n, s in rows])


def _form_data(form: UserForm) -> UserData:
    return UserData(
        login=(form.login.data or "").strip(),
        display_name=form.display_name.data or "",
        role=Role(form.role.data),
        municipality_code=form.municipality_code.data or None,
        active=bool(form.active.data),
        email=(form.email.data or "").strip(),
    )


@bp.route("/users")
@require_duty(Duty.MANAGE_ACCOUNTS)
def users() -> str:
    rows = db.session.scalars(select(User).order_by(User.role, User.login)).all()
    return render_template("admin/users.html", users=[user_view(u) for u in rows])


@bp.route("/users/new", methods=["GET", "POST"])
@require_duty(Duty.MANAGE_ACCOUNTS)
def user_new() -> str | Response | tuple[str, int]:
    form = UserForm()
    form.municipality_code.choices = _municipality_choices()
    if form.validate_on_submit():
        try:
            user = create_user(
                db.session, _form_data(form), form.password.data or "", actor_id=current_user.id
            )
        except AccountError as exc:
            getattr(form, exc.field, form.login).errors.append(translated(exc.message))
        else:
            flash(_("アカウント「%(login)s」を作成しました。", login=user.login), "success")
            if user.role is Role.ADVISER:  # next: the towns the adviser follows
                return redirect(url_for("admin.assignments", user_id=user.id))
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require_duty(Duty.MANAGE_ACCOUNTS)
def user_edit(user_id: int) -> str | Response | tuple[str, int]:
    user = db.get_or_404(User, user_id)
    view = user_view(user)
    # On POST only what was posted counts: a missing field is an error, not the old value.
    initial = {
        "login": user.login,
        "display_name": user.display_name,
        "email": user.email or "",
        "role": user.role.value,
        "municipality_code": view.municipality_code or "",
        "active": user.active,
    }
    form = UserForm(data=None if request.method == "POST" else initial)
    form.login.render_kw = {**(form.login.render_kw or {}), "readonly": True}
    form.municipality_code.choices = _municipality_choices()
    if form.validate_on_submit():
        try:
            update_user(db.session, user, _form_data(form), acting_user_id=current_user.id)
            if form.password.data:
                set_password(db.session, user, form.password.data, actor_id=current_user.id)
        except AccountError as exc:
            unit_of_work.undo()  # update_user may have changed the account before set_password
            getattr(form, exc.field, form.login).errors.append(translated(exc.message))
        else:
            flash(_("アカウント「%(login)s」を更新しました。", login=user.login), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render_template("admin/user_form.html", form=form, user=view), status


@bp.route("/users/<int:user_id>/assignments", methods=["GET", "POST"])
@require_duty(Duty.MANAGE_ACCOUNTS)
def assignments(user_id: int) -> str | Response | tuple[str, int]:
    """The adviser's towns: checkboxes grouped by 振興局 (a plain form; the page's script only
    adds a filter box by name or kana and 「すべて選ぶ」 per 振興局)."""
    adviser = db.get_or_404(User, user_id)
    if adviser.role is not Role.ADVISER:
        abort(404)
    form = AssignmentForm(municipalities=[a.municipality.code for a in adviser.assignments])
    rows = db.session.execute(
        select(
            Municipality.code,
            Municipality.name,
            Municipality.name_kana,
            Municipality.supported,
            Subprefecture.name,
        )
        .join(Municipality.subprefecture)
        .order_by(Subprefecture.order, Municipality.code)
    ).all()
    form.municipalities.choices = choices(
        (code, name + ("" if supported else _("（支援対象外）")))
        for code, name, _kana, supported, _sub in rows
    )
    if form.validate_on_submit():
        try:
            added, removed = set_assignments(db.session, adviser, form.municipalities.data or [])
        except AccountError as exc:
            form.municipalities.errors = [translated(exc.message)]
        else:
            flash(
                _(
                    "担当市町村を更新しました（追加%(a)d・解除%(r)d）。",
                    a=len(added),
                    r=len(removed),
                ),
                "success",
            )
            return redirect(url_for("admin.users"))
    by_code = {subfield.data: subfield for subfield in form.municipalities}
    groups: dict[str, list[dict[str, object]]] = {}
    for code, name, kana, _supported, sub in rows:
        groups.setdefault(sub, []).append(
            {"field": by_code[code], "search": f"{name} {kana} {code}"}
        )
    status = 422 if form.errors else 200
    return render_template(
        "admin/assignments.html",
        form=form,
        adviser=user_view(adviser),
        groups=list(groups.items()),
        chosen=len(form.municipalities.data or []),
    ), status


def _plan(data: bytes, filename: str) -> ImportPlan:
    return plan_accounts(
        data, filename, registry_entries(db.session), db.session.scalars(select(User.login)).all()
    )


@bp.route("/users/import", methods=["GET", "POST"])
@require_duty(Duty.MANAGE_ACCOUNTS)
def users_import() -> str | tuple[str, int]:
    """Accounts in bulk from CSV or Excel: upload, then a preview of what will be created."""
    form = AccountImportForm()
    plan: ImportPlan | None = None
    if form.validate_on_submit():
        data = form.file.data.read()
        name = file_name(form.file.data.filename, "accounts.csv")
        plan = _plan(data, name)
        if plan.ok:
            create_form = AccountCreateForm(
                formdata=None, token=account_imports.keep_upload(data, name, current_user.id)
            )
            return render_template(
                "admin/import_preview.html",
                plan=plan,
                form=create_form,
                source_name=name,
                role_names={r.value: n for r, n in ROLE_NAMES.items()},
            )
    status = 422 if form.errors or (plan is not None and not plan.ok) else 200
    return render_template("admin/import_upload.html", form=form, plan=plan), status


@bp.route("/users/import/create", methods=["POST"])
@require_duty(Duty.MANAGE_ACCOUNTS)
def users_import_create() -> Response | tuple[str, int]:
    """Create every account of the kept file (read and checked again here) in one transaction."""
    form = AccountCreateForm()
    token = form.token.data or ""
    kept = (
        account_imports.kept_upload(token, current_user.id) if form.validate_on_submit() else None
    )
    if kept is None:
        flash(
            _(
                "確認の画面の内容が見つかりません（時間がたって無効になったか、別の方の画面です）。ファイルをもう一度アップロードしてください。"
            ),
            "error",
        )
        return redirect(url_for("admin.users_import"))
    data, name = kept
    plan = _plan(data, name)
    if not form.confirm.data or not plan.ok:
        if not form.confirm.data:
            form.confirm.errors = [_("作成する場合は、確認のチェックを入れてください。")]
        return render_template(
            "admin/import_preview.html" if plan.ok else "admin/import_upload.html",
            plan=plan,
            form=form if plan.ok else AccountImportForm(formdata=None),
            source_name=name,
            role_names={r.value: n for r, n in ROLE_NAMES.items()},
        ), 422
    try:
        created = create_accounts(db.session, plan, actor_id=current_user.id)
    except BulkAccountError as exc:
        unit_of_work.undo()
        for message in exc.messages:
            flash(translated(message), "error")
        return redirect(url_for("admin.users_import"))
    unit_of_work.release(db.session)  # the accounts exist before their passwords are kept
    account_imports.keep_passwords(token, current_user.id, created)
    flash(
        _("%(n)d件のアカウントを作成しました。", n=len(created)),
        "success",
    )
    return redirect(url_for("admin.users_import_done", token=token))


@bp.route("/users/import/<token>")
@require_duty(Duty.MANAGE_ACCOUNTS)
def users_import_done(token: str) -> str:
    return render_template(
        "admin/import_done.html",
        token=token,
        available=account_imports.has_passwords(token, current_user.id),
        form=PasswordDownloadForm(),
    )


@bp.route("/users/import/<token>/passwords.csv", methods=["POST"])
@require_duty(Duty.MANAGE_ACCOUNTS)
def users_import_passwords(token: str) -> Response:
    """The initial passwords as CSV (UTF-8 with BOM), handed out once."""
    form = PasswordDownloadForm()
    data = (
        account_imports.take_passwords(token, current_user.id)
        if form.validate_on_submit()
        else None
    )
    if data is None:
        flash(
            _(
                "初期パスワードのファイルはダウンロード済みか、期限（1時間）が過ぎています。パスワードはアカウントの編集画面で設定し直せます。"
            ),
            "error",
        )
        return redirect(url_for("admin.users_import_done", token=token))
    response = Response(data, mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition("初期パスワード.csv")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/security-events")
@require_duty(Duty.MANAGE_ACCOUNTS)
def security_events() -> str:
    """The security log, newest first, 50 a page, optionally for one login (?user=)."""
    login = (request.args.get("user") or "").strip()[:64] or None
    page = request.args.get("page", default=1, type=int)
    events = events_page(db.session, page=page, login=login)
    return render_template("admin/security_events.html", events=events, login=login)
