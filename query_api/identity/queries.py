"""SQL over the `users` read model."""
from __future__ import annotations

from typing import Any
from uuid import UUID

USER_COLUMNS = ("id, email, first_name, last_name, phone, gender, date_of_birth, avatar_url, "
                "access_level, email_confirmed, is_active, date_joined")


def user_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "email_confirmed": bool(row["email_confirmed"]), "is_active": bool(row["is_active"])}


async def user_by_id(store: Any, user_id: UUID | str) -> dict[str, Any] | None:
    row = await store.fetch_one(f"SELECT {USER_COLUMNS} FROM users WHERE id = :id", {"id": str(user_id)})
    return user_row(row) if row else None
