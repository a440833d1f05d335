"""The user representation of CONTRACT §2, from the aggregate (commands answer from the store)."""
from __future__ import annotations

from typing import Any

from domain.identity.user import User
from infra.envelope import format_timestamp


def user_body(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id), "email": user.email, "first_name": user.first_name,
        "last_name": user.last_name, "phone": user.phone, "gender": user.gender,
        "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else None,
        "avatar_url": user.avatar_url, "access_level": user.access_level,
        "email_confirmed": user.email_confirmed, "is_active": user.is_active,
        "date_joined": format_timestamp(user.created_on),
    }
