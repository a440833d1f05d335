"""The active users, page by page in id order, from the `users` read model."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PAGE = 1000


def active_users(store: Any, columns: str, page: int = PAGE) -> Iterator[list[dict[str, Any]]]:
    after = ""
    while True:
        with store.transaction() as tx:
            rows = tx.fetch_all(f"SELECT {columns} FROM users WHERE is_active = :yes AND id > :after"
                                " ORDER BY id LIMIT :page", {"yes": True, "after": after, "page": page})
        if not rows:
            return
        yield rows
        after = rows[-1]["id"]
