"""SQL over the `users` read model."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from query_api.pagination import PAGE_SQL, Page

USER_COLUMNS = ("id, email, first_name, last_name, phone, gender, date_of_birth, avatar_url, "
                "access_level, email_confirmed, is_active, date_joined")


def user_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "email_confirmed": bool(row["email_confirmed"]),
            "is_active": bool(row["is_active"])}


async def user_by_id(store: Any, user_id: UUID | str) -> dict[str, Any] | None:
    row = await store.fetch_one(f"SELECT {USER_COLUMNS} FROM users WHERE id = :id",
                                {"id": str(user_id)})
    return user_row(row) if row else None


async def users_page(store: Any, page: Page, search: str | None = None,
                     only: UUID | None = None) -> tuple[int, list[dict[str, Any]]]:
    """One page of users (newest first) whose email or names contain `search`; `only` limits
    the list to one user (what a plain user may see)."""
    where, params = _filters(search, only)
    counted = await store.fetch_one(f"SELECT count(*) AS n FROM users WHERE {where}", params)
    rows = await store.fetch_all(
        f"SELECT {USER_COLUMNS} FROM users WHERE {where} ORDER BY date_joined DESC, id {PAGE_SQL}",
        {**params, **page.params})
    return int(counted["n"] if counted else 0), [user_row(row) for row in rows]


def _filters(search: str | None, only: UUID | None) -> tuple[str, dict[str, Any]]:
    clauses, params = ["1 = 1"], {}
    if only is not None:
        clauses.append("id = :only")
        params["only"] = str(only)
    if search:
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append("search LIKE :pattern ESCAPE '\\'")
        params["pattern"] = f"%{escaped}%"
    return " AND ".join(clauses), params
