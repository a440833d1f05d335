"""SQL over the `notifications` read model: a user's feed is platform rows plus their own."""
from __future__ import annotations

from typing import Any
from uuid import UUID

from query_api.pagination import PAGE_SQL, Page

FEED = (
    "FROM notifications n LEFT JOIN notification_marks m"
    " ON m.notification_id = n.id AND m.user_id = :me"
    " WHERE (n.obj_id IS NULL OR n.obj_id = :me) AND (m.is_hidden IS NULL OR m.is_hidden = :no)"
)
UNREAD = " AND (m.is_read IS NULL OR m.is_read = :no)"
COLUMNS = "n.id, n.title, n.message, n.obj_code, n.obj_id, n.created_at, m.is_read"


def notification_row(row: dict[str, Any]) -> dict[str, Any]:
    read = bool(row.pop("is_read") or False)
    return {**row, "read": read}


async def feed(store: Any, user_id: UUID, page: Page,
               unread: bool) -> tuple[int, list[dict[str, Any]]]:
    """One page of the user's visible notifications, newest first."""
    where = FEED + (UNREAD if unread else "")
    params = {"me": str(user_id), "no": False}
    counted = await store.fetch_one(f"SELECT count(*) AS n {where}", params)
    rows = await store.fetch_all(f"SELECT {COLUMNS} {where} ORDER BY n.position DESC {PAGE_SQL}",
                                 {**params, **page.params})
    return int(counted["n"] if counted else 0), [notification_row(row) for row in rows]


async def visible_notification(store: Any, user_id: UUID,
                               notification_id: UUID) -> dict[str, Any] | None:
    """The notification if the user receives it and has not hidden it."""
    row = await store.fetch_one(f"SELECT {COLUMNS} {FEED} AND n.id = :id",
                                {"me": str(user_id), "no": False, "id": str(notification_id)})
    return notification_row(row) if row else None
