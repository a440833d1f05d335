"""The `dashboard` read model (CONTRACT §5.5): platform counts and events per minute.

It folds every event of every context: named counts move on the events below, and each event
adds one to the minute of its own timestamp (never the clock, so a replay gives the same
buckets). `online_users` follows presence's transitions (UserCameOnline / UserWentOffline are
recorded only when a user's first connection opens or last one closes). A batch is summed up
in memory and written as one upsert per minute and per count (a replay of a million events of
one minute updates that row once per batch, not a million times); after each batch, one
`dashboard_data` snapshot goes to the `dashboard` channel. Its `events_total` only grows, so a
client can ignore a snapshot older than one it has shown.
"""
from __future__ import annotations

from typing import Any, ClassVar

from infra.envelope import Envelope
from projectors.projection import Projection, Writer

CHANNEL = "dashboard"
COUNTS = ("users_count", "courses_count", "books_count", "orders_count", "reports_count",
          "notifications_count", "online_users")
CHANGES: dict[str, tuple[tuple[str, int], ...]] = {
    "UserRegistered": (("users_count", 1),),
    "UserDeactivated": (("users_count", -1),),
    "CourseCreated": (("courses_count", 1), ("notifications_count", 1)),
    "BookCreated": (("books_count", 1),),
    "BookDeleted": (("books_count", -1),),
    "OrderPlaced": (("orders_count", 1),),
    "ReportRequested": (("reports_count", 1),),
    "NotificationCreated": (("notifications_count", 1),),
    "UserCameOnline": (("online_users", 1),),
    "UserWentOffline": (("online_users", -1),),
}
MINUTES_SHOWN = 60
# Kept as a count like the others: summing the minutes after every batch read a row per
# minute the platform has been up, a year's 525,600 of them in the end.
EVENTS_TOTAL = "events_total"


class DashboardView(Projection):
    name = "dashboard"
    contexts = ()
    tables: ClassVar[dict[str, str]] = {
        "dashboard_counts": """CREATE TABLE IF NOT EXISTS dashboard_counts (
            name TEXT PRIMARY KEY, value BIGINT NOT NULL)""",
        "dashboard_minutes": """CREATE TABLE IF NOT EXISTS dashboard_minutes (
            minute TEXT PRIMARY KEY, events BIGINT NOT NULL)""",
    }

    def handles(self, envelope: Envelope) -> bool:
        return True

    def apply(self, envelope: Envelope, writer: Writer) -> None:
        """Sum the batch up in memory; `after_batch` writes one upsert per minute and count."""
        pending = writer.batch_state.setdefault(self.name, Pending())
        minute = envelope.timestamp_text[:16]
        pending.minutes[minute] = pending.minutes.get(minute, 0) + 1
        pending.counts[EVENTS_TOTAL] = pending.counts.get(EVENTS_TOTAL, 0) + 1
        for name, delta in CHANGES.get(envelope.type, ()):
            pending.counts[name] = pending.counts.get(name, 0) + delta
        pending.position = max(pending.position, envelope.position)  # partitions come in turn

    def after_batch(self, writer: Writer) -> None:
        pending = writer.batch_state.pop(self.name, None)
        if pending is None:
            return
        for minute, events in sorted(pending.minutes.items()):
            writer.execute(
                "INSERT INTO dashboard_minutes (minute, events) VALUES (:minute, :events)"
                " ON CONFLICT (minute) DO UPDATE SET events = dashboard_minutes.events + :events",
                {"minute": minute, "events": events})
        for name, delta in sorted(pending.counts.items()):
            writer.execute(
                "INSERT INTO dashboard_counts (name, value) VALUES (:name, :delta)"
                " ON CONFLICT (name) DO UPDATE SET value = dashboard_counts.value + :delta",
                {"name": name, "delta": delta})
        if writer.pushing:
            writer.position = pending.position
            writer.push(CHANNEL, "dashboard_data", snapshot(*read_snapshot(writer)))


class Pending:
    """One batch's increments, before they are written."""

    def __init__(self) -> None:
        self.minutes: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.position = 0


Rows = list[dict[str, Any]]


SNAPSHOT_READS = [("SELECT name, value FROM dashboard_counts", None),
                  ("SELECT minute, events FROM dashboard_minutes ORDER BY minute DESC LIMIT :n",
                   {"n": MINUTES_SHOWN})]


def read_snapshot(writer: Writer) -> tuple[Rows, Rows]:
    """Both reads in one round trip: a snapshot follows every batch."""
    counts, minutes = writer.fetch_each(SNAPSHOT_READS)
    return counts, minutes


def snapshot(counts: list[dict[str, Any]], minutes: list[dict[str, Any]]) -> dict[str, Any]:
    """What GET dashboard/ answers and `dashboard_data` frames carry."""
    found = {row["name"]: int(row["value"]) for row in counts}
    return {**{name: found.get(name, 0) for name in COUNTS},
            "events_per_minute": [{"minute": f"{row['minute']}:00Z", "events": int(row["events"])}
                                  for row in reversed(minutes)],
            "events_total": found.get(EVENTS_TOTAL, 0)}
