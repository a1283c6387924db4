"""Which municipalities' rows a user's dashboards and exports contain (asks dx_assess.access)."""

from __future__ import annotations

from dx_assess.access import sees_every_municipality, visible_municipalities
from dx_assess.extensions import db
from dx_assess.models import Municipality, User


def visible_codes(user: User) -> set[str] | None:
    """Codes ``user`` may see, or None for every municipality (prefecture, admin)."""
    if sees_every_municipality(user):
        return None
    query = visible_municipalities(user).with_only_columns(Municipality.code)
    return set(db.session.scalars(query))
