"""SQL over the SQS bridge's read models."""

from __future__ import annotations

import json
from typing import Any

from query_api.pagination import PAGE_SQL, Page

RECORD_COLUMNS = (
    "id, event_id, direction, apps, obj_type, obj_data, obj_cmd, sent, received, processed, log"
)
OBJECT_COLUMNS = "obj_type, obj_id, obj_data, deleted, applied, last_event_id, updated_at"


def _where(filters: dict[str, str | None]) -> tuple[str, dict[str, str]]:
    chosen = {column: value for column, value in filters.items() if value}
    clause = " AND ".join(f"{column} = :{column}" for column in chosen)
    return (f" WHERE {clause}" if clause else ""), chosen


async def _page(
    store: Any, table: str, columns: str, order: str, page: Page, filters: dict[str, str | None]
) -> tuple[int, list[dict[str, Any]]]:
    where, params = _where(filters)
    count = await store.fetch_one(f"SELECT COUNT(*) AS n FROM {table}{where}", params)
    rows = await store.fetch_all(
        f"SELECT {columns} FROM {table}{where} ORDER BY {order} {PAGE_SQL}",
        {**params, **page.params},
    )
    return int(count["n"]), rows


async def event_syncs_page(
    store: Any, page: Page, **filters: str | None
) -> tuple[int, list[dict[str, Any]]]:
    count, rows = await _page(store, "event_syncs", RECORD_COLUMNS, "position DESC", page, filters)
    return count, [record_body(row) for row in rows]


async def synced_objects_page(
    store: Any, page: Page, **filters: str | None
) -> tuple[int, list[dict[str, Any]]]:
    count, rows = await _page(
        store, "synced_objects", OBJECT_COLUMNS, "obj_type, obj_id", page, filters
    )
    return count, [
        {**row, "obj_data": json.loads(row["obj_data"]), "deleted": bool(row["deleted"])}
        for row in rows
    ]


def record_body(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "apps": json.loads(row["apps"]),
        "obj_data": json.loads(row["obj_data"]),
        "log": json.loads(row["log"]),
        "sent": bool(row["sent"]),
        "received": bool(row["received"]),
        "processed": bool(row["processed"]),
    }
