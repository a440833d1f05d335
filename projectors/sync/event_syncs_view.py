"""EventSync records (CONTRACT §8) and the objects other services keep in sync with us."""

from __future__ import annotations

import json

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on

_FLAGS = {
    "EventSyncSent": "sent",
    "EventSyncReceived": "received",
    "EventSyncProcessed": "processed",
}


class EventSyncsView(Projection):
    name = "event_syncs"
    contexts = ("sync",)
    tables = {
        "event_syncs": """CREATE TABLE IF NOT EXISTS event_syncs (
            id TEXT PRIMARY KEY, event_id TEXT NOT NULL, direction TEXT NOT NULL,
            apps TEXT NOT NULL, obj_type TEXT NOT NULL, obj_data TEXT NOT NULL,
            obj_cmd TEXT NOT NULL, sent BOOLEAN NOT NULL, received BOOLEAN NOT NULL,
            processed BOOLEAN NOT NULL, log TEXT NOT NULL, created_at TEXT NOT NULL,
            position BIGINT NOT NULL)""",
        "synced_objects": """CREATE TABLE IF NOT EXISTS synced_objects (
            id TEXT PRIMARY KEY, obj_type TEXT NOT NULL, obj_id TEXT NOT NULL,
            obj_data TEXT NOT NULL, deleted BOOLEAN NOT NULL, applied INTEGER NOT NULL,
            last_event_id TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS event_syncs_position ON event_syncs (position)",
        "CREATE INDEX IF NOT EXISTS event_syncs_event_id ON event_syncs (event_id)",
        "CREATE INDEX IF NOT EXISTS synced_objects_type ON synced_objects (obj_type, obj_id)",
    )

    @on("EventSyncOpened")
    def opened(self, event: Envelope, w: Writer) -> None:
        d = event.data
        w.execute(
            "INSERT INTO event_syncs (id, event_id, direction, apps, obj_type, obj_data, obj_cmd,"
            " sent, received, processed, log, created_at, position) VALUES (:id, :event_id,"
            " :direction, :apps, :obj_type, :obj_data, :obj_cmd, FALSE, FALSE, FALSE, :log, :at,"
            " :position)",
            {
                "id": event.aggregate_id_text,
                "event_id": d["event_id"],
                "direction": d["direction"],
                "apps": json.dumps(d["apps"]),
                "obj_type": d["obj_type"],
                "obj_data": json.dumps(d["obj_data"]),
                "obj_cmd": d["obj_cmd"],
                "log": json.dumps([_entry(event, "opened", d["direction"])]),
                "at": event.timestamp_text,
                "position": event.position,
            },
        )

    @on(*_FLAGS)
    def flagged(self, event: Envelope, w: Writer) -> None:
        row = w.fetch_one(
            "SELECT log FROM event_syncs WHERE id = :id", {"id": event.aggregate_id_text}
        )
        detail = event.data.get("note") or event.data.get("message_id", "")
        log = [*json.loads(row["log"] if row else "[]"), _entry(event, _FLAGS[event.type], detail)]
        w.execute(
            f"UPDATE event_syncs SET {_FLAGS[event.type]} = TRUE, log = :log WHERE id = :id",
            {"id": event.aggregate_id_text, "log": json.dumps(log)},
        )

    @on("SyncedObjectCreated")
    def object_created(self, event: Envelope, w: Writer) -> None:
        d = event.data
        w.execute(
            "INSERT INTO synced_objects (id, obj_type, obj_id, obj_data, deleted, applied,"
            " last_event_id, updated_at) VALUES (:id, :obj_type, :obj_id, :obj_data, FALSE, 1,"
            " :event_id, :at)",
            {
                "id": event.aggregate_id_text,
                "obj_type": d["obj_type"],
                "obj_id": d["obj_id"],
                "obj_data": json.dumps(d["obj_data"]),
                "event_id": d["event_id"],
                "at": event.timestamp_text,
            },
        )

    @on("SyncedObjectUpdated", "SyncedObjectDeleted")
    def object_changed(self, event: Envelope, w: Writer) -> None:
        deleted = event.type == "SyncedObjectDeleted"
        data = "obj_data" if deleted else ":obj_data"
        w.execute(
            f"UPDATE synced_objects SET obj_data = {data}, deleted = :deleted,"
            " applied = applied + 1, last_event_id = :event_id, updated_at = :at WHERE id = :id",
            {
                "id": event.aggregate_id_text,
                "obj_data": json.dumps(event.data.get("obj_data")),
                "deleted": deleted,
                "event_id": event.data["event_id"],
                "at": event.timestamp_text,
            },
        )


def _entry(event: Envelope, status: str, detail: str) -> dict[str, str]:
    return {"at": event.timestamp_text, "status": status, "detail": detail}
