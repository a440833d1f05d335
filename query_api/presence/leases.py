"""This push process's side of presence: one lease per open `/ws/presence/` connection.

A user is online while any of their leases is live. Leases sit in the shared read store, so
every push replica sees every other's connections. Each process renews its own leases every
`presence_heartbeat_seconds`; a lease not renewed for `presence_lease_seconds` (about three
missed heartbeats) belongs to a crashed process or a lost connection and is swept by any
replica, which settles the user's state. Only transitions become events (UserCameOnline,
UserWentOffline), through `PresenceApplication.settle`.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.presence.application import PresenceApplication
from infra.config import Settings

log = logging.getLogger("tessera.presence")

INSERT = ("INSERT INTO presence_leases (lease_id, user_id, process_id, seen_at, expires_at)"
          " VALUES (:lease_id, :user_id, :process_id, :now, :expires_at)"
          " ON CONFLICT (lease_id) DO UPDATE SET seen_at = excluded.seen_at, expires_at = excluded.expires_at")
RENEW = "UPDATE presence_leases SET seen_at = :now, expires_at = :expires_at WHERE process_id = :process_id"
RELEASE = "DELETE FROM presence_leases WHERE lease_id = :lease_id"
LIVE = "SELECT 1 AS live FROM presence_leases WHERE user_id = :user_id AND expires_at >= :now LIMIT 1"
EXPIRE = "DELETE FROM presence_leases WHERE expires_at < :now RETURNING user_id, seen_at"
ONLINE_WITHOUT_LEASE = (
    "SELECT p.user_id FROM presence p WHERE p.is_online = :yes AND NOT EXISTS"
    " (SELECT 1 FROM presence_leases l WHERE l.user_id = p.user_id AND l.expires_at >= :now)")
LEASED_BUT_OFFLINE = (
    "SELECT DISTINCT l.user_id FROM presence_leases l WHERE l.expires_at >= :now AND NOT EXISTS"
    " (SELECT 1 FROM presence p WHERE p.user_id = l.user_id AND p.is_online = :yes)")


def moment(epoch_seconds: float) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, UTC)


class PresenceTracker:
    """Built by `runtime.resource(PresenceTracker)`; `start(runtime)` runs the heartbeat."""

    def __init__(self, settings: Settings) -> None:
        self.process_id = uuid.uuid4().hex
        self.heartbeat = settings.presence_heartbeat_seconds
        self.lease_seconds = settings.presence_lease_seconds
        self.held: dict[str, str] = {}
        self._leasing = asyncio.Lock()  # a renewal never re-creates a lease being released
        self._runtime: Any = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, runtime: Any) -> None:
        self._runtime = runtime
        self._task = asyncio.create_task(self._beat(), name="tessera-presence-heartbeat")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def join(self, user_id: UUID) -> str:
        """Lease a new connection of the user's; they are online once this returns."""
        lease_id = uuid.uuid4().hex
        async with self._leasing:
            self.held[lease_id] = str(user_id)
            await asyncio.to_thread(self._write, INSERT, [self._lease_row(lease_id, str(user_id), time.time())])
        await self._settle(user_id, time.time(), actor=user_id)
        return lease_id

    async def leave(self, lease_id: str, user_id: UUID) -> None:
        """Release a closed connection; the user goes offline if it was their last one."""
        async with self._leasing:
            self.held.pop(lease_id, None)
            await asyncio.to_thread(self._write, RELEASE, [{"lease_id": lease_id}])
        await self._settle(user_id, time.time(), actor=user_id)

    async def sweep(self) -> None:
        """Renew this process's leases, expire dead ones, and settle users whose state is off."""
        now = time.time()
        async with self._leasing:
            await asyncio.to_thread(self._renew, now)
        expired, mismatched = await asyncio.to_thread(self._stale, now)
        for user_id, seen_at in expired.items():
            await self._settle(UUID(user_id), seen_at, actor=None)
        for user_id in mismatched - expired.keys():
            await self._settle(UUID(user_id), now, actor=None)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                await self.sweep()
            except Exception:  # noqa: BLE001 - the next beat retries; leases outlive ~3 beats
                log.exception("presence heartbeat failed")

    async def _settle(self, user_id: UUID, seen_at: float, actor: UUID | None) -> None:
        app = self._runtime.app(PresenceApplication)
        seen = moment(seen_at)
        await self._runtime.execute(app.settle, user_id, lambda: (self._is_live(user_id), seen),
                                    actor=actor)

    def _lease_row(self, lease_id: str, user_id: str, now: float) -> dict[str, Any]:
        return {"lease_id": lease_id, "user_id": user_id, "process_id": self.process_id,
                "now": now, "expires_at": now + self.lease_seconds}

    def _write(self, sql: str, rows: list[dict[str, Any]]) -> None:
        with self._runtime.store.transaction() as tx:
            tx.executemany(sql, rows)

    def _renew(self, now: float) -> None:
        """Renew every lease held here; re-create any another replica swept while we stalled."""
        held = dict(self.held)
        with self._runtime.store.transaction() as tx:
            renewed = tx.execute(RENEW, {"now": now, "expires_at": now + self.lease_seconds,
                                         "process_id": self.process_id})
            if renewed < len(held):
                tx.executemany(INSERT, [self._lease_row(lease, user, now) for lease, user in held.items()])

    def _stale(self, now: float) -> tuple[dict[str, float], set[str]]:
        with self._runtime.store.transaction() as tx:
            expired: dict[str, float] = {}
            for row in tx.fetch_all(EXPIRE, {"now": now}):
                expired[row["user_id"]] = max(expired.get(row["user_id"], 0.0), row["seen_at"])
            params = {"now": now, "yes": True}
            mismatched = {row["user_id"] for sql in (ONLINE_WITHOUT_LEASE, LEASED_BUT_OFFLINE)
                          for row in tx.fetch_all(sql, params)}
        return expired, mismatched

    def _is_live(self, user_id: UUID) -> bool:
        with self._runtime.store.transaction() as tx:
            return tx.fetch_one(LIVE, {"user_id": str(user_id), "now": time.time()}) is not None
