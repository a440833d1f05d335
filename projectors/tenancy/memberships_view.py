"""The `memberships` read model: who belongs to which tenant, with which role.

Queries check it on every tenant-scoped read; commands check the Tenant aggregate instead.
"""
from __future__ import annotations

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on


class MembershipsView(Projection):
    name = "memberships"
    contexts = ("tenancy",)
    tables = {
        "memberships": """CREATE TABLE IF NOT EXISTS memberships (
            tenant_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
            joined_at TEXT NOT NULL, PRIMARY KEY (tenant_id, user_id))""",
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS memberships_by_user"
        " ON memberships (user_id, joined_at, tenant_id)",
    )

    @on("TenantCreated")
    def founded(self, event: Envelope, w: Writer) -> None:
        self._join(event, w, event.data["owner_id"], "owner")

    @on("TenantMemberAdded")
    def added(self, event: Envelope, w: Writer) -> None:
        self._join(event, w, event.data["user_id"], event.data["role"])

    @on("TenantMemberRoleChanged")
    def role_changed(self, event: Envelope, w: Writer) -> None:
        w.execute("UPDATE memberships SET role = :role"
                  " WHERE tenant_id = :tenant AND user_id = :user",
                  {"role": event.data["role"], "tenant": event.aggregate_id_text,
                   "user": event.data["user_id"]})

    @on("TenantMemberRemoved")
    def removed(self, event: Envelope, w: Writer) -> None:
        w.execute("DELETE FROM memberships WHERE tenant_id = :tenant AND user_id = :user",
                  {"tenant": event.aggregate_id_text, "user": event.data["user_id"]})

    @staticmethod
    def _join(event: Envelope, w: Writer, user_id: str, role: str) -> None:
        w.execute(
            "INSERT INTO memberships (tenant_id, user_id, role, joined_at)"
            " VALUES (:tenant, :user, :role, :at)",
            {"tenant": event.aggregate_id_text, "user": user_id, "role": role,
             "at": event.timestamp_text},
        )
