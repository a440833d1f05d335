"""The `tenants` read model: each tenant's name and slug, to list and to resolve `X-Tenant`."""
from __future__ import annotations

from infra.envelope import Envelope
from projectors.projection import Projection, Writer, on


class TenantsView(Projection):
    name = "tenants"
    contexts = ("tenancy",)
    tables = {
        "tenants": """CREATE TABLE IF NOT EXISTS tenants (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, slug TEXT NOT NULL,
            created_by TEXT NOT NULL, created_at TEXT NOT NULL)""",
    }
    indexes = ("CREATE UNIQUE INDEX IF NOT EXISTS tenants_slug ON tenants (slug)",)

    @on("TenantCreated")
    def created(self, event: Envelope, w: Writer) -> None:
        w.execute(
            "INSERT INTO tenants (id, name, slug, created_by, created_at)"
            " VALUES (:id, :name, :slug, :owner, :at)",
            {"id": event.aggregate_id_text, "name": event.data["name"], "slug": event.data["slug"],
             "owner": event.data["owner_id"], "at": event.timestamp_text},
        )
