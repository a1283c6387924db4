"""Accounts: users with one role each, and adviser-to-municipality assignments."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dx_assess.core.vocabulary import Role as Role  # defined there, re-exported for the models
from dx_assess.models.base import Base, UTCDateTime, string_enum, utcnow
from dx_assess.models.registry import Municipality


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "(role = 'municipal' AND municipality_id IS NOT NULL)"
            " OR (role <> 'municipal' AND municipality_id IS NULL)",
            name="municipality_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    # Where mail for this account goes (password reset, round notices); optional.
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(string_enum(Role, "role"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change or deactivation: every existing session then ends.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    municipality: Mapped[Municipality | None] = relationship()
    assignments: Mapped[list[AdviserAssignment]] = relationship(
        back_populates="adviser", cascade="all, delete-orphan"
    )

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class AdviserAssignment(Base):
    """An adviser follows a municipality (担当市町村)."""

    __tablename__ = "adviser_assignment"
    __table_args__ = (
        UniqueConstraint(
            "adviser_id", "municipality_id", name="uq_adviser_assignment_adviser_municipality"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    adviser_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    adviser: Mapped[User] = relationship(back_populates="assignments")
    municipality: Mapped[Municipality] = relationship()


class SecurityEventKind(enum.StrEnum):
    LOGIN = "login"  # ログイン
    LOGIN_FAILED = "login_failed"  # ログイン失敗
    THROTTLED = "throttled"  # 失敗が続いたため一時的に受け付けず
    LOGOUT = "logout"  # ログアウト
    ACCOUNT_CREATED = "account_created"  # アカウント作成
    PASSWORD_CHANGED = "password_changed"  # パスワード変更  # noqa: S105
    ROLE_CHANGED = "role_changed"  # 役割・所属市町村の変更
    DEACTIVATED = "deactivated"  # 無効化
    REACTIVATED = "reactivated"  # 再び有効化


class SecurityEvent(Base):
    """The security log: log-ins, failures, throttling, log-outs and account changes.

    Append-only (a database trigger refuses updates). ``login`` is the account's login;
    for a failed log-in with an unknown login it stays empty (people sometimes type their
    password into the login field, and the log must not keep it)."""

    __tablename__ = "security_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    kind: Mapped[SecurityEventKind] = mapped_column(
        string_enum(SecurityEventKind, "security_event_kind", length=30)
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    login: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
