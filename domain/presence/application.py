"""Presence commands: settle a user's online state from an observation of their connections."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, ApplicationRecorder, Mapper

from domain.aggregate import Aggregate
from domain.application import ContextApplication
from domain.concurrency import KeyedLocks, serialised
from domain.errors import NotFoundError
from domain.presence.presence import Presence

Observation = tuple[bool, datetime]
MAX_ROUNDS = 5


# A user's presence grows by two events per visit without end: every this many, a snapshot
# is stored, so the first load after a restart (every user reconnecting at once after a push
# service's deploy) reads at most this many events per user.
PRESENCE_SNAPSHOT_EVERY = 500


class PresenceApplication(ContextApplication):
    # Loaded presences are kept, so a process reads only each user's new events.
    env: ClassVar[dict[str, str]] = {**ContextApplication.env, "AGGREGATE_CACHE_MAXSIZE": "20000"}
    snapshotting_intervals: ClassVar[dict[type[Aggregate], int]] = {Presence: PRESENCE_SNAPSHOT_EVERY}

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[UUID],
                 snapshots: AggregateRecorder | None = None) -> None:
        super().__init__(recorder, mapper, snapshots)
        self.locks = KeyedLocks()

    def settle(self, user_id: UUID, observe: Callable[[], Observation]) -> bool:
        """Record transitions until the stored state matches a fresh observation.

        Observing again after each save closes the race of one tab closing on one replica
        while another opens elsewhere: whichever saves last sees the other's connection.
        Returns whether the user is online.
        """
        online = False
        for _ in range(MAX_ROUNDS):
            online, changed = serialised(self.locks, [user_id], lambda: self._apply(user_id, observe()))
            if not changed:
                break
        return online

    def _apply(self, user_id: UUID, observation: Observation) -> tuple[bool, bool]:
        """(online, whether an event was saved)."""
        online, seen_at = observation
        try:
            presence = self.load(Presence, Presence.id_for(user_id))
        except NotFoundError:
            if not online:
                return False, False
            presence = Presence(user_id)
        presence.observe(online, seen_at)
        if not presence.pending_events:
            return presence.is_online, False
        self.save(presence)
        return presence.is_online, True
