"""Writes to accounts. They only flush (the unit of work commits); on AccountError nothing
has been changed."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from sqlalchemy import delete, select

from dx_assess.core.accounts_import import LOGIN_PATTERN, ImportPlan
from dx_assess.core.email_address import EMAIL_MESSAGE, is_email_address
from dx_assess.core.messages import N_, Message
from dx_assess.models import AdviserAssignment, Municipality, Role, SecurityEventKind, User
from dx_assess.models.base import DbSession, utcnow
from dx_assess.services.passwords import hash_password, password_problem, verify_password
from dx_assess.services.security_log import record

# How the security log names roles (stored text, Japanese like the rest of the records).
ROLE_NAMES = {
    Role.MUNICIPAL: "市町村職員",
    Role.ADVISER: "アドバイザー",
    Role.PREFECTURE: "道庁（DX推進課）",
    Role.ADMIN: "システム管理者",
}


class AccountError(ValueError):
    """A Japanese message, and the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message  # a Message: pages translate it


class AccountStopped(Exception):
    """The right password for a deactivated account (利用停止中): the log-in page says so and
    names whom to ask. Raised only after the password was checked, so a wrong password never
    tells whether the account is stopped."""


@dataclass(frozen=True)
class UserData:
    login: str
    display_name: str
    role: Role
    municipality_code: str | None
    active: bool = True
    #: The account's e-mail address; on update None leaves it unchanged and "" removes it.
    email: str | None = None


def _municipality(session: DbSession, role: Role, code: str | None) -> Municipality | None:
    if role is not Role.MUNICIPAL:
        if code:
            raise AccountError(
                "municipality_code", N_("市町村を指定できるのは市町村職員のアカウントだけです。")
            )
        return None
    if not code:
        raise AccountError(
            "municipality_code", N_("市町村職員のアカウントには市町村を指定してください。")
        )
    municipality = session.scalar(select(Municipality).where(Municipality.code == code))
    if municipality is None:
        raise AccountError(
            "municipality_code", N_("団体コード %(code)s の市町村は登録されていません。", code=code)
        )
    return municipality


def clean_email(value: str | None) -> str | None:
    """The e-mail address, trimmed, or None when empty; AccountError when it is not one."""
    email = (value or "").strip()
    if not email:
        return None
    if not is_email_address(email):
        raise AccountError("email", EMAIL_MESSAGE)
    return email


def _check_common(data: UserData) -> None:
    clean_email(data.email)
    if not LOGIN_PATTERN.match(data.login):
        raise AccountError(
            "login",
            N_("ログインIDは2〜64文字の半角英数字と . _ @ - で、英数字で始めてください。"),
        )
    if not data.display_name.strip():
        raise AccountError("display_name", N_("表示名を入力してください。"))


def _describe(role: Role, municipality: Municipality | None) -> str:
    return ROLE_NAMES[role] + (f"（{municipality.name}）" if municipality is not None else "")


def create_user(
    session: DbSession, data: UserData, password: str, *, actor_id: int | None = None
) -> User:
    _check_common(data)
    if session.scalar(select(User.id).where(User.login == data.login)) is not None:
        raise AccountError(
            "login", N_("ログインID「%(login)s」は既に使われています。", login=data.login)
        )
    if problem := password_problem(password):
        raise AccountError("password", problem)
    user = User(
        login=data.login,
        display_name=data.display_name.strip(),
        role=data.role,
        municipality=_municipality(session, data.role, data.municipality_code),
        password_hash=hash_password(password),
        active=data.active,
        email=clean_email(data.email),
    )
    session.add(user)
    session.flush()
    record(
        session,
        SecurityEventKind.ACCOUNT_CREATED,
        user=user,
        actor_id=actor_id,
        detail=_describe(user.role, user.municipality) + ("" if user.active else "・無効"),
    )
    return user


def update_user(
    session: DbSession, user: User, data: UserData, *, acting_user_id: int | None
) -> User:
    """Change role, municipality, name or active flag. Ends the user's sessions if deactivated
    or if their role or municipality changed."""
    _check_common(data)
    if data.login != user.login:
        raise AccountError("login", N_("ログインIDは変更できません。"))
    if acting_user_id == user.id and (not data.active or data.role is not user.role):
        raise AccountError("role", N_("自分自身の役割の変更や無効化はできません。"))
    municipality = _municipality(session, data.role, data.municipality_code)
    access_changed = (
        data.role is not user.role
        or (municipality.id if municipality else None) != user.municipality_id
        or (user.active and not data.active)
    )
    if data.role is not Role.ADVISER:
        session.execute(delete(AdviserAssignment).where(AdviserAssignment.adviser_id == user.id))
    before = _describe(user.role, user.municipality)
    after = _describe(data.role, municipality)
    was_active = user.active
    user.display_name = data.display_name.strip()
    if data.email is not None:  # None: unchanged; "" clears it
        user.email = clean_email(data.email)
    user.role = data.role
    user.municipality = municipality
    user.active = data.active
    if access_changed:
        user.session_version += 1
    if before != after:
        record(
            session,
            SecurityEventKind.ROLE_CHANGED,
            user=user,
            actor_id=acting_user_id,
            detail=f"{before} → {after}",
        )
    if was_active != data.active:
        kind = SecurityEventKind.REACTIVATED if data.active else SecurityEventKind.DEACTIVATED
        record(session, kind, user=user, actor_id=acting_user_id)
    session.flush()
    return user


def set_password(
    session: DbSession, user: User, password: str, *, actor_id: int | None = None
) -> None:
    """Set a new password; the user's other sessions end."""
    if problem := password_problem(password):
        raise AccountError("password", problem)
    user.password_hash = hash_password(password)
    user.session_version += 1
    record(session, SecurityEventKind.PASSWORD_CHANGED, user=user, actor_id=actor_id)
    session.flush()


def ensure_account(session: DbSession, data: UserData, password: str) -> User:
    """The account ``data.login``, created, or else given ``password`` and made active."""
    user = session.scalar(select(User).where(User.login == data.login))
    if user is None:
        return create_user(session, data, password)
    set_password(session, user, password)
    user.active = True
    session.flush()
    return user


def set_assignments(
    session: DbSession, adviser: User, codes: list[str]
) -> tuple[list[str], list[str]]:
    """Make ``codes`` exactly the adviser's municipalities. Returns (added, removed) codes."""
    if adviser.role is not Role.ADVISER:
        raise AccountError(
            "adviser", N_("%(login)s はアドバイザーではありません。", login=adviser.login)
        )
    wanted = {c.strip() for c in codes if c.strip()}
    found = {
        m.code: m
        for m in session.scalars(select(Municipality).where(Municipality.code.in_(wanted)))
    }
    unknown = sorted(wanted - found.keys())
    if unknown:
        raise AccountError(
            "municipalities",
            N_("登録されていない団体コードがあります: %(codes)s", codes=", ".join(unknown)),
        )
    current = {a.municipality.code: a for a in adviser.assignments}
    added = sorted(wanted - current.keys())
    removed = sorted(current.keys() - wanted)
    for code in removed:
        adviser.assignments.remove(current[code])
    for code in added:
        adviser.assignments.append(AdviserAssignment(municipality=found[code]))
    session.flush()
    return added, removed


def assign(session: DbSession, adviser: User, codes: list[str]) -> list[str]:
    """Add municipalities to an adviser's list; returns the codes newly added."""
    current = [a.municipality.code for a in adviser.assignments]
    added, _ = set_assignments(session, adviser, current + codes)
    return added


def signed_in(session: DbSession, login: str, password: str) -> User | None:
    """The account a log-in opens, with the log-in recorded; None for a failed log-in, with
    the failure recorded (the caller keeps it although it answers with a refusal).

    Raises AccountStopped (the failure recorded too) for the right password of a deactivated
    account: only then may the page say the account is stopped."""
    user = session.scalar(select(User).where(User.login == login.strip()))
    ok = verify_password(user.password_hash if user else None, password)
    if user is not None and ok and user.active:
        user.last_login_at = utcnow()
        record(session, SecurityEventKind.LOGIN, user=user)
        session.flush()
        return user
    # an unknown login is not kept: it may be a password typed into the wrong field
    if user is None:
        why = "登録されていないログインID"
    elif not ok:
        why = "パスワードの誤り"
    else:
        why = "無効なアカウント"
    record(session, SecurityEventKind.LOGIN_FAILED, user=user, detail=why)
    session.flush()
    if user is not None and ok:
        raise AccountStopped(user.login)
    return None


def signed_out(session: DbSession, user_id: int) -> None:
    """End every session of the account (its session version goes up) and record it."""
    user = session.get(User, user_id)
    if user is not None:
        user.session_version += 1
        record(session, SecurityEventKind.LOGOUT, user=user)
        session.flush()


#: Characters of a generated password: no look-alikes (0/O, 1/l/I) for reading it off paper.
_PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def generate_password(length: int = 14) -> str:
    """A random initial password that passes ``password_problem`` (letters and digits)."""
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if password_problem(candidate) is None and any(c.isdigit() for c in candidate):
            return candidate


@dataclass(frozen=True)
class CreatedAccount:
    login: str
    display_name: str
    role: Role
    municipality: str | None
    email: str | None
    password: str  # the initial password, shown once


class BulkAccountError(ValueError):
    """The plan cannot be carried out now (a login taken since the preview); nothing created."""

    def __init__(self, messages: list[Message]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


def create_accounts(
    session: DbSession, plan: ImportPlan, *, actor_id: int | None
) -> list[CreatedAccount]:
    """Create every planned account, each with a generated password and its security-log
    entry as ``create_user`` makes it. Only flushes: the caller's unit of work commits all of
    them or none. Raises BulkAccountError (before writing) when the plan has problems or a
    login has been taken since the plan was made."""
    if not plan.ok:
        raise BulkAccountError(
            [p.as_message() for p in plan.problems] or [N_("登録するアカウントがありません。")]
        )
    logins = [a.login for a in plan.accounts]
    taken = set(session.scalars(select(User.login).where(User.login.in_(logins))))
    if taken:
        raise BulkAccountError(
            [
                N_(
                    "%(line)d行目 「ログインID」: ログインID「%(login)s」は既に使われています。",
                    line=a.line,
                    login=a.login,
                )
                for a in plan.accounts
                if a.login in taken
            ]
        )
    created = []
    for account in plan.accounts:
        password = generate_password()
        user = create_user(
            session,
            UserData(
                login=account.login,
                display_name=account.display_name,
                role=account.role,
                municipality_code=account.municipality_code,
                email=account.email,
            ),
            password,
            actor_id=actor_id,
        )
        created.append(
            CreatedAccount(
                login=user.login,
                display_name=user.display_name,
                role=user.role,
                municipality=account.municipality_name,
                email=user.email,
                password=password,
            )
        )
    return created
