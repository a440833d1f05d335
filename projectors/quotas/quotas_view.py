"""The quota read models: each action's daily limit and each user's usage per UTC day."""
from __future__ import annotations

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on


class QuotasView(Projection):
    name = "quotas"
    contexts = ("quotas",)
    tables = {
        "quota_limits": """CREATE TABLE IF NOT EXISTS quota_limits (
            id TEXT PRIMARY KEY, action TEXT NOT NULL, daily_limit BIGINT)""",
        "quota_usage": """CREATE TABLE IF NOT EXISTS quota_usage (
            id TEXT PRIMARY KEY, user_id TEXT NOT NULL, action TEXT NOT NULL, day TEXT NOT NULL,
            used BIGINT NOT NULL)""",
    }
    indexes = (
        "CREATE UNIQUE INDEX IF NOT EXISTS quota_limits_action ON quota_limits (action)",
        "CREATE INDEX IF NOT EXISTS quota_usage_user_day ON quota_usage (user_id, day)",
    )

    @on("QuotaLimitSet")
    def limit_set(self, event: Envelope, w: Writer) -> None:
        w.execute("INSERT INTO quota_limits (id, action, daily_limit) VALUES (:id, :action, :daily_limit)",
                  {"id": event.aggregate_id_text, "action": event.data["action"],
                   "daily_limit": event.data["daily_limit"]})

    @on("QuotaLimitChanged")
    def limit_changed(self, event: Envelope, w: Writer) -> None:
        w.execute("UPDATE quota_limits SET daily_limit = :daily_limit WHERE id = :id",
                  {"id": event.aggregate_id_text, "daily_limit": event.data["daily_limit"]})

    @on("QuotaUsageOpened")
    def usage_opened(self, event: Envelope, w: Writer) -> None:
        d = event.data
        w.execute("INSERT INTO quota_usage (id, user_id, action, day, used)"
                  " VALUES (:id, :user_id, :action, :day, 0)",
                  {"id": event.aggregate_id_text, "user_id": d["user_id"], "action": d["action"],
                   "day": d["day"]})

    @on("QuotaConsumed")
    def consumed(self, event: Envelope, w: Writer) -> None:
        w.execute("UPDATE quota_usage SET used = :used WHERE id = :id",
                  {"id": event.aggregate_id_text, "used": event.data["used"]})
