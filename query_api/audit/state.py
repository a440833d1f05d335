"""An aggregate as it was at a version, folded from its audit entries (never from the store).

Each event's fields are laid over the fields before it; a `changes` object (e.g.
UserProfileUpdated) is laid over field by field. Events that carry no fields (UserDeactivated)
show as `last_event`, and an event type ending in `Deleted` sets `deleted`. Secrets stay redacted.
"""
from __future__ import annotations

from typing import Any


def fold(entries: list[dict[str, Any]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for entry in entries:
        changes = dict(entry["changes"])
        nested = changes.pop("changes", None)
        fields.update(changes)
        if isinstance(nested, dict):
            fields.update(nested)
    first, last = entries[0], entries[-1]
    return {"aggregate_type": first["aggregate_type"], "aggregate_id": first["aggregate_id"],
            "version": last["version"], "created_at": first["timestamp"],
            "updated_at": last["timestamp"], "last_event": last["event_type"],
            "deleted": any(e["action"] == "delete" for e in entries), "state": fields}
