"""Names of authors and tags for list items, remembered per process.

Authors and tags are never renamed, so a name once read is right forever: a page of books
needs no join, and after warm-up no extra query. Built by `runtime.resource(Names)`.
"""
from __future__ import annotations

from typing import Any

from infra.config import Settings

MAX_REMEMBERED = 100_000


class Names:
    def __init__(self, settings: Settings | None = None) -> None:
        self._known: dict[str, dict[str, str]] = {"authors": {}, "tags": {}}

    async def of(self, store: Any, table: str, ids: set[str]) -> dict[str, str]:
        """Name by id for every id of `table` ("authors" or "tags") that exists."""
        known = self._known[table]
        missing = [key for key in ids if key not in known]
        if missing:
            if len(known) + len(missing) > MAX_REMEMBERED:
                known.clear()
            marks = ", ".join(f":id{n}" for n in range(len(missing)))
            rows = await store.fetch_all(f"SELECT id, name FROM {table} WHERE id IN ({marks})",
                                         {f"id{n}": key for n, key in enumerate(missing)})
            known.update((row["id"], row["name"]) for row in rows)
        return known

    async def labels(self, store: Any, table: str, ids_per_row: list[list[str]]) -> list[list[dict[str, str]]]:
        """`[{id, name}]` for each row's ids, in order."""
        names = await self.of(store, table, {key for ids in ids_per_row for key in ids})
        return [[{"id": key, "name": names.get(key, "")} for key in ids] for ids in ids_per_row]
