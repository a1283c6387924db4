"""The admin pages: creating and editing accounts, assigning advisers."""

from __future__ import annotations

import re
from collections.abc import Callable

from dx_assess.models import Role
from tests.support import Browser
from tests.support.people import account_form, user_by_login


def test_admin_creates_a_municipal_account(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    browser.login("root")
    response = browser.post(
        "/admin/users/new",
        account_form(
            "shimukappu", "占冠村 総務課", "municipal", "014630", password="kantan-pass-42"
        ),
    )
    assert response.status_code == 302
    user = user_by_login("shimukappu")
    assert user is not None
    assert user.role is Role.MUNICIPAL
    assert user.municipality is not None
    assert user.municipality.name == "占冠村"
    # the new user can log in
    browser.post("/logout", form_page="/")
    assert browser.login("shimukappu", "kantan-pass-42").status_code == 302


def test_errors_are_shown_next_to_the_field_and_nothing_is_saved(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    make_user("admin", login="root")
    browser.login("root")
    cases = [
        (
            {"role": "municipal", "municipality_code": ""},
            "municipality_code",
            "市町村職員のアカウントには市町村を指定してください。",
        ),
        (
            {"role": "adviser", "municipality_code": "014630"},
            "municipality_code",
            "市町村を指定できるのは市町村職員のアカウントだけです。",
        ),
        ({"password": "short1"}, "password", "パスワードは10文字以上にしてください。"),
        (
            {"password": "onlyletterspassword"},
            "password",
            "パスワードには英字と数字（または記号）を混ぜてください。",
        ),
        ({"login": "root"}, "login", "ログインID「root」は既に使われています。"),
        ({"login": "日本語"}, "login", "ログインIDは2〜64文字の半角英数字"),
    ]
    for change, field, message in cases:
        form = {
            "login": "newbie",
            "display_name": "新人",
            "role": "prefecture",
            "municipality_code": "",
            "password": "good-pass-123",
            **change,
        }
        response = browser.post("/admin/users/new", form)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, change
        assert message in html, change
        # the message sits in the field's own error element, linked by aria-describedby
        assert f'id="{field}-error"' in html, change
        assert f'aria-describedby="{field}-error"' in html or f"{field}-hint {field}-error" in html
    assert user_by_login("newbie") is None


def test_admin_edits_role_and_the_user_is_logged_out(
    app: object, registry: None, make_user: Callable[..., object]
) -> None:
    admin_browser = Browser(app)  # type: ignore[arg-type]
    user_browser = Browser(app)  # type: ignore[arg-type]
    make_user("admin", login="root")
    target = make_user("prefecture", login="pref")
    user_browser.login("pref")
    assert user_browser.get("/registry/supported").status_code == 200

    admin_browser.login("root")
    response = admin_browser.post(
        f"/admin/users/{target.id}",  # type: ignore[attr-defined]
        account_form("pref", "元道庁", "municipal", "012025", password=""),
    )
    assert response.status_code == 302
    user = user_by_login("pref")
    assert user is not None
    assert user.role is Role.MUNICIPAL
    # the changed user's session has ended: no stale prefecture rights
    assert user_browser.get("/registry/supported").status_code == 302


def test_admin_cannot_demote_or_deactivate_themselves(
    browser: Browser, registry: None, make_user: Callable[..., object]
) -> None:
    me = make_user("admin", login="root")
    browser.login("root")
    response = browser.post(
        f"/admin/users/{me.id}",  # type: ignore[attr-defined]
        {"login": "root", "display_name": "root", "role": "admin", "password": ""},
    )
    assert response.status_code == 422
    assert "自分自身の役割の変更や無効化はできません。" in response.get_data(as_text=True)
    user = user_by_login("root")
    assert user is not None
    assert user.active


def test_assignments_page_sets_exactly_the_ticked_municipalities(
    browser: Browser,
    registry: None,
    make_user: Callable[..., object],
    assign: Callable[[object, list[str]], None],
) -> None:
    make_user("admin", login="root")
    adviser = make_user("adviser", login="adv")
    assign(adviser, ["011002"])
    browser.login("root")
    page = f"/admin/users/{adviser.id}/assignments"  # type: ignore[attr-defined]
    html = browser.get(page).get_data(as_text=True)
    checked = re.findall(r'<input checked id="municipalities-\d+" [^>]*value="(\d{6})"', html)
    assert checked == ["011002"]
    response = browser.post(page, {"municipalities": ["014630", "016942"]})
    assert response.status_code == 302
    user = user_by_login("adv")
    assert user is not None
    assert sorted(a.municipality.code for a in user.assignments) == ["014630", "016942"]


def test_assignment_of_an_unknown_code_is_refused(
    browser: Browser,
    registry: None,
    make_user: Callable[..., object],
    assign: Callable[[object, list[str]], None],
) -> None:
    make_user("admin", login="root")
    adviser = make_user("adviser", login="adv")
    assign(adviser, ["011002"])
    browser.login("root")
    page = f"/admin/users/{adviser.id}/assignments"  # type: ignore[attr-defined]
    response = browser.post(page, {"municipalities": ["014630", "999999"]})
    assert response.status_code == 422
    user = user_by_login("adv")
    assert user is not None
    assert [a.municipality.code for a in user.assignments] == ["011002"]


def test_cli_creates_users_and_assigns(app: object, registry: None) -> None:
    runner = app.test_cli_runner()  # type: ignore[attr-defined]
    result = runner.invoke(
        args=["users", "create", "adv", "--name", "助言者", "--role", "adviser", "--generate"]
    )
    assert result.exit_code == 0, result.output
    assert "パスワード: " in result.output
    result = runner.invoke(args=["users", "assign", "adv", "014630", "016942"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "assign", "adv", "999999"])
    assert result.exit_code == 1
    assert "登録されていない団体コードがあります: 999999" in result.output
    user = user_by_login("adv")
    assert user is not None
    assert sorted(a.municipality.code for a in user.assignments) == ["014630", "016942"]
    result = runner.invoke(
        args=[
            "users",
            "create",
            "m1",
            "--name",
            "x",
            "--role",
            "municipal",
            "--password",
            "good-pass-123",
        ]
    )
    assert result.exit_code == 1
    assert "市町村職員のアカウントには市町村を指定してください。" in result.output
