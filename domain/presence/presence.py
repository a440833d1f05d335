"""Whether a user is online anywhere: one aggregate per user, changed only on transitions.

Connections come and go (tabs, push replicas, crashes); what they add up to is decided by
whoever observes the user's live connections and hands that observation to `observe`. Only
a change of state is an event, so heartbeats and extra tabs never reach the log.
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
from eventsourcing.domain import event

from domain.aggregate import Aggregate, Snapshot, stable_id


class PresenceState(msgspec.Struct, frozen=True):
    _created_on: datetime
    _modified_on: datetime
    user_id: UUID
    is_online: bool
    last_seen: datetime | None


class Presence(Aggregate):
    class Snapshot(Snapshot, frozen=True, kw_only=True):
        state: PresenceState

    @staticmethod
    def id_for(user_id: UUID) -> UUID:
        return stable_id("presence", str(user_id))

    @classmethod
    def create_id(cls, user_id: UUID) -> UUID:  # type: ignore[override]
        return cls.id_for(user_id)

    @event("PresenceTracked")
    def __init__(self, user_id: UUID) -> None:
        self.user_id = user_id
        self.is_online = False
        self.last_seen: datetime | None = None

    def observe(self, online: bool, seen_at: datetime) -> None:
        """The user has (or no longer has) a live connection; the same state twice is no change."""
        if online and not self.is_online:
            self._came_online(self.user_id)
        elif not online and self.is_online:
            self._went_offline(self.user_id, seen_at)

    @event("UserCameOnline")
    def _came_online(self, user_id: UUID) -> None:
        self.is_online = True

    @event("UserWentOffline")
    def _went_offline(self, user_id: UUID, last_seen: datetime) -> None:
        self.is_online = False
        self.last_seen = last_seen
