"""Which municipalities' rows a user's dashboards and exports contain (asks dx_assess.access)."""

from __future__ import annotations

from dx_assess.access import visible_municipalities
from dx_assess.extensions import db
from dx_assess.models import Municipality, Role, User


def visible_codes(user: User) -> set[str] | None:
    """Codes ``user`` may see, or None for every municipality (prefecture, admin)."""
    if user.active and user.role in (Role.PREFECTURE, Role.ADMIN):
        return None
    query = visible_municipalities(user).with_only_columns(Municipality.code)
    return set(db.session.scalars(query))
