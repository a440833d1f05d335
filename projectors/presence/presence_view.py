"""The `presence` read model (last state and `last_seen` per user) and the presence frames.

`presence_leases` lives beside it but is no projection of events: it holds one row per open
`/ws/presence/` connection, renewed by its push process's heartbeat. It is created with this
read model (`tessera migrate`, start-up) and left alone by replays and `tessera verify`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from infra.envelope import Envelope, format_timestamp
from projectors.projection import Projection, Writer, on

PRESENCE_CHANNEL = "presence"
LEASE_TABLES = (
    """CREATE TABLE IF NOT EXISTS presence_leases (
        lease_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, process_id TEXT NOT NULL,
        seen_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS presence_leases_user ON presence_leases (user_id, expires_at)",
    "CREATE INDEX IF NOT EXISTS presence_leases_process ON presence_leases (process_id)",
)


class PresenceView(Projection):
    name = "presence"
    contexts = ("presence",)
    tables = {
        "presence": """CREATE TABLE IF NOT EXISTS presence (
            user_id TEXT PRIMARY KEY, is_online BOOLEAN NOT NULL, last_seen TEXT NOT NULL)""",
    }

    def ddl(self, dialect: str) -> list[str]:
        return super().ddl(dialect) + list(LEASE_TABLES)

    @on("UserCameOnline")
    def came_online(self, event: Envelope, w: Writer) -> None:
        _set(w, str(event.data["user_id"]), True, event.timestamp_text)

    @on("UserWentOffline")
    def went_offline(self, event: Envelope, w: Writer) -> None:
        last_seen = format_timestamp(datetime.fromisoformat(event.data["last_seen"].replace("Z", "+00:00")))
        _set(w, str(event.data["user_id"]), False, last_seen)


def _set(w: Writer, user_id: str, online: bool, last_seen: str) -> None:
    row: dict[str, Any] = {"user_id": user_id, "is_online": online, "last_seen": last_seen}
    w.execute("INSERT INTO presence (user_id, is_online, last_seen) VALUES (:user_id, :is_online, :last_seen)"
              " ON CONFLICT (user_id) DO UPDATE SET is_online = excluded.is_online,"
              " last_seen = excluded.last_seen", row)
    w.push(PRESENCE_CHANNEL, "presence", row)
